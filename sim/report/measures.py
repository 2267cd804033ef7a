"""The comparison's numbers as a sales leader reads them: the table of key measures (averages
with their 95% intervals, and the middle 80% of single runs for the money rows) and the payback
chart, its payback weeks marked and zoomed so the crossing of zero shows.

Laid out on the page by :mod:`sim.report.compare`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.report.page import BASELINE_COLOUR, esc, layout


def table_metric(
    table: pd.DataFrame, scenario: str, metric: str
) -> tuple[float, float, float, int]:
    """Mean, 95% interval and count of ``metric`` for ``scenario`` in the comparison table."""
    row = table[(table.scenario == scenario) & (table.metric == metric)].iloc[0]
    return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]), int(row["n"])


PaybackLine = tuple[str, str, np.ndarray, float | None]
"""One option on the payback chart: label, colour, mean cumulative net gain per week (USD), and
the week to mark (None when most runs do not pay back)."""

ZOOM_MIN_WEEKS = 8
"""The payback chart never zooms in to fewer weeks than this."""


def payback_mark(table: pd.DataFrame, name: str) -> float | None:
    """The average payback week of ``name`` when most runs pay back, else None."""
    pay, _, _, n_pay = table_metric(table, name, "payback_week")
    share, _, _, _ = table_metric(table, name, "prob_payback")
    ok = n_pay and math.isfinite(pay) and math.isfinite(share) and share >= 0.5
    return pay if ok else None


def payback_figure(lines: Sequence[PaybackLine], weeks: int) -> tuple[go.Figure, int]:
    """Cumulative net gain of each option with its payback week marked, and the number of weeks
    shown: up to half as long again as the latest payback week (at least
    :data:`ZOOM_MIN_WEEKS`), so that the crossing of zero is visible; the whole horizon when
    no option pays back in most runs."""
    fig = go.Figure()
    marks = [w for *_, w in lines if w is not None]
    shown = weeks
    if marks:
        shown = min(weeks, max(ZOOM_MIN_WEEKS, math.ceil(max(marks) * 1.5) + 4))
    for label, colour, net, _ in lines:
        fig.add_trace(
            go.Scatter(
                x=list(range(len(net))),
                y=net / 1e3,
                name=esc(label),
                line={"color": colour, "width": 2},
            )
        )
    fig.add_hline(y=0, line={"color": BASELINE_COLOUR, "dash": "dot"})
    for i, (_, colour, _, week) in enumerate(lines):
        if week is None:
            continue
        fig.add_vline(x=week, line={"color": colour, "dash": "dot", "width": 2})
        fig.add_annotation(
            x=week,
            y=1 - 0.08 * i,
            xref="x",
            yref="paper",
            text=f"pays back: week {week:.0f}",
            showarrow=False,
            xanchor="left",
            xshift=4,
            font={"color": colour},
        )
    layout(fig, "Cumulative net gain, thousand USD")
    if shown < weeks:
        seen = np.concatenate([net[:shown] / 1e3 for _, _, net, _ in lines] + [np.zeros(1)])
        seen = seen[np.isfinite(seen)]
        lo, hi = float(seen.min()), float(seen.max())
        pad = 0.08 * (hi - lo or 1.0)
        fig.update_xaxes(range=[0, shown - 1])
        fig.update_yaxes(range=[lo - pad, hi + pad])
    return fig, shown


KEY_METRICS = {
    "revenue_uplift_pct": ("Revenue uplift (%)", 1),
    "revenue_uplift": ("Revenue uplift (USD)", 0),
    "incremental_gross_profit": ("Extra gross profit (USD)", 0),
    "incremental_cash_cost": ("Extra cash cost (USD)", 0),
    "incremental_time_cost": ("Extra salaried time (USD)", 0),
    "cost_share_of_gain": ("Cost as a share of the revenue gain (%)", 1),
    "roi_pct": ("ROI (%)", 0),
    "bcr": ("Benefit-cost ratio", 2),
    "payback_week": ("Payback week (average of the runs that pay back)", 0),
    "prob_payback": ("Runs that pay back within the horizon", 0),
    "npv": ("NPV (USD)", 0),
}
"""The rows of the summary table: label and decimals."""

SHARES_OF_RUNS = ("prob_payback",)
"""Rows that are shares of runs, shown as percentages like every share of runs on the page."""

SPREAD_ROWS = ("incremental_gross_profit", "roi_pct", "npv")
"""Rows followed by the middle 80% of single runs (10th to 90th percentile across runs)."""

SPREAD = (0.10, 0.90)


def key_measures(
    table: pd.DataFrame,
    per_rep: pd.DataFrame,
    names: Sequence[str],
    labels: Sequence[str],
    weeks: int,
) -> pd.DataFrame:
    """The table of key measures: per option (column, by label), each measure's average with its
    95% interval and, for the money rows of :data:`SPREAD_ROWS`, the middle 80% of single
    runs."""
    rows = []
    for metric, (label, digits) in KEY_METRICS.items():
        if metric == "prob_payback":
            label = f"Runs that pay back within {weeks} weeks"
        row = {"measure: average (95% interval)": label}
        for name, col in zip(names, labels, strict=True):
            m, lo, hi, _ = table_metric(table, name, metric)
            row[col] = _share(m, lo, hi) if metric in SHARES_OF_RUNS else _fmt(m, lo, hi, digits)
        rows.append(row)
        if metric in SPREAD_ROWS:
            spread = {"measure: average (95% interval)": f"{label}: middle 80% of single runs"}
            for name, col in zip(names, labels, strict=True):
                x = per_rep.loc[per_rep.scenario == name, metric].dropna()
                if len(x) < 2:
                    spread[col] = "n/a (one run)" if len(x) else "n/a"
                    continue
                lo, hi = (float(q) for q in x.quantile(list(SPREAD)))
                spread[col] = f"{lo:,.{digits}f} to {hi:,.{digits}f}"
            rows.append(spread)
    return pd.DataFrame(rows)


def _share(m: float, lo: float, hi: float) -> str:
    """A share of runs as a percentage, with its interval."""
    if not math.isfinite(m):
        return "n/a"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{m:.0%}"
    return f"{m:.0%} ({lo:.0%} to {hi:.0%})"


def _fmt(m: float, lo: float, hi: float, digits: int) -> str:
    if not math.isfinite(m):
        return "n/a"
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        return f"{m:,.{digits}f}"
    return f"{m:,.{digits}f} ({lo:,.{digits}f} to {hi:,.{digits}f})"
