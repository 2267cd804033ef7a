"""Small statistics shared by reports and economics: means with t confidence intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import stdtrit


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
