"""The simulation of one replication: a sales team over a horizon of working weeks.

SimPy's environment keeps the clock: the weeks are a SimPy process. What concerns one manager's
calendar only waits in the manager's own agenda (:meth:`Manager.run_until`), and what concerns
one seller only in the seller's pipeline (:class:`sim.people.Pipeline`); both are processed, in
time order, when the week turns. The maths is in :mod:`sim.dynamics`, the focus policies in
:mod:`sim.policies`, the draws in :mod:`sim.draws`, the leads in :mod:`sim.leads`.

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
* **Deals** (see :mod:`sim.people`) cost a pipeline entry only for the stage ends the seller's
  skill may decide and for their close; the rest are settled when scheduled.
* Each **week** closes in one step: the calendars close and plan the next week, then each rep is
  visited once (pipeline advanced, skill sampled, training given), then the week's leads open.
"""

from __future__ import annotations

import gc
import math
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from heapq import heappop, heappush
from typing import Any

import numpy as np
import simpy
from simpy.events import Event

from sim import dynamics as dyn
from sim.calibration import ability_sigma
from sim.config import Programme, Scenario, Training
from sim.draws import lognormal_from_uniform, poisson_arrivals
from sim.leads import LeadTable
from sim.people import DAYS, ManagerSeller, Pipeline, Rep, SessionSteps, session_steps
from sim.policies import FocusParams, RepView, allocate, capped_shares, focus_weights
from sim.results import Recorder, summary_row, weekly_frame
from sim.rng import Purpose, UniformBlock, stream

MEETING, COACHING = "meeting", "coaching"


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


class Coach:
    """What a coach does in a session, and how it shares its sessions among its reps."""

    def __init__(
        self, run: Replication, programme: Programme, reps: Sequence[Rep], picks: Purpose
    ) -> None:
        s = run.scenario
        self.run = run
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
        self.session_days_per_hour = 1.0  # set by subclasses when the calendar matters
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
        self._dyn = (sk.consolidation, sk.spacing_gain, sk.improvement, sk.ceiling)
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
        """Whether the programme runs in simulation week ``week``."""
        return (
            week - self.run.warmup >= self.programme.start_week
            and self.programme.sessions_per_rep_per_week > 0
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
        share = self.programme.rep_time_share
        lost = self.session_hours * share
        for pos in order:
            lost_selling_hours[self.reps[pos].index] += lost
        hours = self.session_hours * len(order)
        self.run.recorder.add("rep_coaching_hours", week, hours)
        self.run.recorder.add("rep_offselling_hours", week, hours * (1.0 - share))

    @staticmethod
    def interleave(counts: list[tuple[int, int]]) -> list[int]:
        """Rep positions in session order, round robin so a rep's sessions spread out."""
        order: list[int] = []
        most = max((n for _, n in counts), default=0)
        for r in range(most):
            order.extend(i for i, n in counts if n > r)
        return order

    def quality(self, t: float) -> float:
        """Coaching quality at ``t``."""
        raise NotImplementedError

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
        if p.style == "micro":
            u = self._picks[pos].next()
            e = dyn.session_effect(
                quality,
                rep.readiness,
                self.fit,
                held_share * p.minutes_per_session / p.full_effect_minutes,
            )
            scope = self.scope_set
            assert rep.open_deals is not None  # kept whenever a coach micro-coaches
            open_now = [d for d in rep.open_deals if d.stage in scope and d.open_days <= t]
            if open_now:
                deal = open_now[int(u * len(open_now))]
                k = deal.stage
                deal.boost += p.deal_boost * e
            else:
                k = self.scope[int(u * len(self.scope))]
            if e > 0.0:
                rep.reinforce((k,), t, e, self._dyn)
            return
        if held_share == 1.0 and self._quality is not None:
            # A whole session of a coach of constant quality: the same steps every time.
            steps = self._whole[pos]
            if steps is None:
                steps = self._whole[pos] = self._formal_steps(quality, rep, 1.0)
        else:
            steps = self._formal_steps(quality, rep, held_share)
        if not steps:
            return
        if self._every_stage:
            rep.reinforce_all(t, steps)
        else:
            rep.reinforce_by(self.scope, t, steps)

    def _formal_steps(
        self, quality: float, rep: Rep, held_share: float
    ) -> SessionSteps | tuple[()]:
        """The :func:`sim.people.session_steps` of a formal session (empty: no effect)."""
        e = dyn.session_effect(quality, rep.readiness, self.fit, held_share * self._formal_dose)
        return session_steps(e, self._dyn) if e > 0.0 else ()


class Manager(Coach):
    """A sales manager: a calendar shared by meetings, coaching, admin and own selling."""

    def __init__(self, run: Replication, index: int, reps: Sequence[Rep], trained: bool) -> None:
        super().__init__(run, run.scenario.coaching, reps, Purpose.MANAGER_COACHING)
        s = run.scenario
        m = s.managers
        self.index = index
        self.trained = trained
        self.seller = ManagerSeller(run, m.ability, len(s.stages), learns=False)
        if trained:
            self._quality = m.quality_trained
        elif s.outside_coach is None or not s.outside_coach.coach_the_coach:
            self._quality = m.quality_untrained
        self.busy: str | None = None
        """What the manager is doing now: a meeting, a coaching session, or neither."""
        self.busy_since = 0.0
        self._holder: str | None = None
        """Who holds the calendar: a meeting, a session (one that may be preempted), or nobody."""
        self._meetings_waiting: deque[float] = deque()
        """Lengths (days) of the meetings waiting for the calendar, in arrival order."""
        self._session_waiting = False
        """Whether the week's current session waits for the calendar."""
        self._agenda: list[tuple[float, int, Callable[[int], None]]] = []
        """The calendar's events other than meeting arrivals (read from ``meetings`` in order):
        (time, key, callback), keys in the order they were made."""
        self._keys = 0
        self._now = 0.0
        """The calendar's clock: the time of the event being processed, or of the week turn."""
        self._pending: int | None = None
        """Key of the event the week's current session waits for; any other is stale."""
        self._pending_at = math.inf
        """Time of that event (infinity if none)."""
        self._week = 0
        self._order: list[int] = []
        self._i = 0
        self._gap = self._latest = self._begun = 0.0
        self.hours = {MEETING: [0.0] * run.sim_weeks, COACHING: [0.0] * run.sim_weeks}
        self._coaching_hours = self.hours[COACHING]
        self._hours_per_day = m.hours_per_day
        self._sessions_held = run.recorder.cols["sessions_held"]
        self.session_days = self.session_hours / m.hours_per_day
        free = (
            DAYS * m.hours_per_day
            - m.admin_hours_per_week
            - m.selling_hours_per_week
            - m.meetings_per_week * m.meeting_mean_hours
        )
        self.fit_per_week = max(0, math.floor(free / self.session_hours + 1e-9))
        times, extra = poisson_arrivals(
            stream(run.seed, run.replication, Purpose.MEETINGS, index),
            m.meetings_per_week / DAYS,
            run.sim_weeks * DAYS,
            extra=2,
        )
        lengths = lognormal_from_uniform(extra[:, 0], m.meeting_mean_hours, m.meeting_hours_cv)
        self.meetings = list(
            zip(
                times.tolist(),
                (lengths / m.hours_per_day).tolist(),
                extra[:, 1].tolist(),
                strict=True,
            )
        )
        self._meeting_i = 0

    def quality(self, t: float) -> float:
        """Coaching quality at ``t``: trained, untrained, or on the coach-the-coach ramp."""
        m = self.run.scenario.managers
        if self.trained:
            return m.quality_trained
        oc = self.run.scenario.outside_coach
        if oc is None or not oc.coach_the_coach:
            return m.quality_untrained
        return m.quality_untrained + (m.quality_trained - m.quality_untrained) * (
            self.run.coach_the_coach_progress(t)
        )

    def account(self, kind: str, start: float, end: float) -> None:
        """Add calendar time [start, end) of ``kind`` to the weeks it falls in, in hours."""
        hpd = self._hours_per_day
        hours = self.hours[kind]
        w = int(start // DAYS)
        if end <= (w + 1) * DAYS:  # within one week, as nearly always
            hours[w] += (end - start) * hpd
            return
        weeks = len(hours)
        while start < end:
            w = int(start // DAYS)
            stop = min(end, (w + 1) * DAYS)
            if w < weeks:
                hours[w] += (stop - start) * hpd
            start = stop

    # The calendar is a small state machine driven by its own agenda: the manager's time has one
    # holder at a time (a meeting or a coaching session), meetings wait in arrival order, and at
    # most one session waits behind them. It behaves as a SimPy PreemptiveResource of capacity 1
    # with meetings at priority 0 and sessions at priority 1 would (the first engine used one;
    # results were identical), at two events per meeting (its arrival, read from the list of
    # draws, and its end) and one or two per session instead of six to nine. Nothing outside the
    # manager reads or changes the calendar during a week (a session's effect waits in its rep's
    # pipeline), so the agenda is processed up to each week turn, in time order (a meeting's
    # arrival before an agenda event at the same time), events due at the turn itself after it
    # (as SimPy orders an event made after the turn's own). tests/sim/test_pipeline.py
    # interleaves every calendar's events and SimPy's on one clock instead, and processes every
    # event at its own time instead of settling it early, with the same results.

    def _at(self, t: float, callback: Callable[[int], None]) -> int:
        """Schedule ``callback(key)`` at ``t``; return the event's key."""
        self._keys += 1
        heappush(self._agenda, (t, self._keys, callback))
        return self._keys

    def _wait(self, t: float, callback: Callable[[int], None]) -> None:
        """The week's current session waits for ``callback`` at ``t``."""
        self._pending_at = t
        self._pending = self._at(t, callback)

    def _next_arrival(self) -> float:
        i = self._meeting_i
        return self.meetings[i][0] if i < len(self.meetings) else math.inf

    def next_time(self) -> float:
        """Time of the calendar's next event (infinity if none)."""
        return min(self._agenda[0][0] if self._agenda else math.inf, self._next_arrival())

    def step(self) -> None:
        """Process the calendar's next event: the agenda's first, or a meeting's arrival if it
        comes no later."""
        agenda = self._agenda
        arrival = self._next_arrival()
        if agenda and agenda[0][0] < arrival:
            t, key, callback = heappop(agenda)
            self._now = t
            callback(key)
        else:
            self._now = arrival
            self._meeting_arrives()
        self.run.calendar_events += 1

    def run_until(self, until: float) -> None:
        """Process the events due before ``until`` in time order; the clock is then ``until``."""
        agenda, meetings = self._agenda, self.meetings
        n = 0
        while True:  # Manager.step written out
            i = self._meeting_i
            arrival = meetings[i][0] if i < len(meetings) else math.inf
            if agenda and agenda[0][0] < arrival:
                t = agenda[0][0]
                if t >= until:
                    break
                _, key, callback = heappop(agenda)
                self._now = t
                n += 1
                callback(key)
            else:
                if arrival >= until:
                    break
                self._now = arrival
                n += 1
                self._meeting_arrives()
        self.run.calendar_events += n
        self._now = until

    def _log(self, event: str) -> None:
        self.run.log(event, self.index, self._now)

    def _meeting_arrives(self) -> None:
        _, length_days, u = self.meetings[self._meeting_i]
        self._meeting_i += 1
        run = self.run
        preempt = True
        if self.busy == COACHING:
            w = int(self._now // DAYS)
            run.recorder.add("meeting_clashes", w, 1.0)
            if u < run.scenario.managers.coaching_protection:
                preempt = False
                run.recorder.add("clashes_protected", w, 1.0)
        if self._holder is None and not self._meetings_waiting:
            self._holder = MEETING
            self._meeting_starts(length_days)
        elif self._holder == COACHING and preempt and not self._meetings_waiting:
            # The meeting takes the calendar; the session stops where it is.
            self._holder = MEETING
            self._session_preempted()
            self._meeting_starts(length_days)
        else:
            self._meetings_waiting.append(length_days)

    def _meeting_starts(self, length_days: float) -> None:
        now = self._now
        end = now + length_days
        self.busy, self.busy_since = MEETING, now
        self._log("meeting_start")
        if (
            self.run.settle
            and end < self._pending_at
            and end < self._next_arrival()
            and end < (now // DAYS + 1.0) * DAYS
            and not self._session_waiting
            and not self._meetings_waiting
        ):
            # Nothing can happen on this calendar before the meeting ends, and nothing waits
            # for it, in this week: the end is settled now (the calendar is free from then on).
            self.account(MEETING, now, end)
            self.busy = None
            self._holder = None
            self.run.log("meeting_end", self.index, end)
            self.run.settled_events += 1
            return
        self._at(end, self._meeting_ends)

    def _meeting_ends(self, _key: int) -> None:
        self.account(MEETING, self.busy_since, self._now)
        self.busy = None
        self._holder = None
        self._log("meeting_end")
        self._grant()

    def _grant(self) -> None:
        """Hand the free calendar to the first meeting waiting, else to the waiting session."""
        if self._meetings_waiting:
            self._holder = MEETING
            self._meeting_starts(self._meetings_waiting.popleft())
        elif self._session_waiting:
            self._session_waiting = False
            self._session_takes_calendar()

    def _undisturbed(self, until: float) -> bool:
        """Whether the calendar is free now and no meeting arrives before ``until``."""
        if self._holder is not None or self._meetings_waiting or self._session_waiting:
            return False
        i = self._meeting_i
        return i >= len(self.meetings) or self.meetings[i][0] > until

    def start_week(self, week: int, booked_hours: list[float]) -> None:
        """Plan this week's coaching and start running its sessions."""
        if not self.active(week):
            return
        rec = self.run.recorder
        planned, counts = self.plan(week, self.fit_per_week)
        order = self.interleave(counts)
        rec.add("sessions_planned", week, planned)
        rec.add("sessions_unscheduled", week, planned - len(order))
        self.book_reps(week, order, booked_hours)
        if order:
            if self._pending is not None:
                raise RuntimeError(f"manager {self.index}: week {week} starts, sessions still run")
            self._week, self._order, self._i = week, order, 0
            self._gap = DAYS / len(order)
            self._latest = (week + 1) * DAYS - self.session_days
            self._next_session()

    # A week's sessions run one after another: session i is due at its slot (the week split in
    # equal gaps), starts then or when the calendar frees, and is cancelled if it cannot start
    # by the latest time that still ends it in its week. ``_pending`` is the one event the
    # sessions wait for; any other is stale (a session preempted, a deadline beaten) and ignored.

    def _next_session(self) -> None:
        """Go on with session ``_i`` of the week and the ones after it."""
        run = self.run
        now = self._now
        dur = self.session_days
        week = self._week
        week_end = (week + 1) * DAYS
        order = self._order
        while self._i < len(order):
            start = week * DAYS + (self._i + 0.5) * self._gap - 0.5 * dur
            begin = max(now, start)
            end = begin + dur
            if not (run.settle and end < week_end and self._undisturbed(end)):
                due = max(now, start)
                if due > self._now:
                    self._wait(due, self._session_due)
                else:
                    self._session_due(None)
                return
            # Nothing can touch the calendar until this session ends: no meeting arrives, none
            # holds or waits for it, and the week does not close. So it is settled now, and its
            # effect waits in the rep's pipeline for its end; the next session is planned from
            # there.
            if run.trace is not None:
                run.log("session_start", self.index, begin)
                run.log("session_end", self.index, end)
            self._coaching_hours[week] += (end - begin) * self._hours_per_day  # in its week
            self._sessions_held[week] += 1.0
            run.settled_events += 1  # a session with no SimPy event of its own
            self.apply_later(order[self._i], end)
            self._i += 1
            now = end
        self._pending, self._pending_at = None, math.inf

    def _session_due(self, key: int | None) -> None:
        if key is not None and key != self._pending:
            return
        now = self._now
        if now > self._latest:
            # An earlier session ran late: this one can no longer end in its week.
            self._session_cancelled("session_not_started")
        elif self._undisturbed(now + self.session_days):
            # No meeting can arrive before it ends: it runs whole.
            self.busy, self.busy_since = COACHING, now
            self._log("session_start")
            self._wait(now + self.session_days, self._whole_session_ends)
        elif self._holder is None and not self._meetings_waiting:
            self._session_takes_calendar()
        else:
            if self._holder is None:
                self._grant()  # meetings already waiting go first
            self._session_waiting = True
            self._wait(now + max(0.0, self._latest - now), self._session_deadline)

    def _session_takes_calendar(self) -> None:
        self._holder = COACHING
        self._begun = self._now
        self.busy, self.busy_since = COACHING, self._now
        self._log("session_start")
        self._wait(self._now + self.session_days, self._held_session_ends)

    def _session_deadline(self, key: int) -> None:
        if key != self._pending:
            return
        self._session_waiting = False
        self._session_cancelled("session_not_started")

    def _session_cancelled(self, log: str | None) -> None:
        self.run.recorder.add("sessions_cancelled", self._week, 1.0)
        if log is not None:
            self._log(log)
        self._i += 1
        self._next_session()

    def _whole_session_ends(self, _key: int) -> None:
        """The end of a session that started when no meeting could arrive before its end."""
        self._log("session_end")
        self.account(COACHING, self.busy_since, self._now)
        self.busy = None
        self._session_held(1.0)

    def _held_session_ends(self, key: int) -> None:
        if key != self._pending:
            return
        self._log("session_end")
        self.account(COACHING, self.busy_since, self._now)
        self.busy = None
        self._holder = None
        self._session_held(1.0)
        if self._holder is None:
            self._grant()

    def _session_preempted(self) -> None:
        self._pending, self._pending_at = None, math.inf  # its end will not come
        held = (self._now - self._begun) / self.session_days
        self._log("session_preempted")
        self.account(COACHING, self.busy_since, self._now)
        self.busy = None
        if held >= 0.5:
            self.run.recorder.add("sessions_shortened", self._week, 1.0)
            self._session_held(held)
        else:
            self._session_cancelled(None)

    def _session_held(self, held: float) -> None:
        """Count session ``_i`` as held (``held`` of it), apply it, go on with the next."""
        now = self._now
        self.run.recorder.add("sessions_held", self._week, 1.0)
        self.apply_later(self._order[self._i], now, held)
        self._i += 1
        self._next_session()

    def end_week(self, week: int) -> float:
        """Close the week's calendar: admin and own selling fill what is left.

        Returns the share of the manager's selling hours the week had (its own leads are kept
        with it)."""
        run = self.run
        m = run.scenario.managers
        if self.busy is not None:
            self.account(self.busy, self.busy_since, self._now)
            self.busy_since = self._now
        capacity = DAYS * m.hours_per_day
        meeting, coaching = self.hours[MEETING][week], self.hours[COACHING][week]
        rest = max(0.0, capacity - meeting - coaching)
        admin = min(m.admin_hours_per_week, rest)
        selling = min(m.selling_hours_per_week, rest - admin)
        rec = run.recorder
        rec.add("mgr_meeting_hours", week, meeting)
        rec.add("mgr_coaching_hours", week, coaching)
        rec.add("mgr_admin_hours", week, admin)
        rec.add("mgr_selling_hours", week, selling)
        rec.add("mgr_idle_hours", week, capacity - meeting - coaching - admin - selling)
        return selling / m.selling_hours_per_week if m.selling_hours_per_week > 0 else 0.0


class OutsideCoach(Coach):
    """A professional from outside: its own hours, a fee, no manager time, no meetings."""

    def __init__(self, run: Replication, reps: Sequence[Rep]) -> None:
        oc = run.scenario.outside_coach
        assert oc is not None
        super().__init__(run, oc, reps, Purpose.OUTSIDE_COACHING)
        self.oc = oc
        self.travel_hours = oc.travel_hours_per_session if oc.format == "in_person" else 0.0
        self.travel_usd = oc.travel_cost_per_session_usd if oc.format == "in_person" else 0.0
        self.enrolled = sum(1 for w in self.weights if w > 0.0)
        self._quality = oc.quality

    def active(self, week: int) -> bool:
        """Whether the engagement runs this week."""
        end = self.oc.end_week if self.oc.end_week is not None else math.inf
        return super().active(week) and week - self.run.warmup < end

    def start_week(self, week: int, booked_hours: list[float]) -> None:
        """Plan, bill and schedule this week's sessions."""
        if not self.active(week):
            return
        oc = self.oc
        run = self.run
        rec = run.recorder
        ctc = 0.0
        if oc.coach_the_coach and week - self.run.warmup - oc.start_week < (
            oc.coach_the_coach_ramp_weeks
        ):
            ctc = oc.coach_the_coach_hours_per_manager_per_week * len(run.managers)
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
        if oc.fee_per_hour_usd is not None:
            rec.add("outside_fees_usd", week, billed * oc.fee_per_hour_usd)
        else:
            fee = oc.fee_per_rep_per_month_usd or 0.0
            rec.add("outside_fees_usd", week, self.enrolled * fee * 12.0 / 52.0)
        rec.add("travel_usd", week, n * self.travel_usd)
        dur = self.session_hours / run.scenario.managers.hours_per_day
        self.book_reps(week, order, booked_hours)
        run.settled_events += n  # sessions with no SimPy event of their own
        for i, pos in enumerate(order):
            # Nothing can disturb an outside coach's session: it waits in the rep's pipeline.
            self.apply_later(pos, week * DAYS + (i + 0.5) * DAYS / n + 0.5 * dur)

    def quality(self, t: float) -> float:
        """The outside coach's quality."""
        return self.oc.quality


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
        self.calendar_events = 0
        """Events of the managers' calendars (each processed by its own agenda, Manager.step)."""
        self.lazy_events = 0
        """Stage ends decided in the sellers' pipelines: discrete events that never needed
        SimPy's heap (see sim.people.Pipeline)."""
        self.events = 0
        self.settled_events = 0
        """Discrete events of the model settled without a queue: stage ends no skill could
        decide otherwise (sim.people.Pipeline.schedule), and sessions nothing could disturb
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
        rate = s.leads.per_rep_per_week / DAYS * math.exp(-0.5 * (eps * self.sigma) ** 2)
        self.rep_leads = LeadTable(
            self,
            self.reps,
            [r.index for r in self.reps],
            [rate * math.exp(eps * r.ability) for r in self.reps],
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
        self.training_hours = self._training_hours()
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
        order = np.argsort(z, kind="stable")
        rank = np.empty(n, dtype=int)
        rank[order] = np.arange(n)
        n_edge = round(0.2 * n)
        reps = []
        for i in range(n):
            tier = "C" if rank[i] < n_edge else ("A" if rank[i] >= n - n_edge else "B")
            reps.append(
                Rep(
                    self,
                    i,
                    i // s.team.reps_per_manager,
                    float(self.sigma * z[i]),
                    float(ready[i]),
                    tier,
                    float(rank[i] / max(1, n - 1)),
                    len(s.stages),
                )
            )
        return reps

    def _training_hours(self) -> list[float]:
        """Selling hours each rep loses to training, per week."""
        s = self.scenario
        per_day = s.team.selling_hours_per_week / DAYS
        out = [0.0] * self.sim_weeks
        for t in s.training:
            days, w = t.days_out_of_field, t.start_week + self.warmup
            while days > 0 and w < self.sim_weeks:
                out[w] += min(days, DAYS) * per_day
                days -= DAYS
                w += 1
        return out

    def log(self, event: str, who: int, at: float | None = None) -> None:
        """Record a calendar event (at ``at``, default now) when tracing is on."""
        if self.trace is not None:
            self.trace.append((event, who, round(self.env.now if at is None else at, 9)))

    def coach_the_coach_progress(self, t: float) -> float:
        """Share of the coach-the-coach ramp completed at ``t`` (0 without it)."""
        oc = self.scenario.outside_coach
        if oc is None or not oc.coach_the_coach:
            return 0.0
        end = oc.end_week if oc.end_week is not None else math.inf
        weeks = min(t / DAYS - self.warmup, end) - oc.start_week
        return min(1.0, max(0.0, weeks / oc.coach_the_coach_ramp_weeks))

    def _weeks(self) -> Generator[Event, Any, None]:
        for week in range(self.sim_weeks):
            self._turn_week(week)
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
            next(self.env._eid) + self.calendar_events + self.lazy_events + self.settled_events
        )
        """Discrete events processed: SimPy's, plus the pipelines' (for benchmarks)."""
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
