"""Small statistics shared by reports and economics: means with t confidence intervals, and the
Wilson interval of a proportion."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import ndtri, stdtrit


def t_halfwidth(values: np.ndarray | pd.Series, level: float = 0.95) -> float:
    """Half-width of the t confidence interval of the mean (nan with fewer than 2 values)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2:
        return math.nan
    # stdtrit is the t quantile (what scipy.stats.t.ppf computes), without importing scipy.stats.
    return float(stdtrit(n - 1, 0.5 + level / 2) * x.std(ddof=1) / math.sqrt(n))


def mean_ci(values: np.ndarray | pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of the t confidence interval of the mean."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    h = t_halfwidth(x, level)
    return m, m - h, m + h


def wilson(successes: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion: ``successes`` of ``n`` (Wilson 1927). Unlike
    p +/- z se it stays inside [0, 1] and has width when every trial succeeds (or none does)."""
    if n <= 0:
        return (math.nan, math.nan)
    z = float(ndtri(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))
