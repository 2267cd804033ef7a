"""The manager's calendar against a plain SimPy reference: random weeks, the same outcomes.

:class:`sim.model.calendar.Manager` is a hand-written state machine that imitates a SimPy
``PreemptiveResource`` of capacity 1 and settles early what nothing can change. The reference here
is that resource, written as plainly as SimPy allows, from the rules in the calendar's docstrings:

* The calendar is ``simpy.PreemptiveResource(capacity=1)``.
* Each leadership meeting is a process that waits for its arrival, requests the calendar and
  holds it for its length. It preempts (``preempt=True``) unless the clash is protected: a clash
  is a meeting arriving while a coaching session holds the calendar, and it is protected when the
  meeting's uniform ``u < coaching_protection``; a protected meeting requests with
  ``preempt=False`` and so waits for the session to end. Meetings waiting are served in arrival
  order; since SimPy's ``PreemptiveResource`` only ever tries the first request in its queue, a
  meeting that arrives while a protected one waits does not preempt either.
* Each week's sessions are one process, started at the week's turn: session ``i`` waits for its
  slot (``week*5 + (i + 0.5)*gap - 0.5*duration``, ``gap = 5 / sessions``), or for the previous
  session to be over, then requests the calendar with the lowest priority and waits for it or for
  its deadline (``(week + 1)*5 - duration``), whichever comes first (``request | timeout``). Not
  granted by the deadline (or already past it when due): cancelled. Granted: held for its length,
  unless a meeting preempts it (``simpy.Interrupt``): then held for the share it ran, which counts
  as held-but-shortened (the effect scaled by that share) if at least half, else as cancelled.
* Hours are days x ``hours_per_day``, in the week they fall in; a meeting's hours stop at the
  horizon. Coaching hours count the time a session held the calendar, whatever its outcome.

Modelling choices, each what the rules or SimPy's own event order give:

* Priorities: meeting ``n`` (in arrival order) requests with priority ``n``, every session with
  priority ``len(meetings)``. Between meetings and sessions that is "meetings first"; among
  meetings it is arrival order even for meetings that arrive at the same instant. (With one
  priority 0 for every meeting SimPy would rank a preempting request ahead of a non-preempting one
  made at the same time, ``key = (priority, time, not preempt)``: a protected meeting would be
  overtaken by an unprotected one arriving at the same instant, against "meetings wait in arrival
  order".)
* Ties at equal times are SimPy's: events run in the order they were scheduled. Every meeting's
  arrival is scheduled before the run starts, so it comes before anything else due at the same
  time (the engine's rule: a meeting's arrival before an agenda event at the same time). Hence a
  meeting arriving at the exact start of a session takes the calendar first, and one arriving at
  the exact end of a session is a clash and, unprotected, preempts it with all of it held (a
  "shortened" session whose held share is 1 up to rounding).
* Two ties are the rules', not SimPy's. A session the calendar frees for at its very deadline can
  still start by it, so it starts (it is cancelled only if it "cannot start by the latest time").
  In plain SimPy the deadline would win or lose by the order the two events were scheduled in; so
  when the deadline fires first, the reference looks whether the calendar is free with the session
  first in line (the release at this instant done, its grant not yet processed) and if so takes
  it. The session then ends exactly at its week's end (not ``start + length``, which may miss it
  by a rounding error), still in its week, before anything of the next: a meeting arriving at
  that instant waits behind it (one zero-length timeout), as the engine's week turn has it. The
  reference runs to the end of its events, so one ending exactly at the horizon is held too.
* Sessions run only from week 1 (``coaching.start_week = 1``): every wait of a session is then
  ``target - now`` with ``now`` and ``target`` in the same week of a clock at least 5, which is
  exact in floating point (Sterbenz), so the reference's times are the engine's to the last bit
  and the ties above are real ties in both. Meetings arrive from day 0.

The real calendar is driven the way the engine drives it: a real one-manager ``Replication``,
its ``meetings`` list replaced with drawn ``(arrival, length, uniform)`` triples and its session
plan set by the scenario (reps, sessions per rep, minutes per session; fractional cadences give
different numbers of sessions from week to week), with ``trace`` on and a
:class:`~sim.model.twins.CalendarTape` recording the plan and the sessions' effect inputs.
Both ``settle=True`` and ``settle=False`` must agree with the reference: each session's outcome
(whole, shortened with its held share, cancelled) and times, every effect input (rep, time, held
share), the meetings' start and end times, and the week's meeting and coaching hours, sessions
held, shortened and cancelled, clashes and protected clashes.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import simpy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from simpy.events import Event

from sim.clock import DAYS
from sim.model.replication import Replication
from sim.model.twins import CalendarTape
from sim.scenario import Scenario
from tests.sim.helpers import small

TOL = 1e-9
"""Tolerance on times (days), held shares and hours."""

Meeting = tuple[float, float, float]
"""(arrival day, length in days, protection uniform), as in ``Manager.meetings``."""

Session = tuple[int, int, str, float | None, float, float]
"""(week, rep position, outcome, start or None, stop, held share): outcome ``whole``,
``shortened`` or ``cancelled``; stop is the end, the preemption, or when it was given up; the held
share is 1 for a whole session, the share held for a shortened one, 0 for a cancelled one."""

Effect = tuple[int, float, float]
"""A ``Coach.apply_later(pos, t, held_share)`` call."""

WEEKLY = (
    "mgr_meeting_hours",
    "mgr_coaching_hours",
    "sessions_held",
    "sessions_shortened",
    "sessions_cancelled",
    "meeting_clashes",
    "clashes_protected",
)


@dataclass(frozen=True)
class Case:
    """A drawn calendar: the team and cadence, the protection, the meetings."""

    weeks: int
    reps: int
    sessions_per_rep: float
    minutes: float
    hours_per_day: float
    protection: float
    meetings: tuple[Meeting, ...] = ()

    def scenario(self) -> Scenario:
        return small(
            warmup_weeks=0,
            weeks=self.weeks,
            team={"managers": 1, "reps_per_manager": self.reps},
            coaching={
                "sessions_per_rep_per_week": self.sessions_per_rep,
                "minutes_per_session": self.minutes,
                "start_week": 1,
            },
            managers={
                "meetings_per_week": 0.001,  # the drawn meetings replace these
                "hours_per_day": self.hours_per_day,
                "coaching_protection": self.protection,
                "admin_hours_per_week": 0.0,
                "selling_hours_per_week": 0.0,
            },
        )

    @property
    def session_days(self) -> float:
        return self.minutes / 60.0 / self.hours_per_day


@dataclass
class Outcome:
    """What a calendar did over the horizon."""

    sessions: list[Session] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    meeting_starts: list[float] = field(default_factory=list)
    meeting_ends: list[float] = field(default_factory=list)
    """Ends before the horizon."""
    weekly: dict[str, list[float]] = field(default_factory=dict)


def add_hours(hours: list[float], start: float, end: float, hours_per_day: float) -> None:
    """Add [start, end) to the weeks it falls in (none past the last week)."""
    while start < end:
        week = int(start // DAYS)
        stop = min(end, (week + 1) * DAYS)
        if week < len(hours):
            hours[week] += (stop - start) * hours_per_day
        start = stop


# The reference.


def reference_calendar(
    meetings: Sequence[Meeting],
    plans: Mapping[int, Sequence[int]],
    case: Case,
) -> Outcome:
    """Run the calendar as a SimPy ``PreemptiveResource`` of capacity 1 (module docstring)."""
    env = simpy.Environment()
    calendar = simpy.PreemptiveResource(env, capacity=1)
    horizon = case.weeks * DAYS
    duration = case.session_days
    session_priority = len(meetings)  # every meeting comes first
    out = Outcome(weekly={name: [0.0] * case.weeks for name in WEEKLY})
    weekly = out.weekly
    meeting_spans: list[tuple[float, float]] = []

    def a_session_holds_the_calendar() -> bool:
        return any(r.priority == session_priority for r in calendar.users)

    def meeting(n: int, arrival: float, length: float, u: float) -> Generator[Event, Any, None]:
        yield env.timeout(arrival)
        if arrival % DAYS == 0 and a_session_holds_the_calendar():
            # A session holding the calendar at a week's turn ends with its closing week (it
            # began at its latest start), and ends first: the arrival waits behind it.
            yield env.timeout(0)
        week = int(env.now // DAYS)
        protected = False
        if a_session_holds_the_calendar():
            weekly["meeting_clashes"][week] += 1
            protected = u < case.protection
            weekly["clashes_protected"][week] += protected
        with calendar.request(priority=n, preempt=not protected) as req:
            yield req
            meeting_spans.append((env.now, env.now + length))
            yield env.timeout(length)

    def sessions(week: int, order: Sequence[int]) -> Generator[Event, Any, None]:
        gap = DAYS / len(order)
        latest = (week + 1) * DAYS - duration

        def cancelled(pos: int, start: float | None) -> None:
            weekly["sessions_cancelled"][week] += 1
            out.sessions.append((week, pos, "cancelled", start, env.now, 0.0))

        for i, pos in enumerate(order):
            slot = week * DAYS + (i + 0.5) * gap - 0.5 * duration
            if env.now < slot:
                yield env.timeout(slot - env.now)
            if env.now > latest:  # the sessions before ran late
                cancelled(pos, None)
                continue
            req = calendar.request(priority=session_priority)
            yield req | env.timeout(latest - env.now)
            if not req.triggered and calendar.count == 0 and calendar.queue[0] is req:
                yield req  # the calendar frees at the deadline itself, for this session
            if not req.triggered:  # not granted by the deadline
                req.cancel()
                cancelled(pos, None)
                continue
            start = env.now
            try:
                # begun at the latest start: it ends exactly with its week (the calendar's rule)
                yield env.timeout((week + 1) * DAYS - start if start == latest else duration)
            except simpy.Interrupt:  # preempted by a meeting
                add_hours(weekly["mgr_coaching_hours"], start, env.now, case.hours_per_day)
                held = (env.now - start) / duration
                if held < 0.5:
                    cancelled(pos, start)
                    continue
                weekly["sessions_held"][week] += 1
                weekly["sessions_shortened"][week] += 1
                out.sessions.append((week, pos, "shortened", start, env.now, held))
                out.effects.append((pos, env.now, held))
                continue
            calendar.release(req)
            add_hours(weekly["mgr_coaching_hours"], start, env.now, case.hours_per_day)
            weekly["sessions_held"][week] += 1
            out.sessions.append((week, pos, "whole", start, env.now, 1.0))
            out.effects.append((pos, env.now, 1.0))

    def weeks() -> Generator[Event, Any, None]:
        for week in range(case.weeks):
            if plans.get(week):
                env.process(sessions(week, plans[week]))
            yield env.timeout(DAYS)

    for n, (arrival, length, u) in enumerate(meetings):  # first: arrivals come first at a tie
        env.process(meeting(n, arrival, length, u))
    env.process(weeks())
    env.run()  # to the end: a session may end exactly at the horizon, still in its week

    for start, end in meeting_spans:
        add_hours(weekly["mgr_meeting_hours"], start, min(end, horizon), case.hours_per_day)
    out.meeting_starts = sorted(start for start, _ in meeting_spans if start < horizon)
    out.meeting_ends = sorted(end for _, end in meeting_spans if end < horizon)
    return out


# The real calendar, driven by the engine.


def run_real(case: Case, settle: bool) -> tuple[Outcome, dict[int, list[int]]]:
    """Run a real replication with the drawn meetings; its outcome and its session plan."""
    rep = Replication(case.scenario(), seed=0, replication=0, settle=settle)
    manager = rep.managers[0]
    drawn: list[Any] = list(case.meetings)  # plain tuples: the calendar reads them by position
    manager.meetings = drawn
    rep.trace = []
    # The tape a twin replication replays records each week's session order as planned and
    # every session effect queued, as they happen (no method patched: the compiled build,
    # sim.compiled, does not allow it).
    tape = manager.tape = CalendarTape(manager.tallies)
    weekly, _ = rep.run()
    plans = {week: list(order) for week, order in tape.orders.items()}
    effects: list[Effect] = list(tape.sessions)

    out = Outcome(
        effects=effects,
        meeting_starts=sorted(t for e, _, t in rep.trace if e == "meeting_start"),
        meeting_ends=sorted(t for e, _, t in rep.trace if e == "meeting_end"),
        weekly={name: weekly[name].astype(float).tolist() for name in WEEKLY},
    )
    # The sessions' trace events come in session order (they run one after another); a preempted
    # session was shortened if an effect was applied at its preemption.
    events = iter([(e, t) for e, _, t in rep.trace if e.startswith("session_")])
    pending = list(effects)
    for week in sorted(plans):
        for pos in plans[week]:
            event, t = next(events, ("missing", math.nan))
            if event == "session_not_started":
                out.sessions.append((week, pos, "cancelled", None, t, 0.0))
                continue
            end_event, stop = next(events, ("missing", math.nan))
            if event != "session_start" or end_event not in ("session_end", "session_preempted"):
                out.sessions.append((week, pos, f"{event}/{end_event}", t, stop, math.nan))
                continue
            if pending and pending[0][0] == pos and abs(pending[0][1] - stop) <= TOL:
                _, _, held = pending.pop(0)
                kind = "whole" if end_event == "session_end" else "shortened"
                out.sessions.append((week, pos, kind, t, stop, held))
            else:
                out.sessions.append((week, pos, "cancelled", t, stop, 0.0))
    return out, plans


# Comparison.


def close(a: object, b: object) -> bool:
    """Equal, numbers within ``TOL`` (NaN never)."""
    if isinstance(a, float | int) and isinstance(b, float | int):
        return abs(a - b) <= TOL
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def assert_same(real: Outcome, ref: Outcome, label: str) -> None:
    for name in ("sessions", "effects", "meeting_starts", "meeting_ends"):
        got, want = getattr(real, name), getattr(ref, name)
        assert close(got, want), f"{label}: {name}\n  calendar:  {got}\n  reference: {want}"
    for name in WEEKLY:
        got, want = real.weekly[name], ref.weekly[name]
        assert close(got, want), f"{label}: {name}\n  calendar:  {got}\n  reference: {want}"


# The drawn cases.


def landmarks(plans: Mapping[int, Sequence[int]], case: Case) -> list[float]:
    """Times where ties matter: week turns, slots, on-time ends and halves, deadlines."""
    duration = case.session_days
    out = [w * DAYS for w in range(case.weeks)]
    for week, order in plans.items():
        if not order:
            continue
        gap = DAYS / len(order)
        out.append((week + 1) * DAYS - duration)
        for i in range(len(order)):
            slot = week * DAYS + (i + 0.5) * gap - 0.5 * duration
            out += [slot, slot + duration, slot + 0.5 * duration]
    return sorted(t for t in out if 0.0 <= t < case.weeks * DAYS)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    case = Case(
        weeks=draw(st.integers(2, 3)),
        reps=draw(st.integers(1, 3)),
        sessions_per_rep=draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0])),
        # Some lengths exact in binary (with 8-hour days): preemption exactly half-way, say.
        minutes=draw(st.one_of(st.floats(10.0, 240.0), st.sampled_from([15.0, 30.0, 60.0, 90.0]))),
        hours_per_day=draw(st.sampled_from([8.0, 10.0, 7.5])),
        protection=draw(st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0))),
    )
    _, plans = run_real(case, settle=True)  # the plan does not depend on the meetings
    marks = landmarks(plans, case)
    horizon = case.weeks * DAYS
    meetings: list[Meeting] = []
    for _ in range(draw(st.integers(0, 7))):
        times = [st.floats(0.0, horizon, exclude_max=True)]
        if marks:
            times.append(st.sampled_from(marks))
        if meetings:  # at the same time as another meeting, or as it ends if it starts on time
            earlier = [a for a, _, _ in meetings] + [a + x for a, x, _ in meetings]
            times.append(st.sampled_from([t for t in earlier if t < horizon] or [0.0]))
        arrival = draw(st.one_of(times))
        lengths = [st.floats(0.001, 0.5), st.floats(0.5, 3.0), st.floats(3.0, 12.0)]
        # Ends exactly at a slot, a deadline, a week's turn, if it starts when it arrives or
        # when an earlier meeting ends.
        starts = [arrival] + [a + x for a, x, _ in meetings if a + x > arrival]
        ends = [t - start for start in starts for t in marks if t > start]
        if ends:
            lengths.append(st.sampled_from(ends))
        length = draw(st.one_of(lengths))
        u = draw(
            st.one_of(st.floats(0.0, 1.0, exclude_max=True), st.just(case.protection), st.just(0.0))
        )
        meetings.append((arrival, length, u))
    meetings.sort(key=lambda m: m[0])
    return replace(case, meetings=tuple(meetings))


def check(case: Case) -> None:
    """The real calendar, settling or not, does what the reference does."""
    for settle in (True, False):
        real, plans = run_real(case, settle)
        ref = reference_calendar(case.meetings, plans, case)
        assert_same(real, ref, f"settle={settle}")


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
@example(  # found by Hypothesis: a session begun at its latest start, a meeting at the week turn
    case=Case(
        weeks=3,
        reps=1,
        sessions_per_rep=1.0,
        minutes=10.0,
        hours_per_day=8.0,
        protection=0.0,
        meetings=(
            (0.0, 0.5, 0.0),
            (0.0, 0.5, 0.0),
            (0.0, 0.5, 0.0),
            (2.0, 7.979166666666666, 0.0),
            (10.0, 0.5, 0.0),
        ),
    )
)
def test_calendar_matches_a_simpy_preemptive_resource(case: Case) -> None:
    check(case)


# Calendars that free exactly at a session's deadline, the smallest of each kind the test above
# finds. One rep, one-hour sessions in 10-hour days: a session lasts 0.1 day; with one session a
# week (every other week at 0.5 a week), the week-w session is due at 5w + 2.45 and must start by
# its deadline 5w + 4.9 (in floating point 7.0 + 2.9 == 9.9, 12.0 + 2.9 == 14.0 + 0.9 == 14.9,
# and 9.9 + 0.1 == 10.0, 14.9 + 0.1 == 15.0: the session ends exactly at its week's end).
def one_hour_sessions(weeks: int, sessions_per_rep: float, *meetings: Meeting) -> Case:
    return Case(weeks, 1, sessions_per_rep, 60.0, 10.0, 0.0, meetings)


AT_A_DEADLINE = {
    "freed by a meeting that began before the session waited": one_hour_sessions(
        4, 0.5, (12.0, 2.9, 0.5)
    ),
    "freed by a meeting that began after the session waited": one_hour_sessions(
        4, 0.5, (12.0, 2.0, 0.5), (13.0, 0.9, 0.5)
    ),
    "the session then ends at the horizon": one_hour_sessions(2, 1.0, (7.0, 2.9, 0.5)),
    "the session then ends at a week's turn, sessions the week after": one_hour_sessions(
        3, 1.0, (7.0, 2.9, 0.5)
    ),
}


@pytest.mark.parametrize("name", AT_A_DEADLINE)
def test_a_calendar_freed_at_a_session_deadline(name: str) -> None:
    """A session the calendar frees for at its deadline can still start by it: it starts, and
    runs to its week's end."""
    check(AT_A_DEADLINE[name])
