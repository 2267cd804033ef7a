"""The simulation of one replication: a sales team over a horizon of working weeks.

SimPy's environment keeps the clock: the weeks are a SimPy process. What concerns one manager's
calendar only waits in the manager's own agenda (:meth:`Manager.run_until`), and what concerns one
seller only in the seller's pipeline (:class:`sim.model.sellers.Pipeline`); both are processed, in
time order, when the week turns. The maths is in :mod:`sim.model.skill`, the focus policies in
:mod:`sim.model.focus`, the draws in :mod:`sim.random.draws`, the leads in :mod:`sim.engine.leads`.

* Each **manager** has one calendar with one holder at a time (rules of a preemptive resource
  of capacity 1). Leadership
  meetings arrive at random and take it with the highest priority; a meeting that arrives during
  a coaching session preempts it unless the clash is protected (``coaching_protection``). A
  preempted session counts as held but shortened if at least half of it was held, else as
  cancelled. Coaching sessions wait for meetings; one that cannot start in its week is cancelled.
  Admin and the manager's own selling fill the time meetings and coaching leave, in that order,
  so every hour is admin, meetings, selling, coaching or idle.
* Each week, every **coach** (the managers, and the outside coach if any) plans the sessions its
  reps are due, fits what it can into its free hours (the rest is *unscheduled*) and shares them
  out by its focus policy.
* **Leads** are candidate arrivals at the nominal rate, each kept with the probability that equals
  the share of the rep's selling hours left that week after coaching and training (thinning).
* **Deals** (see :mod:`sim.model.sellers`) cost a pipeline entry only for the stage ends the
  seller's skill may decide and for their close; the rest are settled when scheduled.
* Each **week** closes in one step: the calendars close and plan the next week, then each rep is
  visited once (pipeline advanced, skill sampled, training given), then the week's leads open.
"""

from __future__ import annotations

import gc
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import simpy
from simpy.events import Event

from sim.clock import DAYS
from sim.engine.leads import LeadTable
from sim.model import skill as dyn
from sim.model.calendar import Manager
from sim.model.coaches import OutsideCoach
from sim.model.recorder import Recorder, summary_row, weekly_frame
from sim.model.rules import lead_rates_per_day, tiers, training_hours_lost
from sim.model.sellers import Pipeline, Rep
from sim.random.streams import Purpose, stream
from sim.scenario import Scenario, Training
from sim.scenario.calibration import ability_sigma


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector.

    A replication allocates hundreds of thousands of short-lived objects that reference counting
    frees at once; the cyclic collector would still walk every live deal and draw list again and
    again, a cost that grows faster than the team. The replication's own cycles (reps point to
    the run) are collected once the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Replication:
    """One replication of a scenario: build the team, run the weeks, hand back the tables."""

    def __init__(
        self, scenario: Scenario, seed: int, replication: int, settle: bool = True
    ) -> None:
        # A stage uniform of exactly 0 has logit -inf (it always advances): not an error.
        with gc_paused(), np.errstate(divide="ignore"):
            self._build(scenario, seed, replication, settle)

    def _build(self, scenario: Scenario, seed: int, replication: int, settle: bool) -> None:
        self.scenario = s = scenario
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.simpy_events = 0
        """Events on SimPy's own heap: the week turns."""
        self.calendar_events = 0
        """Events of the managers' calendars (each processed by its own agenda, Manager.step)."""
        self.lazy_events = 0
        """Stage ends decided in the sellers' pipelines: discrete events that never needed
        SimPy's heap (see sim.model.sellers.Pipeline)."""
        self.events = 0
        self.settled_events = 0
        """Discrete events of the model settled without a queue: stage ends no skill could
        decide otherwise (sim.model.sellers.Pipeline.schedule), and sessions nothing could disturb
        (settled when planned, their effect waiting in the rep's pipeline)."""
        self.settle = settle
        """Settle events nothing can change when they are scheduled: sure stage ends, sessions
        nothing can disturb, ends of meetings nothing waits for. False processes each at its
        own time instead, with the same results (tests)."""
        self.trace: list[tuple[str, int, float]] | None = None
        """Set to a list to record (event, manager, time) of every calendar event."""
        self.warmup = s.warmup_weeks
        """Warm-up weeks: simulation week ``w`` is report week ``w - warmup``."""
        self.sim_weeks = s.weeks + s.warmup_weeks
        self.horizon_days = self.sim_weeks * DAYS
        names = s.stage_names()
        self.recorder = Recorder(s.weeks, names, s.warmup_weeks)
        self.micro_coaching = s.coaching.style == "micro" or (
            s.outside_coach is not None and s.outside_coach.style == "micro"
        )
        """Whether any coach centres sessions on open deals (sellers then list them)."""
        self.base_logits = [dyn.logit(st.base_conversion) for st in s.stages]
        self.last_stage = len(s.stages) - 1
        self.sigma = ability_sigma(
            s.team.top20_revenue_share,
            [st.base_conversion for st in s.stages],
            s.team.ability_lead_elasticity,
        )
        self.reps = self._build_reps()
        n_mgr = s.team.managers
        trained_u = stream(seed, replication, Purpose.MANAGER_TRAINED).random(n_mgr).tolist()
        per = s.team.reps_per_manager
        self.managers = [
            Manager(
                self, m, self.reps[m * per : (m + 1) * per], trained_u[m] < s.managers.trained_share
            )
            for m in range(n_mgr)
        ]
        self.outside = OutsideCoach(self, self.reps) if s.outside_coach is not None else None
        self.sellers: list[Pipeline] = [*self.reps, *(m.seller for m in self.managers)]
        """Everyone who owns deals."""
        # Better sellers build more pipeline; the lognormal factor keeps the team mean rate.
        eps = s.team.ability_lead_elasticity
        self.rep_leads = LeadTable(
            self,
            self.reps,
            [r.index for r in self.reps],
            lead_rates_per_day(
                s.leads.per_rep_per_week, eps, self.sigma, [r.ability for r in self.reps]
            ),
            Purpose.REP_LEADS,
            Purpose.REP_DEALS,
            count_leads=True,
        )
        self.manager_leads = LeadTable(
            self,
            [m.seller for m in self.managers],
            range(n_mgr),
            [s.managers.own_leads_per_week / DAYS] * n_mgr,
            Purpose.MANAGER_LEADS,
            Purpose.MANAGER_DEALS,
            open_at_week_end=True,
        )
        self.training_hours = training_hours_lost(
            s.training, s.team.selling_hours_per_week, self.warmup, self.sim_weeks
        )
        self._training_by_week: dict[int, list[tuple[Training, Sequence[int]]]] = {}
        """Trainings by the simulation week they start, with the stages they cover."""
        for tr in s.training:
            ks = [names.index(n) for n in tr.stages] if tr.stages else range(len(names))
            self._training_by_week.setdefault(tr.start_week + self.warmup, []).append((tr, ks))
        self._weeks_done = self.env.process(self._weeks())

    def _build_reps(self) -> list[Rep]:
        s = self.scenario
        n = s.team.managers * s.team.reps_per_manager
        z = stream(self.seed, self.replication, Purpose.ABILITY).standard_normal(n)
        ready = stream(self.seed, self.replication, Purpose.READINESS).beta(
            s.team.readiness_alpha, s.team.readiness_beta, n
        )
        labels, percentiles = tiers(z)
        reps = [
            Rep(
                self,
                i,
                i // s.team.reps_per_manager,
                float(self.sigma * z[i]),
                float(ready[i]),
                labels[i],
                percentiles[i],
                len(s.stages),
            )
            for i in range(n)
        ]
        return reps

    def log(self, event: str, who: int, at: float | None = None) -> None:
        """Record a calendar event (at ``at``, default now) when tracing is on."""
        if self.trace is not None:
            self.trace.append((event, who, round(self.env.now if at is None else at, 9)))

    def _weeks(self) -> Generator[Event, Any, None]:
        for week in range(self.sim_weeks):
            self._turn_week(week)
            self.simpy_events += 1
            yield self.env.timeout(DAYS)
        self._turn_week(self.sim_weeks)
        self.rep_leads.flush()
        self.manager_leads.flush()

    def _turn_week(self, week: int) -> None:
        """Close week ``week - 1`` (if any) and open week ``week`` (if any), at its start.

        The calendars close and plan first. Then each rep is visited once: its pipeline is
        advanced to now (the week's stage ends and session effects, in time order), its skill
        is sampled for the closing week, and this week's training is given. One visit per rep
        and week keeps a large team's memory traffic to a sweep. Last, the week's leads open.
        """
        s = self.scenario
        rec = self.recorder
        t = self.env.now
        closing = week - 1
        opening = week < self.sim_weeks
        selling_shares = []
        for m in self.managers:
            m.run_until(t)
            if closing >= 0:
                selling_shares.append(m.end_week(closing))
            m.seller.advance_to(t)
        if selling_shares and opening:
            # The closed week's own leads of the managers open now, kept with the share of
            # selling time it had (none from the last week: they would open at the horizon).
            self.manager_leads.open_week(closing, selling_shares)
        booked = [self.training_hours[week] if opening else 0.0] * len(self.reps)
        if opening:
            for m in self.managers:
                m.start_week(week, booked)
            if self.outside is not None:
                self.outside.start_week(week, booked)
        sample = closing >= self.warmup
        n_stages = len(s.stages)
        skill = [0.0] * n_stages
        training = self._training_by_week.get(week, ()) if opening else ()
        selling = s.team.selling_hours_per_week
        for rep in self.reps:
            rep.advance_to(t)
            if sample:
                rep.add_learned(skill, t)
            for tr, ks in training:
                self._train(rep, tr, ks, t)
        if opening:
            # New deals' stage ends all come after now: opening them after the sweep is the
            # same as during it.
            self.rep_leads.open_week(week, [max(0.0, 1.0 - h / selling) for h in booked])
        if sample:
            for k in range(n_stages):
                rec.skill[k][closing] = skill[k] / len(self.reps)
        if opening:
            for tr, _ in training:
                rec.add(
                    "training_usd", week, tr.fixed_cost_usd + tr.cost_per_rep_usd * len(self.reps)
                )
            rec.add("rep_training_hours", week, self.training_hours[week] * len(self.reps))

    def _train(self, rep: Rep, tr: Training, stages: Sequence[int], t: float) -> None:
        """Give ``rep`` the training ``tr`` on ``stages`` at ``t`` (its pipeline is at ``t``)."""
        sk = self.scenario.skill
        for k in stages:
            rep.set_state(
                k, dyn.train(rep.state(k), t, tr.gain, sk.initial_stability_days, sk.ceiling)
            )
        rep.check_alike()
        rep.t_train_days, rep.dip_depth = t, tr.dip_depth
        rep.dip_recovery_days = tr.dip_recovery_days

    def run(self) -> tuple[Any, dict[str, Any]]:
        """Run to the horizon; return (weekly DataFrame, summary row)."""
        with gc_paused():
            self.env.run(until=self._weeks_done)
        return self.tables()

    def tables(self) -> tuple[Any, dict[str, Any]]:
        """(weekly DataFrame, summary row) of a replication run to its horizon."""
        self.events = (
            self.simpy_events + self.calendar_events + self.lazy_events + self.settled_events
        )
        """Discrete events of the model, processed or settled (for benchmarks)."""
        s = self.scenario
        weekly = weekly_frame(
            self.recorder,
            s.name or "scenario",
            self.replication,
            self.seed,
            s.money.gross_margin,
            s.money.manager_hourly_cost_usd,
            s.money.rep_hourly_cost_usd,
        )
        summary = summary_row(
            weekly,
            [r.rep_revenue_usd for r in self.reps],
            {"ability_sigma": self.sigma},
        )
        return weekly, summary
