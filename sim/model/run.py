"""What the pieces of the model need from the replication they belong to.

Coaches, calendars and sellers hold a reference to their replication for the scenario, the
recorder, the random-stream coordinates and a few switches and counters. :class:`Run` names
exactly that, so the model depends on a description of a replication, not on the engine that
implements one (:class:`sim.model.replication.Replication`).
"""

from __future__ import annotations

from typing import Protocol

from sim.model.recorder import Recorder
from sim.scenario import Scenario


class Run(Protocol):
    """The replication as the model sees it."""

    scenario: Scenario
    """The scenario being run."""
    recorder: Recorder
    """Weekly tallies of this replication."""
    seed: int
    """Seed of the run; with :attr:`replication`, the root of every random stream."""
    replication: int
    """Index of this replication."""
    warmup: int
    """Warm-up weeks: simulation week ``w`` is report week ``w - warmup``."""
    sim_weeks: int
    """Weeks simulated, warm-up included."""
    horizon_days: float
    """The end of the simulation, in days."""
    base_logits: list[float]
    """Logit of each stage's base conversion."""
    last_stage: int
    """Index of the last stage (a deal past it is won)."""
    micro_coaching: bool
    """Whether any coach centres sessions on open deals (sellers then list them)."""
    settle: bool
    """Whether events nothing can change are settled when scheduled (see
    :mod:`sim.model.pipeline` and :mod:`sim.engine.agenda`)."""
    trace: list[tuple[str, int, float]] | None
    """(event, manager, time) of every calendar event, when tracing."""
    calendar_events: int
    """Count of calendar events processed (for benchmarks)."""
    lazy_events: int
    """Count of stage ends decided in the sellers' pipelines (for benchmarks)."""
    settled_events: int
    """Count of events settled without a queue (for benchmarks)."""

    def log(self, event: str, who: int, at: float | None = None) -> None:
        """Record a calendar event when tracing is on."""
