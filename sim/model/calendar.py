"""The sales manager's calendar: one person, whose time meetings, coaching, admin and own
selling share.

Leadership meetings arrive at random and take the calendar with the highest priority; a meeting
that arrives during a coaching session preempts it unless the clash is protected
(``managers.coaching_protection``). A preempted session counts as held but shortened if at least
half of it was held, else as cancelled. Coaching sessions wait for meetings; one that cannot
start in its week is cancelled. Admin, the manager's own selling and other management work
(forecasting, hiring, deal reviews, email) fill the time meetings and coaching leave, in that
order, so every hour is admin, meetings, selling, coaching or other work; other work also takes
whatever the week leaves, so no hour is idle.

A calendar depends on nothing but the managers' settings, their programme, the team and the
random numbers: not on the reps' skills or deals, nor on an outside coach. So two scenarios of a
comparison that differ only in those have the same calendars, replication by replication: the
first to run one records what it did and the other replays it (:mod:`sim.model.twins`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Literal

from sim.clock import DAYS
from sim.engine.agenda import Callback
from sim.model.coaches import Coach
from sim.model.meetings import draw_meetings
from sim.model.recorder import MANAGER_TALLIES, Tallies
from sim.model.rules import (
    coached_to_coach,
    coaching_sessions_that_fit,
    ramp_progress,
    ramped_quality,
)
from sim.model.run import Run
from sim.model.sellers import ManagerSeller, Rep
from sim.model.twins import CalendarTape
from sim.random.streams import Purpose, stream
from sim.scenario import ManagerGroup

Holder = Literal["meeting", "coaching"]
"""What holds a manager's calendar: a leadership meeting or a coaching session."""
MEETING: Holder = "meeting"
COACHING: Holder = "coaching"


class Manager(Coach):
    """A sales manager: a calendar shared by meetings, coaching, admin and own selling.

    The calendar runs on its own :class:`~sim.engine.agenda.Agenda`: the meetings, drawn up front,
    are its arrivals; a session's due time, end and deadline are its events.
    """

    def __init__(
        self,
        run: Run,
        index: int,
        reps: Sequence[Rep],
        trained: bool,
        group: ManagerGroup | None = None,
    ) -> None:
        programme = run.scenario.coaching
        if group is not None and group.coaching is not None:
            programme = group.coaching
        s = run.scenario
        m = s.managers
        meetings = draw_meetings(
            stream(run.seed, run.replication, Purpose.MEETINGS, index), m, run.sim_weeks
        )
        super().__init__(run, programme, reps, Purpose.MANAGER_COACHING, meetings)
        self.index = index
        self.trained = trained
        self.seller = ManagerSeller(run, m.ability)
        if group is not None and group.quality is not None:
            self._quality = group.quality
        elif trained:
            self._quality = m.quality_trained
        elif not coached_to_coach(s.outside_coach, index):
            self._quality = m.quality_untrained
        self.busy: Holder | None = None
        """What the manager is doing now: a meeting, a coaching session, or neither."""
        self.busy_since = 0.0
        self._holder: Holder | None = None
        """Who holds the calendar: a meeting, a session (one that may be preempted), or nobody."""
        self._meetings_waiting: deque[float] = deque()
        """Lengths (days) of the meetings waiting for the calendar, in arrival order."""
        self._session_waiting = False
        """Whether the week's current session waits for the calendar."""
        self._week = 0
        self._order: list[int] = []
        self._i = 0
        self._gap = self._latest = self._begun = 0.0
        self.hours = {MEETING: [0.0] * run.sim_weeks, COACHING: [0.0] * run.sim_weeks}
        self._coaching_hours = self.hours[COACHING]
        self._hours_per_day = m.hours_per_day
        self.tallies = Tallies(MANAGER_TALLIES, run.sim_weeks)
        """The calendar's weekly tallies, added to the replication's in manager order."""
        self.rec = self.tallies
        self._sessions_held = self.tallies.cols["sessions_held"]
        self.tape: CalendarTape | None = None
        """Set to record what the calendar does for a twin replication."""
        self.session_days = self.session_hours / m.hours_per_day
        self.fit_per_week = coaching_sessions_that_fit(m, self.session_hours)

    @property
    def meetings(self) -> Sequence[tuple[float, float, float]]:
        """The leadership meetings of the whole run, drawn up front, in arrival order: (arrival
        day, length in days, protection uniform)."""
        return self.arrivals

    @meetings.setter
    def meetings(self, drawn: Sequence[tuple[float, float, float]]) -> None:
        self.arrivals = drawn

    def quality(self, t: float) -> float:
        """Coaching quality at ``t``: a trained manager's, an untrained one's, or on the
        coach-the-coach ramp between them."""
        if self._quality is not None:
            return self._quality
        s = self.run.scenario
        m = s.managers
        progress = ramp_progress(t, self.run.warmup, s.outside_coach)
        return ramped_quality(m.quality_untrained, m.quality_trained, progress)

    def account(self, kind: Holder, start: float, end: float) -> None:
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

    # The calendar is a small state machine: the manager's time has one holder at a time (a
    # meeting or a coaching session), meetings wait in arrival order, and at most one session
    # waits behind them. It behaves as a SimPy PreemptiveResource of capacity 1 with meetings
    # first and sessions after them would (tests/sim/test_calendar_reference.py holds it to one),
    # at two events per meeting (its arrival and its end) and one or two per session instead of
    # six to nine; the agenda's rules (sim.engine.agenda) give the order of events at one time.

    def before_turn(self, callback: Callback) -> bool:
        """A session that ends exactly as its week does belongs to its week: it is finished
        before the week closes (every other event at the turn comes after the turn)."""
        return getattr(callback, "__name__", None) in _SESSION_ENDS

    def _log(self, event: str) -> None:
        self.run.log(event, self.index, self.now)

    def arrive(self) -> None:
        """A leadership meeting arrives."""
        _, length_days, u = self.arrivals[self.arrived]
        self.arrived += 1
        run = self.run
        preempt = True
        if self.busy == COACHING:
            w = int(self.now // DAYS)
            self.rec.add("meeting_clashes", w, 1.0)
            if u < run.scenario.managers.coaching_protection:
                preempt = False
                self.rec.add("clashes_protected", w, 1.0)
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
        now = self.now
        end = now + length_days
        self.busy, self.busy_since = MEETING, now
        self._log("meeting_start")
        if self.quiet_until(end) and not self._session_waiting and not self._meetings_waiting:
            # Nothing can happen on this calendar before the meeting ends, and nothing waits
            # for it, in this week: the end is settled now (the calendar is free from then on).
            self.account(MEETING, now, end)
            self._free()
            self.run.log("meeting_end", self.index, end)
            self.run.settled_events += 1
            return
        self.at(end, self._meeting_ends)

    def _meeting_ends(self, _key: int) -> None:
        self.account(MEETING, self.busy_since, self.now)
        self._free()
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
        i = self.arrived  # no meeting arrives up to ``until`` (next_arrival() written out)
        return i >= len(self.arrivals) or self.arrivals[i][0] > until

    def start_week(self, week: int, booked_hours: list[float]) -> None:
        """Plan this week's coaching and start running its sessions."""
        if not self.active(week):
            return
        rec = self.rec
        planned, counts = self.plan(week, self.fit_per_week)
        order = self.interleave(counts)
        if self.tape is not None:
            self.tape.orders[week] = order
        rec.add("sessions_planned", week, planned)
        rec.add("sessions_unscheduled", week, planned - len(order))
        self.book_reps(week, order, booked_hours)
        if order:
            if self.pending is not None:
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
        now = self.now
        dur = self.session_days
        week = self._week
        week_end = (week + 1) * DAYS
        order = self._order
        while self._i < len(order):
            start = week * DAYS + (self._i + 0.5) * self._gap - 0.5 * dur
            begin = max(now, start)
            end = begin + dur
            if not (self.settle and end < week_end and self._undisturbed(end)):
                due = max(now, start)
                if due > self.now:
                    self.wait(due, self._session_due)
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
        self.stop_waiting()

    def _session_due(self, key: int | None) -> None:
        if key is not None and key != self.pending:
            return
        now = self.now
        if now > self._latest:
            # An earlier session ran late: this one can no longer end in its week.
            self._session_cancelled("session_not_started")
        elif self._undisturbed(now + self.session_days):
            # No meeting can arrive before it ends: it runs whole.
            self.busy, self.busy_since = COACHING, now
            self._log("session_start")
            self.wait(now + self.session_days, self._whole_session_ends)
        elif self._holder is None and not self._meetings_waiting:
            self._session_takes_calendar()
        else:
            if self._holder is None:
                self._grant()  # meetings already waiting go first
            self._session_waiting = True
            # The deadline comes after anything else at its time: a calendar freed exactly at
            # the latest start still lets the session start (it then ends with its week).
            self.wait(now + max(0.0, self._latest - now), self._session_deadline, last=True)

    def _session_takes_calendar(self) -> None:
        self._holder = COACHING
        self._begun = self.now
        self.busy, self.busy_since = COACHING, self.now
        self._log("session_start")
        self.wait(self.now + self.session_days, self._held_session_ends)

    def _session_deadline(self, key: int) -> None:
        if key != self.pending:
            return
        self._session_waiting = False
        self._session_cancelled("session_not_started")

    def _session_cancelled(self, log: str | None) -> None:
        self.rec.add("sessions_cancelled", self._week, 1.0)
        if log is not None:
            self._log(log)
        self._i += 1
        self._next_session()

    def _whole_session_ends(self, _key: int) -> None:
        """The end of a session that started when no meeting could arrive before its end."""
        self._log("session_end")
        self.account(COACHING, self.busy_since, self.now)
        self.busy = None
        self._session_held(1.0)

    def _held_session_ends(self, key: int) -> None:
        if key != self.pending:
            return
        self._log("session_end")
        self.account(COACHING, self.busy_since, self.now)
        self._free()
        self._session_held(1.0)
        if self._holder is None:  # the session's end may have started the next one
            self._grant()

    def _free(self) -> None:
        """Nobody holds the calendar and the manager is busy with neither. (A method, not two
        assignments where it is called: mypy would take ``_holder`` to stay None across the
        calls that follow, and the compiled build, sim.compiled, checks what mypy takes.)"""
        self.busy = None
        self._holder = None

    def _session_preempted(self) -> None:
        self.stop_waiting()  # its end will not come
        held = (self.now - self._begun) / self.session_days
        self._log("session_preempted")
        self.account(COACHING, self.busy_since, self.now)
        self.busy = None
        if held >= 0.5:
            self.rec.add("sessions_shortened", self._week, 1.0)
            self._session_held(held)
        else:
            self._session_cancelled(None)

    def _session_held(self, held: float) -> None:
        """Count session ``_i`` as held (``held`` of it), apply it, go on with the next."""
        now = self.now
        self.rec.add("sessions_held", self._week, 1.0)
        self.apply_later(self._order[self._i], now, held)
        self._i += 1
        self._next_session()

    def end_week(self, week: int) -> float:
        """Close the week's calendar: admin, own selling and other work fill what is left.

        Returns the share of the manager's selling hours the week had (its own leads are kept
        with it)."""
        run = self.run
        m = run.scenario.managers
        if self.busy is not None:
            self.account(self.busy, self.busy_since, self.now)
            self.busy_since = self.now
        capacity = DAYS * m.hours_per_day
        meeting, coaching = self.hours[MEETING][week], self.hours[COACHING][week]
        rest = max(0.0, capacity - meeting - coaching)
        admin = min(m.admin_hours_per_week, rest)
        selling = min(m.selling_hours_per_week, rest - admin)
        rec = self.rec
        rec.add("mgr_meeting_hours", week, meeting)
        rec.add("mgr_coaching_hours", week, coaching)
        rec.add("mgr_admin_hours", week, admin)
        rec.add("mgr_selling_hours", week, selling)
        rec.add("mgr_other_hours", week, capacity - meeting - coaching - admin - selling)
        share = selling / m.selling_hours_per_week if m.selling_hours_per_week > 0 else 0.0
        if self.tape is not None:
            self.tape.shares.append(share)
        return share

    def apply_later(self, pos: int, t: float, held_share: float = 1.0) -> None:
        """:meth:`Coach.apply_later`, recorded on the tape if there is one."""
        if self.tape is not None:
            self.tape.sessions.append((pos, t, held_share))
        self.reps[pos].later(t, self, pos, held_share)


_SESSION_ENDS = frozenset(
    f.__name__ for f in (Manager._whole_session_ends, Manager._held_session_ends)
)
"""The names of the session ends: a bound method's name is the same plain and compiled, its
``__func__`` is not (a compiled method has none, so a check on it claimed no session end)."""
