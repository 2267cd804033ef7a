"""The business case: paired uplift, Phillips ROI and BCR, payback, NPV, intervals.

Pure functions on arrays; no model, no DataFrames beyond what is passed in. Every comparison is
*paired*: replication ``r`` of an alternative is set against replication ``r`` of the baseline,
which ran on the same random numbers, so the difference isolates the programme's effect (the
Phillips step "isolate the effects") and its spread across replications is narrow.

Costs:

* **cash** -- outside fees, travel, training;
* **time** -- salaried hours the programme uses that are *not* already missing from revenue:
  manager coaching hours and rep hours in sessions held outside their selling time. Rep hours
  taken from selling are not costed again: the leads they would have produced are already
  missing from the revenue uplift.

"Fully loaded" incremental cost is the paired difference of cash plus time costs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.analysis.intervals import mean_ci, t_halfwidth
from sim.clock import WEEKS_PER_YEAR


def roi_pct(benefit: float, cost: float) -> float:
    """Phillips ROI%: (benefits - costs) / costs x 100; undefined (nan) when cost <= 0."""
    if cost <= 0.0:
        return math.nan
    return (benefit - cost) / cost * 100.0


def bcr(benefit: float, cost: float) -> float:
    """Phillips benefit-cost ratio: benefits / costs; undefined (nan) when cost <= 0."""
    if cost <= 0.0:
        return math.nan
    return benefit / cost


def cost_share_of_gain(cost: float, revenue_gain: float) -> float:
    """Incremental cost as a share of the revenue gain (fees were under 1% of it, claims "Why
    B2B sales people fail").

    Undefined (nan) without a revenue gain, or without an extra cost to set against it.
    """
    if revenue_gain <= 0.0 or cost <= 0.0:
        return math.nan
    return cost / revenue_gain


def payback_week(benefit: Sequence[float], cost: Sequence[float]) -> float:
    """First week from which cumulative benefit covers cumulative cost for the rest of the horizon.

    Returns nan when there is no cost to pay back, and ``inf`` when it is never covered at the
    end of the horizon (no payback within the horizon).
    """
    cum_cost = np.cumsum(np.asarray(cost, dtype=float))
    if len(cum_cost) == 0 or (cum_cost[-1] <= 0.0 and not np.any(cum_cost > 0.0)):
        return math.nan
    net = np.cumsum(np.asarray(benefit, dtype=float)) - cum_cost
    if net[-1] < 0.0:
        return math.inf
    uncovered = np.nonzero(net < 0.0)[0]
    return float(uncovered[-1] + 1) if len(uncovered) else 0.0


def npv(net_per_week: Sequence[float], annual_rate: float) -> float:
    """Net present value of weekly net cash flows, week 0 undiscounted."""
    x = np.asarray(net_per_week, dtype=float)
    weeks = np.arange(len(x))
    return float(np.sum(x / (1.0 + annual_rate) ** (weeks / WEEKS_PER_YEAR)))


def paired_ci(alt: Sequence[float], base: Sequence[float]) -> tuple[float, float, float]:
    """Mean difference alt - base with the 95% t-interval of the paired differences."""
    return mean_ci(np.asarray(alt, dtype=float) - np.asarray(base, dtype=float))


def unpaired_ci(alt: Sequence[float], base: Sequence[float]) -> tuple[float, float, float]:
    """Mean difference with a Welch 95% interval, ignoring the pairing (for comparison only)."""
    a = np.asarray(alt, dtype=float)
    b = np.asarray(base, dtype=float)
    m = float(a.mean() - b.mean())
    ha, hb = t_halfwidth(a), t_halfwidth(b)
    # Welch: combine the two standard errors (t quantiles taken per sample: slightly wide)
    h = math.sqrt(ha * ha + hb * hb)
    return m, m - h, m + h
