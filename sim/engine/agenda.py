"""An agenda: one resource's own queue of events, processed up to each week turn.

**What it stands in for.** The plain way to run a manager's calendar is SimPy's: a
``PreemptiveResource`` of capacity 1 on the global event heap, a process per meeting and per
session, requests, releases and interrupts (tests/sim/test_calendar_reference.py builds exactly
that). Nothing outside one calendar reads or changes it during a week, so its events need not
share the global heap: they wait in the calendar's own small heap, and :meth:`Agenda.run_until`
processes them in time order when the week turns. A calendar event then costs a ``heappush`` and
a call instead of SimPy's six to nine events per session.

**Its rules**, which are SimPy's where SimPy has one:

- events run in time order; at the same time, in the order they were made (SimPy's ``eid``);
- *arrivals* (a list drawn up front, sorted by time) come before an agenda event at the same time;
- an event made with ``last=True`` comes after every other event at its time, whenever made;
- events due exactly at a turn run after it (SimPy orders the turn's own event first), except
  those :meth:`Agenda.before_turn` claims for the closing week;
- the owner waits for one event at a time (:meth:`Agenda.wait`); an event with another key is
  *stale* (what it ended was interrupted) and its callback ignores it.

**Settling.** :meth:`Agenda.quiet_until` says when nothing can happen on the agenda before a
time, so the owner may decide an event there now (account its hours, queue its effect) instead of
queueing it; ``settle=False`` turns that off. A test runs whole replications both ways
(``test_settling_events_early_changes_nothing`` in tests/sim/test_pipeline.py).

**Pinned by** tests/sim/test_calendar_reference.py (random weeks against the SimPy calendar) and
tests/sim/test_pipeline.py (every agenda's events and SimPy's interleaved on one clock).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from typing import Any

from sim.clock import DAYS

LAST = 1 << 52
"""Added to the key of an event that must come after every other at its time."""

Callback = Callable[[int], None]
"""What an agenda event calls, with the event's key."""


class Agenda:
    """One resource's own events and arrivals, processed in time order up to each week turn."""

    def __init__(self, arrivals: Sequence[tuple[float, Any, Any]], settle: bool) -> None:
        self.arrivals = arrivals
        """Events drawn up front, in time order: (time, ...), handled by :meth:`arrive`."""
        self.arrived = 0
        """How many of :attr:`arrivals` have been handled."""
        self.settle = settle
        """Whether :meth:`quiet_until` may ever say yes."""
        self.now = 0.0
        """The agenda's clock: the time of the event being processed, or of the last turn."""
        self.processed = 0
        """Events processed so far (for benchmarks)."""
        self._heap: list[tuple[float, int, Callback]] = []
        self._keys = 0
        self.pending: int | None = None
        """Key of the event the owner waits for; any other is stale."""
        self.pending_at = math.inf
        """Time of that event (infinity if none)."""

    def release(self) -> None:
        """Drop the events still queued (they hold the owner's callbacks: a cycle)."""
        self._heap.clear()

    def arrive(self) -> None:
        """Handle ``arrivals[arrived]`` (and count it handled), at :attr:`now`."""
        raise NotImplementedError

    def before_turn(self, callback: Callback) -> bool:
        """Whether an event due exactly at a week turn belongs to the closing week (it is then
        processed before the turn). None by default."""
        return False

    def at(self, t: float, callback: Callback, last: bool = False) -> int:
        """Schedule ``callback(key)`` at ``t``; return the event's key. An event made ``last``
        comes after every other event at the same time, whenever they were made."""
        self._keys += 1
        key = self._keys + (LAST if last else 0)
        heappush(self._heap, (t, key, callback))
        return key

    def wait(self, t: float, callback: Callback, last: bool = False) -> None:
        """The owner waits for ``callback`` at ``t`` (any event it waited for before is stale)."""
        self.pending_at = t
        self.pending = self.at(t, callback, last)

    def stop_waiting(self) -> None:
        """The owner waits for nothing (the event it waited for is stale)."""
        self.pending, self.pending_at = None, math.inf

    def next_arrival(self) -> float:
        """Time of the next arrival (infinity if none)."""
        i = self.arrived
        return self.arrivals[i][0] if i < len(self.arrivals) else math.inf

    def next_time(self) -> float:
        """Time of the agenda's next event or arrival (infinity if none)."""
        return min(self._heap[0][0] if self._heap else math.inf, self.next_arrival())

    def quiet_until(self, t: float) -> bool:
        """Whether settling is on and nothing can happen on the agenda before ``t`` in this
        week: no arrival up to ``t``, nothing waited for before it, and the week not turning."""
        i = self.arrived  # next_arrival() written out: this runs for every meeting
        return (
            self.settle
            and t < self.pending_at
            and (i >= len(self.arrivals) or t < self.arrivals[i][0])
            and t < (self.now // DAYS + 1.0) * DAYS
        )

    def step(self) -> None:
        """Process the next event: the heap's first, or an arrival if it comes no later."""
        heap = self._heap
        arrival = self.next_arrival()
        if heap and heap[0][0] < arrival:
            t, key, callback = heappop(heap)
            self.now = t
            callback(key)
        else:
            self.now = arrival
            self.arrive()
        self.processed += 1

    def run_until(self, until: float) -> None:
        """Process the events due before ``until`` in time order (and those due at ``until``
        that :meth:`before_turn` claims); the clock is then ``until``."""
        heap, arrivals = self._heap, self.arrivals
        n = 0
        while True:  # step() written out
            i = self.arrived
            arrival = arrivals[i][0] if i < len(arrivals) else math.inf
            if heap and heap[0][0] < arrival:
                t = heap[0][0]
                if t >= until:
                    break
                _, key, callback = heappop(heap)
                self.now = t
                n += 1
                callback(key)
            else:
                if arrival >= until:
                    break
                self.now = arrival
                n += 1
                self.arrive()
        while heap and heap[0][0] == until and self.before_turn(heap[0][2]):
            _, key, callback = heappop(heap)
            self.now = until
            n += 1
            callback(key)
        self.processed += n
        self.now = until
