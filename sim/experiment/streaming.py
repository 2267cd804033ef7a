"""Streaming statistics of weekly results: memory independent of the number of replications.

For every scenario and every tracked column, :class:`WeeklyStats` keeps, per week, the count,
mean and sum of squared deviations of the values seen so far, and merges a batch of replications
at a time (Chan et al.'s pairwise update). Batches are merged in replication order, so the
floating-point results do not depend on which worker finished first or how the run was split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from sim.model.recorder import MANAGER_HOURS

COMPARISON_SERIES = ("uplift_roll_pct", "cum_gain_usd", "cum_cost_usd")
"""Per-replication weekly series of an alternative against the baseline (see compare)."""

ROLL_WEEKS = 4
"""Window of the rolling revenue uplift in the comparison report."""


def tracked_columns(stage_names: Sequence[str]) -> list[str]:
    """Weekly columns whose mean and interval the reports need."""
    return [
        "revenue",
        "progress_rate",
        "sessions_planned",
        "sessions_held",
        "sessions_cancelled",
        "sessions_unscheduled",
        *MANAGER_HOURS,
        "outside_session_hours",
        "outside_coach_hours",
        *(f"skill_{s}" for s in stage_names),
    ]


class WeeklyStats:
    """Per-week count, mean and M2 of several columns across replications."""

    def __init__(self, columns: Sequence[str], weeks: int) -> None:
        self.columns = list(columns)
        self.index = {c: i for i, c in enumerate(self.columns)}
        shape = (len(self.columns), weeks)
        self.n = np.zeros(shape)
        self.mean = np.zeros(shape)
        self.m2 = np.zeros(shape)

    def update(self, values: np.ndarray) -> None:
        """Merge a batch: ``values`` has shape (replications, columns, weeks); nan is skipped."""
        ok = ~np.isnan(values)
        nb = ok.sum(axis=0).astype(float)
        safe = np.where(ok, values, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mb = np.where(nb > 0, safe.sum(axis=0) / nb, 0.0)
        m2b = (np.where(ok, values - mb, 0.0) ** 2).sum(axis=0)
        n = self.n + nb
        delta = mb - self.mean
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(n > 0, nb / n, 0.0)
            cross = np.where(n > 0, delta * delta * self.n * nb / n, 0.0)
        self.mean = self.mean + delta * w
        self.m2 = self.m2 + m2b + cross
        self.n = n

    def band(self, column: str, level: float = 0.95) -> pd.DataFrame:
        """Per week: mean, and the t confidence interval of the mean."""
        i = self.index[column]
        n, mean = self.n[i], self.mean[i]
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.where(n > 1, self.m2[i] / (n - 1), 0.0))
            t = stdtrit(np.maximum(n - 1, 1), 0.5 + level / 2)  # the t quantile
            half = np.where(n > 1, t * sd / np.sqrt(n), 0.0)
        return pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half})

    def weekly_mean(self, column: str) -> np.ndarray:
        """Mean across replications, per week."""
        out: np.ndarray = self.mean[self.index[column]]
        return out

    def overall(self, column: str) -> float:
        """Mean across replications and weeks."""
        return float(np.mean(self.weekly_mean(column)))


def matrix(weekly: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """(replications, columns, weeks) array of one scenario's weekly rows."""
    rep, week = weekly["replication"].to_numpy(), weekly["week"].to_numpy()
    reps, weeks = len(np.unique(rep)), int(week.max()) + 1
    key = rep * weeks + week
    if np.any(key[1:] < key[:-1]):  # the engine's tables come in this order already
        weekly = weekly.sort_values(["replication", "week"])
    block = weekly[list(columns)].to_numpy(dtype=float)  # all columns in one copy
    return np.ascontiguousarray(block.reshape(reps, weeks, len(columns)).transpose(0, 2, 1))


def comparison_series(base: pd.DataFrame, alt: pd.DataFrame) -> np.ndarray:
    """(replications, 3, weeks): rolling uplift %, cumulative gross profit gained, cumulative
    extra cost of ``alt`` against ``base``, replication by replication."""
    cols = ["revenue", "gross_profit", "cash_cost_usd", "time_cost_usd"]
    b = matrix(base, cols)
    a = matrix(alt, cols)
    diff = a[:, 0] - b[:, 0]
    kernel = np.ones(ROLL_WEEKS)

    def roll(x: np.ndarray) -> np.ndarray:
        return np.stack([np.convolve(row, kernel)[: x.shape[1]] for row in x])

    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(roll(b[:, 0]) != 0, roll(diff) / roll(b[:, 0]) * 100.0, np.nan)
    gain = np.cumsum(a[:, 1] - b[:, 1], axis=1)
    cost = np.cumsum(a[:, 2] + a[:, 3] - b[:, 2] - b[:, 3], axis=1)
    return np.stack([pct, gain, cost], axis=1)
