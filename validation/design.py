"""Running the validation designs: scenario files, paired runs, and the measures studies report.

Every design runs on the same seeds as its baseline, so a contrast is paired replication by
replication, and is given with a 95% interval over replications.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.intervals import mean_ci
from sim.experiment.batches import run_scenario
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
DESIGNS = ROOT / "scenarios" / "validation"
REPLICATIONS = 12
SEED = 2026


@dataclass(frozen=True)
class Estimate:
    """A model figure: the mean over replications and its 95% interval."""

    mean: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.mean:+.1f} ({self.low:+.1f} to {self.high:+.1f})"


def design(name: str, **changes: Any) -> Scenario:
    """The design ``scenarios/validation/<name>.yaml``, with sections updated by ``changes``."""
    s = load_scenario(str(DESIGNS / f"{name}.yaml"))
    if not changes:
        return s
    data = s.model_dump()
    for key, value in changes.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    return Scenario.model_validate(data)


@cache
def _weekly(key: str) -> pd.DataFrame:
    scenario = Scenario.model_validate_json(key)
    return run_scenario(scenario, REPLICATIONS, SEED).weekly


def weekly(s: Scenario) -> pd.DataFrame:
    """The weekly table of ``s`` (run once per distinct scenario)."""
    return _weekly(s.model_dump_json())


def per_replication(s: Scenario, column: str, weeks: tuple[int, int]) -> np.ndarray:
    """Per replication, ``column`` of ``s`` summed over ``weeks`` (inclusive)."""
    df = weekly(s)
    inside = df[(df.week >= weeks[0]) & (df.week <= weeks[1])]
    return inside.groupby("replication")[column].sum().sort_index().to_numpy(dtype=float)


def uplift(on: Scenario, off: Scenario, column: str, weeks: tuple[int, int]) -> Estimate:
    """Paired % change of ``column`` summed over ``weeks`` (inclusive), ``on`` against ``off``."""
    a, b = per_replication(on, column, weeks), per_replication(off, column, weeks)
    return Estimate(*mean_ci((a - b) / b * 100.0))


def rate_difference(
    on: Scenario, off: Scenario, numerator: str, denominator: str, weeks: tuple[int, int]
) -> Estimate:
    """Paired difference, in percentage points, of ``numerator / denominator`` summed over
    ``weeks``: ``on`` against ``off``."""

    def rate(s: Scenario) -> np.ndarray:
        return per_replication(s, numerator, weeks) / per_replication(s, denominator, weeks) * 100

    return Estimate(*mean_ci(rate(on) - rate(off)))
