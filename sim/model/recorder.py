"""The recorder: weekly tallies of one replication, turned into tables after the run.

During the run the recorder only adds Python floats into per-week lists (no DataFrames, no
logging on the hot path). :func:`weekly_frame` and :func:`summary_row` build the tables after the
run; every row carries the scenario, the replication and the seed.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.model.finite import NonFiniteResult

Tier = Literal["A", "B", "C"]
"""A rep's tier by ability: the top 20% (A players), the middle 60% (B), the bottom 20% (C)."""
TIERS: tuple[Tier, Tier, Tier] = ("A", "B", "C")
"""The tiers, top first."""
Seller = Literal["A", "B", "C", "M"]
"""Whose revenue a won deal is: a rep's tier, or M for a manager's own deal."""

MANAGER_HOURS = (
    "mgr_admin_hours",
    "mgr_meeting_hours",
    "mgr_selling_hours",
    "mgr_coaching_hours",
    "mgr_other_hours",
)
"""The weekly columns every hour of the managers' weeks falls in: they add up to capacity."""

COUNTS = (
    "revenue",
    "revenue_A",
    "revenue_B",
    "revenue_C",
    "revenue_managers",
    "deals_won",
    "deals_qualified",
    "stage_exits",
    "stage_advances",
    "leads",
    "sessions_planned",
    "sessions_held",
    "sessions_shortened",
    "sessions_cancelled",
    "sessions_unscheduled",
    "outside_sessions_held",
    "meeting_clashes",
    "clashes_protected",
    *MANAGER_HOURS,
    "rep_coaching_hours",
    "rep_offselling_hours",
    "rep_training_hours",
    "outside_session_hours",
    "outside_coach_hours",
    "outside_fees_usd",
    "travel_usd",
    "training_usd",
)
"""Per-week tallies, in column order."""

REP_HOURS = ("rep_coaching_hours", "rep_offselling_hours")
"""The reps' hours in sessions, which every coach adds to once a week, managers first."""
MANAGER_TALLIES = (
    "meeting_clashes",
    "clashes_protected",
    "sessions_planned",
    "sessions_unscheduled",
    "sessions_held",
    "sessions_shortened",
    "sessions_cancelled",
    *MANAGER_HOURS,
    *REP_HOURS,
)
"""The columns a manager's calendar adds to: in its own :class:`Tallies`, added to the
replication's by :meth:`Recorder.merge` (see :mod:`sim.model.calendar`)."""

_TIER_COLUMN: dict[Seller, str] = {
    "A": "revenue_A",
    "B": "revenue_B",
    "C": "revenue_C",
    "M": "revenue_managers",
}


class Tallies:
    """Weekly tallies of one manager's calendar, kept apart from the replication's."""

    def __init__(self, names: tuple[str, ...], n_weeks: int) -> None:
        self.cols: dict[str, list[float]] = {name: [0.0] * n_weeks for name in names}
        """Tallies per simulation week, by column name."""

    def add(self, column: str, week: int, amount: float) -> None:
        """Add ``amount`` to ``column`` in simulation week ``week``."""
        self.cols[column][week] += amount


class Recorder:
    """Weekly tallies of one replication.

    Everything is tallied by the simulation's own week index, which counts the warm-up weeks
    first; the tables keep only the weeks after the warm-up (:meth:`column`).
    """

    def __init__(self, weeks: int, stage_names: list[str], warmup_weeks: int = 0) -> None:
        self.weeks = weeks
        self.warmup_weeks = warmup_weeks
        self.stage_names = stage_names
        n = weeks + warmup_weeks
        self.cols: dict[str, list[float]] = {name: [0.0] * n for name in COUNTS}
        """Tallies per simulation week, by column name."""
        self.skill: list[list[float]] = [[0.0] * n for _ in stage_names]
        """Mean learned skill across reps per stage, at the end of each simulation week."""
        self._revenue = self.cols["revenue"]
        self._won = self.cols["deals_won"]
        # Written to directly by Pipeline.advance_to, the hot path.
        self.qualified = self.cols["deals_qualified"]
        self.exits = self.cols["stage_exits"]
        self.advances = self.cols["stage_advances"]

    def add(self, column: str, week: int, amount: float) -> None:
        """Add ``amount`` to ``column`` in simulation week ``week``."""
        self.cols[column][week] += amount

    def merge(self, tallies: Tallies, names: tuple[str, ...], week: int | None = None) -> None:
        """Add ``tallies``' columns ``names`` in ``week`` (None: every week) to these.

        Each manager adds once a week to a column it shares with other coaches in floating
        point (the reps' hours) and otherwise only counts or its own hours, so adding its
        tallies in manager order, the shared hours before any other coach adds its own, gives
        the sums of adding as it went, to the bit."""
        for name in names:
            column, own = self.cols[name], tallies.cols[name]
            if week is not None:
                column[week] += own[week]
                continue
            for w, x in enumerate(own):
                column[w] += x

    def book(self, value_usd: float, t: float, tier: Seller) -> None:
        """A won deal at time ``t`` from a seller of ``tier`` (A, B, C, or M for managers)."""
        w = int(t // 5)
        self._revenue[w] += value_usd
        self._won[w] += 1.0
        self.cols[_TIER_COLUMN[tier]][w] += value_usd

    def column(self, values: list[float]) -> np.ndarray:
        """The report weeks (after the warm-up) of a per-simulation-week list."""
        return np.asarray(values[self.warmup_weeks :])


def weekly_frame(
    rec: Recorder,
    scenario: str,
    replication: int,
    seed: int,
    gross_margin: float,
    manager_hourly_cost_usd: float,
    rep_hourly_cost_usd: float,
) -> pd.DataFrame:
    """One row per week of one replication."""
    data: dict[str, Any] = {
        "scenario": scenario,
        "replication": replication,
        "seed": seed,
        "week": np.arange(rec.weeks),
    }
    for name in COUNTS:
        data[name] = rec.column(rec.cols[name])
    data["gross_profit"] = data["revenue"] * gross_margin
    with np.errstate(invalid="ignore", divide="ignore"):
        data["progress_rate"] = data["stage_advances"] / data["stage_exits"]
    data["cash_cost_usd"] = data["outside_fees_usd"] + data["travel_usd"] + data["training_usd"]
    # Salaried hours not already missing from revenue (see sim.analysis.economics): rep hours taken
    # from selling are costed by the leads they lose, not again here.
    data["time_cost_usd"] = (
        data["mgr_coaching_hours"] * manager_hourly_cost_usd
        + data["rep_offselling_hours"] * rep_hourly_cost_usd
    )
    data["coaching_hours"] = data["mgr_coaching_hours"] + data["outside_session_hours"]
    for name, values in zip(rec.stage_names, rec.skill, strict=True):
        data[f"skill_{name}"] = rec.column(values)
    return pd.DataFrame(data)


def concentration(rep_revenue: list[float]) -> tuple[float, float]:
    """(share of revenue from the top 20% of reps by revenue, headroom multiple).

    The headroom multiple is the exercise of "Sales and coaching fails": team revenue if every
    rep sold as much as the average top-20% rep, over actual rep revenue.
    """
    rev = np.sort(np.asarray(rep_revenue))[::-1]
    total = float(rev.sum())
    if total <= 0.0:
        return float("nan"), float("nan")
    top = max(1, round(0.2 * len(rev)))
    top_mean = float(rev[:top].mean())
    return float(rev[:top].sum()) / total, top_mean * len(rev) / total


def summary_row(
    weekly: pd.DataFrame, rep_revenue: list[float], extra: dict[str, float]
) -> dict[str, Any]:
    """Totals of one replication plus revenue concentration and anything in ``extra``."""
    first = weekly.iloc[0]
    row: dict[str, Any] = {
        "scenario": first["scenario"],
        "replication": int(first["replication"]),
        "seed": int(first["seed"]),
    }
    for name in (*COUNTS, "gross_profit", "cash_cost_usd", "time_cost_usd", "coaching_hours"):
        # What Series.sum does (NaN as 0, numpy's pairwise sum of the column), without pandas'
        # per-call overhead, which was most of the cost of a replication's tables.
        row[name] = float(np.nansum(weekly[name].to_numpy()))
    share, headroom = concentration(rep_revenue)
    row["top20_revenue_share"] = share
    row["headroom_multiple"] = headroom
    # Deals still open at the horizon count as not won: a slight underestimate.
    row["win_rate_qualified"] = (
        row["deals_won"] / row["deals_qualified"] if row["deals_qualified"] else float("nan")
    )
    row.update(extra)
    return row


UNDEFINED_WHEN_EMPTY = frozenset(
    {"progress_rate", "top20_revenue_share", "headroom_multiple", "win_rate_qualified"}
)
"""Ratios that are empty (NaN) when nothing happened to divide by: no stage ends in a week, no
revenue, no qualified deals. Every other number of a replication must be finite."""


def check_finite(weekly: pd.DataFrame, summary: dict[str, Any]) -> None:
    """Raise :class:`NonFiniteResult` naming the replication, week and column of the first
    number that is not finite (NaN is allowed only in :data:`UNDEFINED_WHEN_EMPTY`)."""
    numeric = weekly.select_dtypes("number")
    values = numeric.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    allowed = np.array([c in UNDEFINED_WHEN_EMPTY for c in numeric.columns])
    bad &= ~(np.isnan(values) & allowed)
    where = f"scenario {summary.get('scenario')!r}, replication {summary.get('replication')}"
    if bad.any():
        row, col = (int(x[0]) for x in np.nonzero(bad))
        raise NonFiniteResult(
            f"{where}, week {int(weekly['week'].iloc[row])}: {numeric.columns[col]} is "
            f"{values[row, col]}; the scenario's numbers are too large or too small to compute "
            "with"
        )
    for name, value in summary.items():
        undefined = name in UNDEFINED_WHEN_EMPTY
        if isinstance(value, float) and not (np.isfinite(value) or (undefined and value != value)):
            raise NonFiniteResult(
                f"{where}: {name} over the horizon is {value}; the scenario's numbers are "
                "too large or too small to compute with"
            )
