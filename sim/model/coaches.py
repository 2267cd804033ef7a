"""Coaches: how a coach plans a week's sessions, shares them out and what a session does.

Every week a coach (a manager, or the outside coach) plans the sessions its reps are due
(:meth:`Coach.plan`: a cadence, with fractions carried over), shares the ones that fit among its
reps by its focus policy (:mod:`sim.model.focus`), takes their time out of the reps' selling
hours, and applies each session's effect on skill (:mod:`sim.model.skill`) at the session's end:
a micro-session on one open deal in scope (a boost to that deal and reinforcement of its stage),
a formal one-to-one on every stage in scope. The manager's calendar, which decides which of its
sessions are held, is :mod:`sim.model.calendar`; the outside coach has no calendar to share and
bills its hours (:class:`OutsideCoach`).

A coach is an :class:`~sim.engine.agenda.Agenda`, the calendar's engine: a manager's runs its
meetings and sessions, an outside coach's stays empty. (A manager is a coach with a calendar; one
line of inheritance instead of two lets the compiled build compile both: see :mod:`sim.compiled`.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sim.clock import DAYS
from sim.engine.agenda import Agenda
from sim.model import skill as dyn
from sim.model.focus import FocusParams, RepView, allocate, capped_shares, focus_weights
from sim.model.pipeline import Deal
from sim.model.recorder import Recorder, Tallies
from sim.model.rules import coach_the_coach_hours, outside_fee_usd
from sim.model.run import Run
from sim.model.sellers import Rep
from sim.model.skill_lists import SessionSteps, session_steps
from sim.random.streams import Purpose, UniformBlock
from sim.scenario import Programme


class Coach(Agenda):
    """What a coach does in a session, and how it shares its sessions among its reps."""

    def __init__(
        self,
        run: Run,
        programme: Programme,
        reps: Sequence[Rep],
        picks: Purpose,
        arrivals: Sequence[tuple[float, Any, Any]] = (),
    ) -> None:
        """``arrivals``: what the coach's agenda handles as they come (a manager's meetings)."""
        super().__init__(arrivals, run.settle)
        s = run.scenario
        self.run = run
        self.rec: Recorder | Tallies = run.recorder
        """Where the coach's weekly tallies go."""
        self.programme = programme
        self.reps = list(reps)
        names = s.stage_names()
        self.scope = (
            [names.index(n) for n in programme.scope]
            if programme.scope
            else list(range(len(names)))
        )
        self.scope_set = frozenset(self.scope)
        self._every_stage = self.scope_set == set(range(len(names)))
        self.fit = 1.0 if programme.tailored else s.skill.generic_fit
        self.session_hours = programme.minutes_per_session / 60.0
        f = programme.focus
        params = FocusParams(f.tier_weights.model_dump(), f.readiness_threshold)
        views = [RepView(r.tier, r.readiness, r.percentile) for r in self.reps]
        self.weights = focus_weights(f.policy, views, params)
        self.credit = [0.0] * len(self.reps)
        self._shares: dict[int, list[float]] = {}
        self.demand_credit = 0.0
        self._picks = [
            UniformBlock((run.seed, run.replication, picks, r.index), 64) for r in self.reps
        ]
        sk = s.skill
        self._dyn = [(sk.consolidation, sk.spacing_gain, sk.improvement, r.ceiling) for r in reps]
        """Per rep, the skill parameters of a session (the rep's own ceiling)."""
        self._harm_threshold = sk.harm_threshold
        """Sessions of a coach below this quality harm (:meth:`harm`)."""
        self._quality: float | None = None
        """The coach's quality when it does not change over time (else :meth:`quality`)."""
        self._formal_dose = (
            programme.minutes_per_session / len(self.scope) / programme.full_effect_minutes
        )
        """Dose per stage of a whole formal session, which spreads its time over the scope."""
        self._whole: list[SessionSteps | tuple[()] | None] = [None] * len(self.reps)
        """Per rep, the steps of a whole formal session when quality is constant (None: not
        yet computed)."""

    def active(self, week: int) -> bool:
        """Whether the programme runs in simulation week ``week`` (from its start week, up to
        its end week)."""
        p = self.programme
        week -= self.run.warmup
        return (
            week >= p.start_week
            and (p.end_week is None or week < p.end_week)
            and p.sessions_per_rep_per_week > 0
        )

    def plan(self, week: int, fit: int) -> tuple[int, list[tuple[int, int]]]:
        """(sessions due, [(rep position, count)]) for a week in which ``fit`` sessions fit."""
        p = self.programme
        due = p.sessions_per_rep_per_week * len(self.reps) + self.demand_credit
        planned = math.floor(due + 1e-9)
        self.demand_credit = due - planned
        budget = max(0, min(planned, fit))
        shares = self._shares.get(budget)
        if shares is None:  # the same few budgets come back week after week
            shares = capped_shares(self.weights, budget, p.max_sessions_per_rep_per_week)
            self._shares[budget] = shares
        counts = allocate(shares, self.credit, round(sum(shares)))
        return planned, [(i, n) for i, n in enumerate(counts) if n > 0]

    def book_reps(self, week: int, order: list[int], lost_selling_hours: list[float]) -> None:
        """Take this week's sessions out of the reps' selling hours and record their time."""
        self.take_selling_hours(order, lost_selling_hours)
        share = self.programme.rep_time_share
        hours = self.session_hours * len(order)
        self.rec.add("rep_coaching_hours", week, hours)
        self.rec.add("rep_offselling_hours", week, hours * (1.0 - share))

    def take_selling_hours(self, order: list[int], lost_selling_hours: list[float]) -> None:
        """Take the sessions in ``order`` out of their reps' selling hours."""
        lost = self.session_hours * self.programme.rep_time_share
        for pos in order:
            lost_selling_hours[self.reps[pos].index] += lost

    @staticmethod
    def interleave(counts: list[tuple[int, int]]) -> list[int]:
        """Rep positions in session order, round robin so a rep's sessions spread out."""
        order: list[int] = []
        most = max((n for _, n in counts), default=0)
        for r in range(most):
            order.extend(i for i, n in counts if n > r)
        return order

    def quality(self, t: float) -> float:
        """Coaching quality at ``t``: the constant quality, unless a subclass varies it."""
        assert self._quality is not None
        return self._quality

    def apply_later(self, pos: int, t: float, held_share: float = 1.0) -> None:
        """A session on rep ``pos`` ending at ``t``, ``held_share`` of it held.

        Its effect waits in the rep's pipeline and is applied at ``t``, in time order with the
        rep's stage ends, when the rep is next advanced: nothing outside the rep reads its
        skill or its deals, so applying it later gives what applying it at ``t`` would.
        """
        self.reps[pos].later(t, self, pos, held_share)

    def effect(self, pos: int, t: float, held_share: float) -> None:
        """The effect of one session on rep ``pos`` at ``t``, its deals as they stand at ``t``."""
        rep = self.reps[pos]
        p = self.programme
        quality = self._quality
        if quality is None:
            quality = self.quality(t)
        if quality < self._harm_threshold:
            self.harm(pos, t, held_share, quality)
            return
        if p.style == "micro":
            deal, k = self._micro_pick(rep, pos, t)
            e = dyn.session_effect(
                quality,
                rep.readiness,
                self.fit,
                held_share * p.minutes_per_session / p.full_effect_minutes,
            )
            if deal is not None:
                k = rep.boost(deal, t, p.deal_boost * e)
            if e > 0.0:
                rep.reinforce((k,), t, e, self._dyn[pos])
            return
        if held_share == 1.0 and self._quality is not None:
            # A whole session of a coach of constant quality: the same steps every time.
            steps = self._whole[pos]
            if steps is None:
                steps = self._whole[pos] = self._formal_steps(quality, pos, 1.0)
        else:
            steps = self._formal_steps(quality, pos, held_share)
        if not steps:
            return
        if self._every_stage:
            rep.reinforce_all(t, steps)
        else:
            rep.reinforce_by(self.scope, t, steps)

    def _micro_pick(self, rep: Rep, pos: int, t: float) -> tuple[Deal | None, int]:
        """What a micro-session at ``t`` centres on, drawn with the coach's stream for the rep:
        (an open deal in scope, -1), or with none open (None, a stage of the scope)."""
        u = self._picks[pos].next()
        open_now = rep.open_at(t, None if self._every_stage else self.scope_set)
        if open_now:
            return open_now[int(u * len(open_now))], -1
        return None, self.scope[int(u * len(self.scope))]

    def harm(self, pos: int, t: float, held_share: float, quality: float) -> None:
        """A session of a coach below ``skill.harm_threshold`` (:func:`sim.model.skill.harm`):
        a micro-session harms the stage of the deal it centres on and boosts no deal; a formal
        one harms every stage in scope. It draws what a helpful session would, so the random
        numbers of every other session stay the same."""
        rep = self.reps[pos]
        p = self.programme
        sk = self.run.scenario.skill
        floor = dyn.harm_floor(sk.harm_ratio, rep.ceiling)
        if p.style == "micro":
            deal, k = self._micro_pick(rep, pos, t)
            if deal is not None:
                k = rep.stage_of(deal, t)
            dose = held_share * p.minutes_per_session / p.full_effect_minutes
            stages: list[int] = [k]
        else:
            dose = held_share * self._formal_dose
            stages = self.scope
        h = dyn.session_harm(quality, self._harm_threshold, rep.readiness, self.fit, dose)
        if h > 0.0:
            rep.harm(stages, t, sk.improvement * h, floor)

    def _formal_steps(
        self, quality: float, pos: int, held_share: float
    ) -> SessionSteps | tuple[()]:
        """The :func:`~sim.model.skill_lists.session_steps` of a formal session with rep
        ``pos`` (or none)."""
        e = dyn.session_effect(
            quality, self.reps[pos].readiness, self.fit, held_share * self._formal_dose
        )
        return session_steps(e, self._dyn[pos]) if e > 0.0 else ()


class OutsideCoach(Coach):
    """A professional from outside: its own hours, a fee, no manager time, no meetings."""

    def __init__(self, run: Run, reps: Sequence[Rep]) -> None:
        oc = run.scenario.outside_coach
        assert oc is not None
        super().__init__(run, oc, reps, Purpose.OUTSIDE_COACHING)
        self.oc = oc
        self.travel_hours = oc.travel_hours_per_session if oc.format == "in_person" else 0.0
        self.travel_usd = oc.travel_cost_per_session_usd if oc.format == "in_person" else 0.0
        self.enrolled = sum(1 for w in self.weights if w > 0.0)
        self._quality = oc.quality

    def start_week(self, week: int, booked_hours: list[float]) -> None:
        """Plan, bill and schedule this week's sessions."""
        if not self.active(week):
            return
        oc = self.oc
        run = self.run
        rec = run.recorder
        managers = run.scenario.team.managers if oc.teams is None else oc.teams
        ctc = coach_the_coach_hours(oc, week - run.warmup, managers)
        available = max(0.0, oc.hours_per_week - ctc)
        fit = math.floor(available / (self.session_hours + self.travel_hours) + 1e-9)
        planned, counts = self.plan(week, fit)
        order = self.interleave(counts)
        n = len(order)
        rec.add("sessions_planned", week, planned)
        rec.add("sessions_unscheduled", week, planned - n)
        rec.add("sessions_held", week, n)
        rec.add("outside_sessions_held", week, n)
        rec.add("outside_session_hours", week, n * self.session_hours)
        billed = n * self.session_hours + ctc
        rec.add("outside_coach_hours", week, billed + n * self.travel_hours)
        rec.add("outside_fees_usd", week, outside_fee_usd(oc, billed, self.enrolled))
        rec.add("travel_usd", week, n * self.travel_usd)
        dur = self.session_hours / run.scenario.managers.hours_per_day
        self.book_reps(week, order, booked_hours)
        run.settled_events += n  # sessions with no SimPy event of their own
        for i, pos in enumerate(order):
            # Nothing can disturb an outside coach's session: it waits in the rep's pipeline.
            self.apply_later(pos, week * DAYS + (i + 0.5) * DAYS / n + 0.5 * dur)
