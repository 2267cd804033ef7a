"""Twin replications: two scenarios whose managers' calendars are the same, run once.

A manager's calendar depends on the team, the managers, their coaching, the horizon and the
random numbers of its replication, not on the reps' skills or deals, an outside coach, training
or money (:func:`calendar_key`). So replication ``r`` of the baseline of a comparison records
what each calendar did to the rest of the replication (:class:`CalendarTape`), and replication
``r`` of an alternative with the same key replays it instead of running the calendar
(:class:`sim.model.replication.Replication`, ``calendars``), with the tables it would have had
to the bit: tests/sim/test_pipeline.py, ``test_twin_replays_calendars``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sim.model.recorder import Tallies
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.model.calendar import Manager


class CalendarTape:
    """What one manager's calendar did in a replication, as its twin replication needs it.

    Per week turn, the sessions whose effect it queued in its reps' pipelines (in order, while
    the week closed and then as the next one opened), the share of selling hours the closed
    week left, the order of the next week's sessions (they take selling hours); and the
    calendar's tallies of the whole run."""

    def __init__(self, tallies: Tallies) -> None:
        self.sessions: list[tuple[int, float, float]] = []
        """(rep position, end, share held) of every session queued, in order."""
        self.marks: list[int] = []
        """How many sessions were queued by the end of each closing and each opening."""
        self.shares: list[float] = []
        """Share of selling hours of each closed week."""
        self.orders: dict[int, list[int]] = {}
        """Each week's sessions (rep positions) as planned, by the week they open."""
        self.tallies = tallies
        """The calendar's tallies (see :meth:`sim.model.recorder.Recorder.merge`)."""
        self.processed = 0
        """Calendar events processed (for benchmarks)."""

    def mark(self) -> None:
        """A closing or an opening is done."""
        self.marks.append(len(self.sessions))

    def replay(self, manager: Manager, block: int) -> None:
        """Queue the sessions of closing or opening number ``block`` again, as ``manager``'s."""
        start = self.marks[block - 1] if block else 0
        for pos, t, held in self.sessions[start : self.marks[block]]:
            manager.apply_later(pos, t, held)


Calendars = dict[tuple[int, int, bool], list[CalendarTape]]
"""Recorded calendars of scenarios with one :func:`calendar_key`, by (seed, replication,
settle)."""


def calendar_key(scenario: Scenario) -> str:
    """What a scenario's managers' calendars depend on besides the random numbers: the horizon,
    the team, the managers, their coaching and the stages (the scope of their sessions); not the
    reps' skills, an outside coach, training or money. Scenarios with the same key have the same
    calendars in the same replication."""
    fields = {"weeks", "warmup_weeks", "team", "managers", "coaching", "manager_groups", "stages"}
    return json.dumps(scenario.model_dump(mode="json", include=fields), sort_keys=True)
