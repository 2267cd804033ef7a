"""Paired comparison of scenarios against a baseline: the numbers of the business case.

Every scenario runs on the same seed, so replication ``r`` of each saw the same leads, meetings
and deals as replication ``r`` of the baseline. Metrics are computed per replication from the
paired differences (:func:`replication_metrics`) and then summarised as means with 95%
t-intervals across replications (:func:`summarise`; a Wilson interval for probabilities). Pure
functions of the weekly and summary tables: running the scenarios is
:mod:`sim.experiment.comparison`'s job.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import economics as eco
from sim.analysis.intervals import mean_ci
from sim.model.recorder import TIERS

METRICS = (
    "revenue_uplift",
    "revenue_uplift_pct",
    "incremental_gross_profit",
    "incremental_cash_cost",
    "incremental_time_cost",
    "incremental_cost",
    "cost_share_of_gain",
    "roi_pct",
    "bcr",
    "payback_week",
    "prob_payback",
    "npv",
    "prob_roi_positive",
    "coaching_hours",
    "sessions_cancelled_pct",
    "revenue_uplift_pct_A",
    "revenue_uplift_pct_B",
    "revenue_uplift_pct_C",
)
"""Rows of comparison.csv for each scenario, in order (see docs/model.md for units)."""

PROPORTIONS = ("prob_payback", "prob_roi_positive")

HURDLE_RATES_PCT = (0, 4, 8, 12, 16, 20, 25, 30, 40, 50)
"""Annual discount rates (%) at which each replication's NPV is also kept, as
``npv_at_<rate>pct``: the acceptability curve against a hurdle rate."""


class _ByRep:
    """(replications, weeks) arrays of a weekly table's columns: ``weekly.pivot(index=
    "replication", columns="week", values=column).to_numpy()``, the rows' layout worked out once
    for every column (pivot is most of a comparison's bookkeeping per replication). A table that
    is not one row per replication and week falls back to pivot."""

    def __init__(self, weekly: pd.DataFrame) -> None:
        self.weekly = weekly
        reps, weeks = weekly["replication"].to_numpy(), weekly["week"].to_numpy()
        rep_ids, week_ids = np.unique(reps), np.unique(weeks)
        self.shape = (len(rep_ids), len(week_ids))
        self.order: np.ndarray | None = None
        if len(weekly) == len(rep_ids) * len(week_ids):
            order = np.lexsort((weeks, reps))
            if np.array_equal(reps[order], np.repeat(rep_ids, len(week_ids))) and np.array_equal(
                weeks[order], np.tile(week_ids, len(rep_ids))
            ):
                self.order = order

    def __call__(self, column: str) -> np.ndarray:
        if self.order is None:
            w = self.weekly
            return w.pivot(index="replication", columns="week", values=column).to_numpy()
        values: np.ndarray = self.weekly[column].to_numpy()[self.order]
        return values.reshape(self.shape)


def replication_metrics(
    name: str,
    base: tuple[pd.DataFrame, pd.DataFrame],
    alt: tuple[pd.DataFrame, pd.DataFrame],
    weeks: int,
    annual_discount_rate: float,
) -> pd.DataFrame:
    """One row per replication: every metric of scenario ``name`` against the baseline, paired.

    ``base`` and ``alt`` are (weekly rows, summary rows) of the same replications. Besides the
    :data:`METRICS`, ``outside_fees_pv`` is the present value of the extra outside-coach fees, so
    a run can be re-costed at another fee (they are linear in it), and ``npv_at_<r>pct`` the NPV
    at each of the :data:`HURDLE_RATES_PCT`."""
    (bw, base_summary), (aw, alt_summary) = base, alt
    reps = np.sort(bw["replication"].unique())
    by_b, by_a = _ByRep(bw), _ByRep(aw)
    rev_b, rev_a = by_b("revenue"), by_a("revenue")
    fees = by_a("outside_fees_usd") - by_b("outside_fees_usd")
    gp = by_a("gross_profit") - by_b("gross_profit")
    cash = by_a("cash_cost_usd") - by_b("cash_cost_usd")
    time = by_a("time_cost_usd") - by_b("time_cost_usd")
    cost = cash + time
    rate = annual_discount_rate
    rows = []
    for r in range(rev_b.shape[0]):
        uplift = float(rev_a[r].sum() - rev_b[r].sum())
        total_cost = float(cost[r].sum())
        benefit = float(gp[r].sum())
        roi = eco.roi_pct(benefit, total_cost)
        payback = eco.payback_week(gp[r], cost[r])
        row = {
            "scenario": name,
            "replication": int(reps[r]),
            "revenue_uplift": uplift,
            "revenue_uplift_pct": _pct(uplift, float(rev_b[r].sum())),
            "incremental_gross_profit": benefit,
            "incremental_cash_cost": float(cash[r].sum()),
            "incremental_time_cost": float(time[r].sum()),
            "incremental_cost": total_cost,
            "cost_share_of_gain": eco.cost_share_of_gain(total_cost, uplift) * 100.0,
            "roi_pct": roi,
            "bcr": eco.bcr(benefit, total_cost),
            "payback_week": payback if math.isfinite(payback) else math.nan,
            "prob_payback": math.nan if math.isnan(payback) else float(math.isfinite(payback)),
            "npv": eco.npv(gp[r] - cost[r], rate),
            "prob_roi_positive": math.nan if math.isnan(roi) else float(roi > 0.0),
            "outside_fees_pv": eco.npv(fees[r], rate),
        }
        for h in HURDLE_RATES_PCT:
            row[f"npv_at_{h}pct"] = eco.npv(gp[r] - cost[r], h / 100.0)
        rows.append(row)
    columns: dict[str, Any] = {key: [row[key] for row in rows] for key in rows[0]}
    sa = alt_summary.sort_values("replication")
    sb = base_summary.sort_values("replication")
    columns["coaching_hours"] = sa["coaching_hours"].to_numpy() / weeks
    planned = sa["sessions_planned"].replace(0, np.nan).to_numpy()
    columns["sessions_cancelled_pct"] = sa["sessions_cancelled"].to_numpy() / planned * 100.0
    for tier in TIERS:
        col = f"revenue_{tier}"
        columns[f"revenue_uplift_pct_{tier}"] = [
            _pct(a - b, b) for a, b in zip(sa[col], sb[col], strict=True)
        ]
    # One frame made whole: adding columns to a frame one at a time took most of the time here.
    return pd.DataFrame(columns)


def _pct(part: float, whole: float) -> float:
    """``part`` as a percentage of ``whole``; undefined when ``whole`` is zero."""
    return part / whole * 100.0 if whole else math.nan


def wilson(successes: float, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def summarise(
    per_rep: pd.DataFrame,
    metrics: Sequence[str] = METRICS,
    proportions: Collection[str] = PROPORTIONS,
) -> pd.DataFrame:
    """Mean, 95% interval and n of every metric, per scenario (rows: scenario, metric); the
    ``proportions`` (shares of runs) get Wilson intervals."""
    rows = []
    for name, group in per_rep.groupby("scenario", sort=False):
        for metric in metrics:
            x = group[metric].to_numpy(dtype=float)
            x = x[np.isfinite(x)]
            n = len(x)
            if metric in proportions:
                m = float(x.mean()) if n else math.nan
                lo, hi = wilson(float(x.sum()), n)
            else:
                m, lo, hi = mean_ci(x)
            rows.append(
                {"scenario": name, "metric": metric, "mean": m, "ci_low": lo, "ci_high": hi, "n": n}
            )
    return pd.DataFrame(rows)
