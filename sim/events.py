"""Light events on SimPy's heap, for the simulation's hot paths.

A :class:`simpy.events.Timeout` with one callback is the usual way to have something happen
later. The model schedules about a million of them per 1,000-rep replication, and most of a
Timeout's cost is machinery those calls never use (values, failure, condition support). A
:class:`Call` is the part :meth:`simpy.Environment.step` actually reads: ``callbacks`` and
``_ok``. It goes on the same heap, takes the same event id, and runs at the same point in
SimPy's order as the Timeout it replaces would have.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL


class Call:
    """A scheduled call: SimPy pops it at its time and calls ``callback(self)``."""

    __slots__ = ("callbacks",)
    _ok = True
    """Read by SimPy after the callbacks: a call never fails (an exception propagates at once)."""

    def __init__(self, callback: Callable[[Any], None]) -> None:
        self.callbacks: tuple[Callable[[Any], None], ...] | None = (callback,)


def call_at(env: simpy.Environment, time: float, callback: Callable[[Any], None]) -> Call:
    """Schedule ``callback(event)`` at ``time`` (not before now)."""
    event = Call(callback)
    queue: list[Any] = env._queue  # SimPy's heap of (time, priority, id, event)
    heappush(queue, (time, NORMAL, next(env._eid), event))
    return event


def call_in(env: simpy.Environment, delay: float, callback: Callable[[Any], None]) -> Call:
    """Schedule ``callback(event)`` ``delay`` days from now, as ``env.timeout(delay)`` would."""
    return call_at(env, env._now + delay, callback)
