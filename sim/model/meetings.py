"""Leadership meetings: when they arrive, how long they last, and the draw that decides a clash
with coaching.

A manager's meetings for the whole run are drawn when the manager is built, from the manager's
own stream (so two scenarios on the same seed see the same meetings): Poisson arrivals at
``managers.meetings_per_week``, lognormal lengths of mean ``meeting_mean_hours``, and one
uniform each for :data:`Meeting.protection_u`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.clock import DAYS
from sim.random.draws import lognormal_from_uniform, poisson_arrivals
from sim.scenario import Managers


class Meeting(NamedTuple):
    """A leadership meeting, drawn when the manager is built."""

    arrives_days: float
    """When it arrives, days."""
    length_days: float
    """How long it lasts, days."""
    protection_u: float
    """Uniform that decides a clash with coaching: the session wins if it is below
    ``managers.coaching_protection``."""


def draw_meetings(rng: np.random.Generator, managers: Managers, weeks: int) -> list[Meeting]:
    """A manager's meetings over ``weeks`` simulated weeks, in arrival order."""
    m = managers
    times, extra = poisson_arrivals(rng, m.meetings_per_week / DAYS, weeks * DAYS, extra=2)
    lengths = lognormal_from_uniform(extra[:, 0], m.meeting_mean_hours, m.meeting_hours_cv)
    return [
        Meeting(*row)
        for row in zip(
            times.tolist(),
            (lengths / m.hours_per_day).tolist(),
            extra[:, 1].tolist(),
            strict=True,
        )
    ]
