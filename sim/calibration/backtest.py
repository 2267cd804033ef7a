"""A backtest: fit on all but the last quarter of the export, simulate it, and see whether what
actually happened in that quarter falls within the prediction intervals.

The data are cut as they stood on the cut-off day (:func:`as_it_stood`: deals created later
are left out, closes and stage changes after it undone), the scenario is fitted to that
(:func:`sim.calibration.fit.fit`), and the fitted scenario is run from the export's first day
to its last, on fresh random numbers, many times. For the held-out quarter, each run gives the
bookings, the win rate of the deals closed, the median sales cycle of the deals won and the
opportunities created, as :func:`period_figures` reads them from the actual deals. Each
replication draws its reps afresh (a team like yours, not your reps), so the intervals hold
that uncertainty too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sim.calibration.fit import Fitted, first_day, fit, median_cycle, simulate_span
from sim.calibration.simulated import as_tables
from sim.scenario import Scenario

HELD_OUT_WEEKS = 13
"""The quarter held out: working weeks before the export's date."""
REPLICATIONS = 40
"""Simulated runs behind each prediction interval."""
MIN_WEEKS = 2 * HELD_OUT_WEEKS
"""The shortest export a backtest is made from: a quarter to fit on, one to predict."""
MIN_EVENTS = 10
"""Deals a figure of the held-out quarter needs to be tested: fewer, and its prediction
interval is too wide to miss (a quarter with no won deal "fits" bookings of $0 to $177M)."""
EVENTS = {
    "bookings_usd": "won",
    "win_rate": "closed",
    "cycle_days": "won",
    "created": "created",
}
"""The deals each figure rests on."""
METRICS = {
    "bookings_usd": "Bookings (won deals), USD",
    "win_rate": "Win rate of the deals closed",
    "cycle_days": "Sales cycle of the deals won, median working days",
    "created": "Opportunities created",
}
"""What is compared in the held-out quarter, as a sales leader reads it."""


def as_it_stood(
    deals: pd.DataFrame, history: pd.DataFrame | None, cutoff: date
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The deals and stage history as an export taken on ``cutoff`` would have had them."""
    day = pd.Timestamp(cutoff)
    before = deals[deals["created"] < day].copy()
    later = before["closed"] >= day
    before.loc[later, "closed"] = pd.NaT
    before.loc[later, "won"] = False
    if history is None:
        return before.reset_index(drop=True), None
    kept = history["deal"].isin(set(before["deal"])) & (history["date"] < day)
    return before.reset_index(drop=True), history[kept].reset_index(drop=True)


def period_events(deals: pd.DataFrame, start: date, end: date) -> dict[str, int]:
    """How many deals won, closed and created in ``[start, end)``."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    closed = deals[(deals["closed"] >= lo) & (deals["closed"] < hi)]
    return {
        "won": int(closed["won"].sum()),
        "closed": len(closed),
        "created": int(((deals["created"] >= lo) & (deals["created"] < hi)).sum()),
    }


def period_figures(deals: pd.DataFrame, start: date, end: date) -> dict[str, float]:
    """What a team's deals show for the working days in ``[start, end)`` (see :data:`METRICS`)."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    closed = deals[(deals["closed"] >= lo) & (deals["closed"] < hi)]
    won = closed[closed["won"]]
    return {
        "bookings_usd": float(won["amount"].sum()),
        "win_rate": len(won) / len(closed) if len(closed) else math.nan,
        "cycle_days": median_cycle(won),
        "created": float(((deals["created"] >= lo) & (deals["created"] < hi)).sum()),
    }


@dataclass(frozen=True)
class Backtest:
    """The held-out quarter: what happened, and what the scenario fitted before it predicted."""

    cutoff: date
    end: date
    fitted: Fitted
    """The fit on the data as they stood on the cut-off day."""
    actual: dict[str, float]
    simulated: pd.DataFrame
    """One row per simulated run, a column per metric."""
    events: dict[str, int]
    """Deals won, closed and created in the held-out quarter (see :data:`EVENTS`)."""

    def testable(self, metric: str) -> bool:
        """Whether ``metric`` rests on enough deals of the held-out quarter to be tested."""
        return self.events[EVENTS[metric]] >= MIN_EVENTS

    def verdict(self, metric: str) -> str:
        """What the backtest says of ``metric``: within, OUTSIDE, or not testable (N deals)."""
        if not self.testable(metric):
            n = self.events[EVENTS[metric]]
            return f"not testable ({n} {EVENTS[metric]} deal{'s' if n != 1 else ''})"
        return "within" if self.inside(metric) else "OUTSIDE"

    def interval(self, metric: str) -> tuple[float, float]:
        """The 95% prediction interval of ``metric``."""
        v = self.simulated[metric].dropna().to_numpy()
        if not len(v):
            return math.nan, math.nan
        low, high = np.quantile(v, [0.025, 0.975])
        return float(low), float(high)

    def inside(self, metric: str) -> bool:
        """Whether what happened lies within the prediction interval."""
        low, high = self.interval(metric)
        return bool(low <= self.actual[metric] <= high)

    def table(self) -> pd.DataFrame:
        """One row per metric: actual, median prediction, interval, inside."""
        rows = []
        for metric, label in METRICS.items():
            low, high = self.interval(metric)
            rows.append(
                {
                    "metric": metric,
                    "label": label,
                    "actual": self.actual[metric],
                    "predicted": float(self.simulated[metric].median()),
                    "low": low,
                    "high": high,
                    "inside": self.inside(metric) if self.testable(metric) else None,
                    "verdict": self.verdict(metric),
                    "deals": self.events[EVENTS[metric]],
                }
            )
        return pd.DataFrame(rows)


def backtest(
    deals: pd.DataFrame,
    history: pd.DataFrame | None,
    stages: Sequence[str],
    as_of: date,
    base: Scenario,
    name: str,
    seed: int = 1,
    replications: int = REPLICATIONS,
) -> Backtest | None:
    """The backtest of the export (see the module docstring), or None if it spans less than
    :data:`MIN_WEEKS` working weeks."""
    start = first_day(deals)
    if np.busday_count(start, as_of) < 5 * MIN_WEEKS:
        return None
    end = np.datetime64(as_of, "D")
    cutoff = pd.Timestamp(np.busday_offset(end, -5 * HELD_OUT_WEEKS, roll="backward")).date()
    cut_deals, cut_history = as_it_stood(deals, history, cutoff)
    fitted = fit(cut_deals, cut_history, stages, cutoff, base, name, seed)
    # Fresh random numbers: the prediction must not reuse the fit's own runs.
    runs = simulate_span(
        fitted.scenario, start, as_of, seed + 1, replications, labels=fitted.data.stages
    )
    simulated = pd.DataFrame([period_figures(as_tables(e)[0], cutoff, as_of) for e in runs])
    actual = period_figures(deals, cutoff, as_of)
    return Backtest(cutoff, as_of, fitted, actual, simulated, period_events(deals, cutoff, as_of))
