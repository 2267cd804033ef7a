"""A calendar queue for the deals' stage ends, woken by SimPy.

A team of ``n`` reps keeps about ``15 n`` deals open, each waiting for the end of its stage. On
SimPy's single event heap every stage end would cost a push and a pop on a heap of that size:
``log n`` comparisons whose tuples are scattered in memory, so the cost per event grows with the
team (a 768-rep team ran twice as slow per event as a 48-rep one). Instead the pending stage ends
sit in one bucket per day; a day's bucket is sorted once, when the queue reaches it, and the queue
keeps exactly one wake-up event on SimPy's heap, at the time of its earliest entry. SimPy's clock
and its order of events are unchanged: each stage end still happens at its own time, as its own
SimPy event, after everything due before it.

Entries due at the same time run in the order they were added, as SimPy's own events would.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable
from math import inf
from typing import Any

import simpy

from sim.events import Call, call_at

Entry = tuple[float, int, Any]
"""(due time, order added, item)."""


class DayQueue:
    """Items due at given times, each handed to ``handler`` at its time by SimPy's clock.

    ``handler(item)`` runs at the item's due time (``env.now`` equals it) and may :meth:`add`
    more items, including ones due earlier than anything already queued.
    """

    def __init__(self, env: simpy.Environment, handler: Callable[[Any], None]) -> None:
        self.env = env
        self.handler = handler
        self._buckets: dict[int, list[Entry]] = {}
        """Entries due on days after ``_day``, unsorted, by day."""
        self._day = -1
        """The last day whose bucket was moved into ``_now``."""
        self._now: list[Entry] = []
        """Entries due on days up to ``_day``, sorted; ``_now[_pos:]`` are still pending."""
        self._pos = 0
        self._seq = 0
        self._armed = inf
        """Due time of the live wake-up on SimPy's heap (``inf``: none)."""
        self._wake: Call | None = None
        self._firing = False

    def __len__(self) -> int:
        return len(self._now) - self._pos + sum(len(b) for b in self._buckets.values())

    def add(self, due: float, item: Any) -> None:
        """Queue ``item`` to be handled at time ``due`` (not before now)."""
        self._seq += 1
        day = int(due)
        if day > self._day:
            bucket = self._buckets.get(day)
            if bucket is None:
                self._buckets[day] = [(due, self._seq, item)]
            else:
                bucket.append((due, self._seq, item))
        else:
            insort(self._now, (due, self._seq, item), lo=self._pos)
        if due < self._armed and not self._firing:
            self._arm(self._next_due())

    def _next_due(self) -> float:
        """Due time of the earliest pending entry, moving the next day's bucket in if needed."""
        if self._pos < len(self._now):
            return self._now[self._pos][0]
        if not self._buckets:
            return inf
        self._day = day = min(self._buckets)
        self._now = sorted(self._buckets.pop(day))
        self._pos = 0
        return self._now[0][0]

    def _arm(self, due: float) -> None:
        """Put a wake-up on SimPy's heap at ``due``; any earlier wake-up goes stale."""
        self._armed = due
        if due == inf:
            self._wake = None
            return
        self._wake = call_at(self.env, due, self._fire)

    def _fire(self, wake: Call) -> None:
        if wake is not self._wake:
            return  # superseded by an earlier wake-up
        item = self._now[self._pos][2]
        self._pos += 1
        self._firing = True
        try:
            self.handler(item)
        finally:
            self._firing = False
        self._arm(self._next_due())
