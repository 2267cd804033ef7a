"""Running a comparison: every scenario on the same seeds, then the paired business case.

:func:`compare` runs a baseline and its alternatives through one batch runner (common random
numbers: replication ``r`` of each sees the same leads, meetings and deals) and hands back a
:class:`Comparison`: the runs, the per-replication metrics of :mod:`sim.analysis.paired` and
their summary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.analysis.paired import summarise
from sim.experiment.batches import Engine, RunResult
from sim.experiment.executors import Executor
from sim.scenario import Scenario


@dataclass
class Comparison:
    """The runs of a comparison, the per-replication metrics and their summary."""

    baseline: RunResult
    alternatives: list[RunResult]
    per_replication: pd.DataFrame
    table: pd.DataFrame


def compare(
    baseline: Scenario,
    alternatives: Sequence[Scenario],
    replications: int = 20,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> Comparison:
    """Run the baseline and every alternative on the same seed and compare them, paired."""
    engine = comparison_engine(baseline, alternatives, seed)
    engine.run(replications, executor, progress)
    return from_engine(engine)


def comparison_engine(
    baseline: Scenario, alternatives: Sequence[Scenario], seed: int, **kwargs: Any
) -> Engine:
    """An engine for a comparison (checks that names differ)."""
    names = [baseline.name, *(a.name for a in alternatives)]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ within a comparison: {names}")
    return Engine([baseline, *alternatives], seed, **kwargs)


def from_engine(engine: Engine) -> Comparison:
    """The comparison of an engine that has run."""
    per_rep = pd.concat(engine.per_rep, ignore_index=True)
    runs = [engine.result(i) for i in range(len(engine.scenarios))]
    return Comparison(runs[0], runs[1:], per_rep, summarise(per_rep))
