"""Small statistics shared by reports and economics: means with t confidence intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as st


def t_halfwidth(values: np.ndarray | pd.Series, level: float = 0.95) -> float:
    """Half-width of the t confidence interval of the mean (nan with fewer than 2 values)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2:
        return math.nan
    return float(st.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))


def mean_ci(values: np.ndarray | pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of the t confidence interval of the mean."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    h = t_halfwidth(x, level)
    return m, m - h, m + h


def weekly_band(df: pd.DataFrame, column: str, level: float = 0.95) -> pd.DataFrame:
    """Per week: mean of ``column`` across replications and its t confidence interval."""
    g = df.groupby("week")[column]
    mean = g.mean()
    n = g.count()
    sd = g.std(ddof=1).fillna(0.0)
    t = st.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * sd / np.sqrt(n), 0.0)
    return pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half})
