"""One replication: team building and the week turn of a sales team over a horizon of weeks.

SimPy's environment keeps the clock: the weeks are a SimPy process. What concerns one manager's
calendar waits in the manager's own agenda (:class:`sim.model.calendar.Manager`), and what
concerns one seller in the seller's pipeline (:class:`sim.model.pipeline.Pipeline`); both are
processed, in time order, when the week turns.

* **Building the team**: reps' abilities (normal, scaled to the scenario's concentration of
  revenue, :mod:`sim.scenario.ability`), readiness (beta), tiers; managers (trained or not);
  the outside coach; the candidate leads of reps and managers (:mod:`sim.model.leads`), reps'
  at rates that rise with ability (:func:`sim.model.rules.lead_rates_per_day`).
* **Each week** (:meth:`Replication._turn_week`): the calendars close (admin and selling fill
  what meetings and coaching left) and every coach plans the next week's sessions; then each rep
  is visited once (pipeline advanced, skill sampled, training given); then the week's leads open,
  each kept with the share of its seller's selling hours that coaching and training left
  (thinning).
* **Twin replications** (``calendars``, :mod:`sim.model.twins`): the same replication of two
  scenarios whose managers' calendars are the same runs the calendars once: the first records
  them and the second replays what they did to the reps, the selling hours and the tallies, in
  the same order, so its tables are the same to the bit as if it had run them. Their candidate
  leads, drawn from the same streams, are drawn and prepared once too (``leads``,
  :data:`~sim.model.candidates.LeadShelf`).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import numpy as np
import simpy
from simpy.events import Event

from sim.clock import DAYS
from sim.engine.collector import gc_paused
from sim.model import skill as dyn
from sim.model.calendar import Manager
from sim.model.candidates import LeadShelf
from sim.model.coaches import OutsideCoach
from sim.model.leads import LeadTable
from sim.model.pipeline import Pipeline
from sim.model.recorder import MANAGER_TALLIES, REP_HOURS, Recorder, summary_row, weekly_frame
from sim.model.rules import (
    correlated_readiness,
    lead_rates_per_day,
    manager_groups,
    rep_ceiling,
    tiers,
    training_hours_lost,
)
from sim.model.sellers import Rep
from sim.model.twins import Calendars, CalendarTape
from sim.random.streams import Purpose, stream
from sim.scenario import Scenario, Training
from sim.scenario.ability import ability_sigma

_OTHER_TALLIES = tuple(c for c in MANAGER_TALLIES if c not in REP_HOURS)


class Replication:
    """One replication of a scenario: build the team, run the weeks, hand back the tables."""

    __deletable__ = (
        "env",
        "_weeks_done",
        "managers",
        "reps",
        "sellers",
        "outside",
        "rep_leads",
        "manager_leads",
        "replay",
        "_calendars",
        "recorder",
    )
    """What :meth:`release` deletes (a compiled class, sim.compiled, must be told)."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        replication: int,
        settle: bool = True,
        calendars: Calendars | None = None,
        leads: LeadShelf | None = None,
    ) -> None:
        """``calendars``: replay the managers' calendars recorded there by the same replication
        of a scenario with the same :func:`~sim.model.twins.calendar_key`, or record them
        there. ``leads``: take the lead tables' draws from there when a twin left the same
        ones, or leave them there (:data:`~sim.model.candidates.LeadShelf`)."""
        # A stage uniform of exactly 0 has logit -inf (it always advances): not an error.
        with gc_paused(), np.errstate(divide="ignore"):
            self._build(scenario, seed, replication, settle, leads)
        self.replay: list[CalendarTape] | None = None
        """The recorded calendars this replication replays instead of running its own."""
        self._calendars = calendars
        self._calendar_key = (seed, replication, settle)
        if calendars is not None:
            self.replay = calendars.get(self._calendar_key)
            if self.replay is None:
                for m in self.managers:
                    m.tape = CalendarTape(m.tallies)

    def _build(
        self, scenario: Scenario, seed: int, replication: int, settle: bool, leads: LeadShelf | None
    ) -> None:
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
        SimPy's heap (see sim.model.pipeline.Pipeline)."""
        self.events = 0
        self.settled_events = 0
        """Discrete events of the model settled without a queue: stage ends no skill could
        decide otherwise (sim.model.pipeline.Pipeline.schedule), and sessions nothing could disturb
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
        programmes = [
            s.coaching,
            *(g.coaching for g in s.manager_groups if g.coaching is not None),
            *([s.outside_coach] if s.outside_coach is not None else []),
        ]
        self.micro_coaching = any(p.style == "micro" for p in programmes)
        """Whether any coach centres sessions on open deals (sellers then list them)."""
        self.base_logits = [dyn.logit(st.base_conversion) for st in s.stages]
        self.last_stage = len(s.stages) - 1
        self.sigma = ability_sigma(
            s.team.top20_revenue_share,
            [st.base_conversion for st in s.stages],
            s.team.ability_lead_elasticity,
        )
        self.reps = self._build_reps()
        self.managers = self._build_managers()
        oc = s.outside_coach
        per = s.team.reps_per_manager
        coached = self.reps if oc is None or oc.teams is None else self.reps[: oc.teams * per]
        self.outside = OutsideCoach(self, coached) if oc is not None else None
        self.sellers: list[Pipeline] = [*self.reps, *(m.seller for m in self.managers)]
        """Everyone who owns deals."""
        self.rep_leads, self.manager_leads = self._lead_tables(leads)
        self.training_hours = training_hours_lost(
            s.training, s.team.selling_hours_per_week, self.warmup, self.sim_weeks
        )
        self._training_by_week: dict[int, list[tuple[Training, Sequence[int]]]] = {}
        """Trainings by the simulation week they start, with the stages they cover."""
        for tr in s.training:
            ks = [names.index(n) for n in tr.stages] if tr.stages else range(len(names))
            self._training_by_week.setdefault(tr.start_week + self.warmup, []).append((tr, ks))
        self._weeks_done = self.env.process(self._weeks())

    def _build_managers(self) -> list[Manager]:
        """The managers, each with its reps, trained or not, in its group."""
        s = self.scenario
        n_mgr, per = s.team.managers, s.team.reps_per_manager
        trained_u = (
            stream(self.seed, self.replication, Purpose.MANAGER_TRAINED).random(n_mgr).tolist()
        )
        groups = manager_groups(s.manager_groups, n_mgr)
        return [
            Manager(
                self,
                m,
                self.reps[m * per : (m + 1) * per],
                trained_u[m] < s.managers.trained_share,
                groups[m],
            )
            for m in range(n_mgr)
        ]

    def _lead_tables(self, leads: LeadShelf | None) -> tuple[LeadTable, LeadTable]:
        """The reps' lead table and the managers' (their own deals)."""
        s = self.scenario
        n_mgr = s.team.managers
        # Better sellers build more pipeline; the lognormal factor keeps the team mean rate.
        eps = s.team.ability_lead_elasticity
        reps = LeadTable(
            self,
            self.reps,
            [r.index for r in self.reps],
            lead_rates_per_day(
                s.leads.per_rep_per_week, eps, self.sigma, [r.ability for r in self.reps]
            ),
            Purpose.REP_LEADS,
            Purpose.REP_DEALS,
            count_leads=True,
            shelf=leads,
        )
        managers = LeadTable(
            self,
            [m.seller for m in self.managers],
            range(n_mgr),
            [s.managers.own_leads_per_week / DAYS] * n_mgr,
            Purpose.MANAGER_LEADS,
            Purpose.MANAGER_DEALS,
            open_at_week_end=True,
            shelf=leads,
        )
        return reps, managers

    def _build_reps(self) -> list[Rep]:
        s = self.scenario
        n = s.team.managers * s.team.reps_per_manager
        z = stream(self.seed, self.replication, Purpose.ABILITY).standard_normal(n)
        ready = correlated_readiness(
            z,
            stream(self.seed, self.replication, Purpose.READINESS).standard_normal(n),
            s.team.readiness_ability_correlation,
            s.team.readiness_alpha,
            s.team.readiness_beta,
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
                rep_ceiling(
                    s.skill.ceiling,
                    s.skill.ceiling_ability_slope,
                    float(z[i]),
                    s.skill.fundamentals_ability_sd,
                ),
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
        # The reps' session hours went in week by week if an outside coach adds to them too.
        names = _OTHER_TALLIES if self.outside is not None else MANAGER_TALLIES
        for tallies in self._calendar_tallies():
            self.recorder.merge(tallies, names)

    def _calendar_tallies(self) -> list[Any]:
        """The managers' calendars' tallies, in manager order (replayed or their own)."""
        if self.replay is not None:
            return [tape.tallies for tape in self.replay]
        return [m.tallies for m in self.managers]

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
        replay = self.replay
        for i, m in enumerate(self.managers):
            if replay is None:
                m.run_until(t)
                if closing >= 0:
                    selling_shares.append(m.end_week(closing))
                if m.tape is not None:
                    m.tape.mark()
            else:
                replay[i].replay(m, 2 * week)
                if closing >= 0:
                    selling_shares.append(replay[i].shares[closing])
            m.seller.advance_to(t)
        if selling_shares and opening:
            # The closed week's own leads of the managers open now, kept with the share of
            # selling time it had (none from the last week: they would open at the horizon).
            self.manager_leads.open_week(closing, selling_shares)
        booked = [self.training_hours[week] if opening else 0.0] * len(self.reps)
        if opening:
            for i, m in enumerate(self.managers):
                if replay is None:
                    m.start_week(week, booked)
                    if m.tape is not None:
                        m.tape.mark()
                else:
                    order = replay[i].orders.get(week)
                    if order is not None:
                        m.take_selling_hours(order, booked)
                    replay[i].replay(m, 2 * week + 1)
            if self.outside is not None:
                # The managers' share of the reps' session hours first, as they were added.
                for tallies in self._calendar_tallies():
                    self.recorder.merge(tallies, REP_HOURS, week)
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
                k,
                dyn.train(
                    rep.state(k),
                    t,
                    tr.gain,
                    sk.initial_stability_days,
                    rep.ceiling,
                    tr.transfer_floor,
                ),
            )
        rep.check_alike()
        rep.t_train_days, rep.dip_depth = t, tr.dip_depth
        rep.dip_recovery_days = tr.dip_recovery_days

    def run(self) -> tuple[Any, dict[str, Any]]:
        """Run to the horizon; return (weekly DataFrame, summary row)."""
        if self.trace is not None and self.replay is not None:
            raise ValueError("a replayed calendar has no trace: run without calendars")
        with gc_paused():
            self.env.run(until=self._weeks_done)
        if self._calendars is not None and self.replay is None:
            for m in self.managers:
                assert m.tape is not None
                m.tape.processed = m.processed
            self._calendars[self._calendar_key] = [m.tape for m in self.managers if m.tape]
        return self.tables()

    def release(self) -> None:
        """Drop what the replication holds, its tables made, so reference counting frees it
        (the managers' calendars and the run itself would otherwise be cycles for the cyclic
        collector to walk). The replication is unusable afterwards."""
        for m in self.managers:
            m.release()
        del self.env, self._weeks_done, self.managers, self.reps, self.sellers, self.outside
        del self.rep_leads, self.manager_leads, self.replay, self._calendars, self.recorder

    def tables(self) -> tuple[Any, dict[str, Any]]:
        """(weekly DataFrame, summary row) of a replication run to its horizon."""
        if self.replay is not None:
            self.calendar_events = sum(tape.processed for tape in self.replay)
        else:
            self.calendar_events = sum(m.processed for m in self.managers)
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
