"""Estimates of a team's own figures from its CRM deals, each with a 95% interval and the number
of records behind it (issue 14, library only).

Every interval is a percentile bootstrap: deals resampled for the figures of deals (a stage's
conversion and time to advance, the booked deal size), owners resampled for the figures of reps
(opportunities created per rep per week), so a few prolific reps cannot make the team look
surer than it is. Days are working days, as the model's weeks are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.analysis.stages import stage_fit

RESAMPLES = 400
"""Bootstrap resamples per interval."""
WORKING_DAYS_PER_WEEK = 5


@dataclass(frozen=True)
class Estimate:
    """A figure, its 95% interval, and how many records it rests on."""

    value: float
    low: float
    high: float
    n: int


def _bootstrap(
    statistic: Callable[[np.ndarray], float], n: int, seed: int, resamples: int = RESAMPLES
) -> tuple[float, float]:
    """95% percentile interval of ``statistic(indices)`` over ``n`` records resampled."""
    rng = np.random.default_rng(seed)
    values = np.array([statistic(rng.integers(0, n, n)) for _ in range(resamples)])
    values = values[np.isfinite(values)]
    if len(values) < 0.9 * resamples:
        return math.nan, math.nan
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


def deal_size(amounts: np.ndarray, seed: int = 0) -> tuple[Estimate, Estimate]:
    """The mean booked deal and its coefficient of variation, from won deals' amounts."""
    x = np.asarray(amounts, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < 2:
        raise ValueError("need at least two won deals with an amount")

    def cv(i: np.ndarray) -> float:
        return float(np.std(x[i], ddof=1) / np.mean(x[i]))

    mean = Estimate(
        float(x.mean()), *_bootstrap(lambda i: float(x[i].mean()), len(x), seed), len(x)
    )
    spread = Estimate(cv(np.arange(len(x))), *_bootstrap(cv, len(x), seed + 1), len(x))
    return mean, spread


def lead_rate(
    owners: np.ndarray, created: np.ndarray, start: np.datetime64, end: np.datetime64, seed: int = 0
) -> Estimate:
    """Opportunities created per rep per working week between ``start`` and ``end``, over the
    owners who created any; the interval resamples owners. ``n`` is the number of owners."""
    c = np.asarray(created, dtype="datetime64[D]")
    inside = (c >= start) & (c < end)
    names, counts = np.unique(np.asarray(owners)[inside], return_counts=True)
    weeks = np.busday_count(start, end) / WORKING_DAYS_PER_WEEK
    if not len(names) or weeks <= 0:
        raise ValueError("no opportunities created in the window")
    per = counts / weeks

    def rate(i: np.ndarray) -> float:
        return float(per[i].mean())

    return Estimate(rate(np.arange(len(per))), *_bootstrap(rate, len(per), seed), len(per))


def stage_estimates(
    days: np.ndarray, outcome: np.ndarray, seed: int = 0
) -> tuple[Estimate, Estimate]:
    """A stage's conversion and mean working days to advance (:func:`stage_fit`), with
    intervals from resampled deals; ``n`` is the number of deals that entered the stage."""
    d, o = np.asarray(days, dtype=float), np.asarray(outcome, dtype=int)
    fit = stage_fit(d, o)
    n = len(d)
    conv = _bootstrap(lambda i: stage_fit(d[i], o[i]).conversion, n, seed)
    dur = _bootstrap(lambda i: stage_fit(d[i], o[i]).mean_days_to_advance, n, seed + 1)
    return Estimate(fit.conversion, *conv, n), Estimate(fit.mean_days_to_advance, *dur, n)
