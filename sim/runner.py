"""Running replications and gathering their tables.

``run_scenario`` is the public entry point (the CLI is a thin layer over it). Replication ``r``
of a run seeded with ``seed`` derives all its streams from ``(seed, r)`` alone, so the results do
not depend on how replications are split or ordered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from sim.config import Scenario
from sim.model import Replication


@dataclass
class RunResult:
    """The tables of a run: one row per (replication, week), and one per replication."""

    scenario: Scenario
    seed: int
    replications: int
    weekly: pd.DataFrame
    summary: pd.DataFrame
    meta: dict[str, object] = field(default_factory=dict)


def run_replication(
    scenario: Scenario, seed: int, replication: int
) -> tuple[pd.DataFrame, dict[str, object]]:
    """One replication's weekly table and summary row."""
    return Replication(scenario, seed, replication).run()


def run_scenario(
    scenario: Scenario,
    replications: int = 20,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run ``replications`` replications of ``scenario`` and return its tables.

    ``progress`` is called with the number of replications finished so far.
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    weeklies, rows = [], []
    for r in range(replications):
        weekly, row = run_replication(scenario, seed, r)
        weeklies.append(weekly)
        rows.append(row)
        if progress is not None:
            progress(r + 1)
    return RunResult(
        scenario=scenario,
        seed=seed,
        replications=replications,
        weekly=pd.concat(weeklies, ignore_index=True),
        summary=pd.DataFrame(rows),
    )
