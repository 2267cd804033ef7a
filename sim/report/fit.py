"""The fit report of ``coachsim calibrate --report``: does the calibrated scenario's simulated
CRM look like yours, and did a scenario fitted without the last quarter predict it?

Figures (element ids are stable, for the browser tests): ``fig-fit-conversion`` and
``fig-fit-days`` (each stage, CRM with its 95% interval beside the simulated team),
``fig-fit-deal-size`` (booked deals), ``fig-fit-rep-win`` (win rate by rep, reps in order),
``fig-fit-weekly`` (bookings a week) and ``fig-backtest`` (the held-out quarter: what happened
against the 95% prediction interval).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.calibration.backtest import METRICS, Backtest
from sim.calibration.fit import Figures, Fitted, is_manager, is_won
from sim.calibration.ledger import Ledger
from sim.report.page import PALETTE, Figure, esc, layout, page, table_html

CRM, SIMULATED = PALETTE[0], PALETTE[1]


def _stage_figure(data: Figures, sim: Figures, which: str, y_title: str) -> go.Figure:
    shown, simulated = getattr(data, which), getattr(sim, which)
    fig = go.Figure()
    fig.add_bar(
        name="Your CRM (95% interval)",
        x=data.stages,
        y=[e.value for e in shown],
        marker_color=CRM,
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [e.high - e.value for e in shown],
            "arrayminus": [e.value - e.low for e in shown],
        },
    )
    fig.add_bar(
        name="Simulated team", x=data.stages, y=[e.value for e in simulated], marker_color=SIMULATED
    )
    return layout(fig, y_title, "Stage")


def _won(deals: pd.DataFrame) -> pd.DataFrame:
    return deals[is_won(deals)]


def _deal_size_figure(deals: pd.DataFrame, fitted: Fitted) -> go.Figure:
    fig = go.Figure()
    for name, d, colour in (
        ("Your CRM", deals, CRM),
        ("Simulated team", fitted.simulated_deals, SIMULATED),
    ):
        fig.add_histogram(
            name=name,
            x=_won(d)["amount"],
            histnorm="probability",
            opacity=0.6,
            marker_color=colour,
            nbinsx=40,
        )
    fig.update_layout(barmode="overlay")
    return layout(fig, "Share of won deals", "Booked amount, USD")


def _rep_win_rates(deals: pd.DataFrame) -> np.ndarray:
    closed = deals[deals["closed"].notna()]
    if "role" in closed:
        closed = closed[~is_manager(closed["role"]).to_numpy()]
    rates = closed.groupby("owner")["won"].agg(["mean", "size"])
    return np.sort(rates.loc[rates["size"] >= 5, "mean"].to_numpy())


def _rep_figure(deals: pd.DataFrame, fitted: Fitted) -> go.Figure:
    data, sim = _rep_win_rates(deals), _rep_win_rates(fitted.simulated_deals)
    fig = go.Figure()
    if len(data):
        x = (np.arange(len(data)) + 0.5) / len(data)
        fig.add_scatter(name="Your reps", x=x, y=data, mode="markers", marker_color=CRM)
    if len(sim):
        x = (np.arange(len(sim)) + 0.5) / len(sim)
        fig.add_scatter(name="Simulated reps", x=x, y=sim, mode="lines", line_color=SIMULATED)
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(tickformat=".0%")
    return layout(fig, "Win rate of closed deals", "Reps, weakest to strongest")


def _weekly(deals: pd.DataFrame, start: pd.Timestamp, teams: int) -> pd.Series:
    won = _won(deals)
    days = np.busday_count(
        np.datetime64(start.date(), "D"), won["closed"].to_numpy(dtype="datetime64[D]")
    )
    return won["amount"].groupby(days // 5).sum() / teams


def _weekly_figure(deals: pd.DataFrame, fitted: Fitted) -> go.Figure:
    start = deals["created"].min()
    fig = go.Figure()
    data = _weekly(deals, start, 1)
    sim = _weekly(fitted.simulated_deals, start, fitted.replications)
    fig.add_scatter(name="Your CRM", x=data.index, y=data.values, line_color=CRM)
    fig.add_scatter(
        name=f"Simulated team (mean of {fitted.replications})",
        x=sim.index,
        y=sim.values,
        line_color=SIMULATED,
    )
    return layout(fig, "Bookings a week, USD", "Week of the export")


def _backtest_figure(bt: Backtest) -> go.Figure:
    fig = make_subplots(rows=1, cols=len(METRICS), subplot_titles=list(METRICS.values()))
    for i, metric in enumerate(METRICS, start=1):
        low, high = bt.interval(metric)
        median = float(bt.simulated[metric].median())
        fig.add_scatter(
            x=[0, 0],
            y=[low, high],
            mode="lines",
            line={"color": SIMULATED, "width": 10},
            name="95% prediction interval",
            showlegend=i == 1,
            row=1,
            col=i,
        )
        fig.add_scatter(
            x=[0],
            y=[median],
            mode="markers",
            marker={"color": "white", "size": 8, "line": {"color": SIMULATED, "width": 2}},
            name="Predicted (median)",
            showlegend=i == 1,
            row=1,
            col=i,
        )
        fig.add_scatter(
            x=[0],
            y=[bt.actual[metric]],
            mode="markers",
            marker={"color": CRM, "size": 12, "symbol": "diamond"},
            name="What happened",
            showlegend=i == 1,
            row=1,
            col=i,
        )
        fig.update_xaxes(visible=False, row=1, col=i)
    fig.update_annotations(font_size=11)
    layout(fig, "", "")
    fig.update_layout(hovermode="closest")
    return fig


def _fmt(metric: str, v: float) -> str:
    if not math.isfinite(v):
        return "-"
    if metric == "bookings_usd":
        return f"${v:,.0f}"
    if metric == "win_rate":
        return f"{v:.1%}"
    return f"{v:,.0f}"


def _fit_lines(fitted: Fitted) -> list[str]:
    data, sim = fitted.data, fitted.simulated
    conv = max(
        (
            abs(a.value - b.value)
            for a, b in zip(data.conversion, sim.conversion, strict=True)
            if math.isfinite(a.value) and math.isfinite(b.value)
        ),
        default=math.nan,
    )
    return [
        f"The calibrated scenario's simulated team reproduces your CRM's stage conversions "
        f"within {conv:.3f} and its other figures within {fitted.gap:.1%} "
        f"({fitted.rounds} rounds of fitting, {fitted.replications} simulated teams).",
        f"Your export: {data.deals:,} deals of {data.reps} reps"
        + (f" and {data.managers} managers" if data.managers else "")
        + f"; win rate of qualified deals {data.win_rate:.1%}, median sales cycle "
        f"{data.cycle_days:.0f} working days.",
    ]


def _backtest_lines(bt: Backtest | None) -> list[str]:
    if bt is None:
        return [
            "No backtest: the export spans less than two quarters (one to fit on, one to predict)."
        ]
    tested = [m for m in METRICS if bt.testable(m)]
    inside = sum(bt.inside(m) for m in tested)
    missed = [METRICS[m].lower() for m in tested if not bt.inside(m)]
    untested = [f"{METRICS[m].lower()} ({bt.verdict(m)})" for m in METRICS if m not in tested]
    line = (
        f"Backtest: fitted on your data up to {bt.cutoff.isoformat()}, the scenario predicted "
        f"the quarter to {bt.end.isoformat()}: {inside} of the {len(tested)} figures with "
        "enough deals to test fell within the 95% prediction intervals"
    )
    line += f" (outside: {', '.join(missed)})" if missed else ""
    line += f"; {'; '.join(untested)}" if untested else ""
    return [line + "."]


def fit_report(
    deals: pd.DataFrame,
    fitted: Fitted,
    bt: Backtest | None,
    source: str,
    scenario_file: str,
    ledger: Ledger | None = None,
) -> str:
    """The whole fit report page: a poor fit's missed figures first, the data-quality ledger,
    the fit's charts and the backtest."""
    data, sim = fitted.data, fitted.simulated
    figures = [
        Figure(
            "fig-fit-conversion",
            "Stage conversion: your CRM and the simulated team",
            "Share of deals entering each stage that leave it forward (open deals counted as "
            "undecided); bars of equal height mean the scenario reproduces your funnel.",
            _stage_figure(data, sim, "conversion", "Conversion"),
        ),
        Figure(
            "fig-fit-days",
            "Working days in each stage",
            "Mean working days a deal spends in each stage before it moves on or is lost.",
            _stage_figure(data, sim, "days_in_stage", "Working days"),
        ),
        Figure(
            "fig-fit-deal-size",
            "Booked deal size",
            "Won deals by booked amount: the simulated team's spread should look like yours.",
            _deal_size_figure(deals, fitted),
        ),
        Figure(
            "fig-fit-rep-win",
            "Win rate by rep",
            "Each rep's share of closed deals won (reps with 5 or more), weakest to strongest: "
            "the spread shows how different your reps are, and the simulated team's should match.",
            _rep_figure(deals, fitted),
        ),
        Figure(
            "fig-fit-weekly",
            "Bookings a week",
            "Won revenue by week of the export; the simulated team starts with an empty "
            "pipeline, as the export's first weeks do.",
            _weekly_figure(deals, fitted),
        ),
    ]
    tables = ""
    if bt is not None:
        figures.append(
            Figure(
                "fig-backtest",
                "Backtest: the last quarter, predicted without it",
                "Each panel: the 95% prediction interval of a scenario fitted on the data before "
                "the quarter (bar), its median (circle), and what happened (diamond).",
                _backtest_figure(bt),
            )
        )
        t = bt.table()
        shown = pd.DataFrame(
            {
                "In the held-out quarter": t["label"],
                "What happened": [
                    _fmt(m, v) for m, v in zip(t["metric"], t["actual"], strict=True)
                ],
                "Predicted": [_fmt(m, v) for m, v in zip(t["metric"], t["predicted"], strict=True)],
                "95% interval": [
                    f"{_fmt(m, lo)} to {_fmt(m, hi)}"
                    for m, lo, hi in zip(t["metric"], t["low"], t["high"], strict=True)
                ],
                "Verdict": list(t["verdict"]),
            }
        )
        tables = "<h2>Backtest</h2>" + table_html(shown)
    items = "".join(f"<li>{esc(x)}</li>" for x in _fit_lines(fitted) + _backtest_lines(bt))
    poor = ""
    if fitted.misses:
        rows = pd.DataFrame(
            {
                "Figure": [m.label for m in fitted.misses],
                "Your CRM (95% interval)": [
                    f"{_num(m.crm.value)} ({_num(m.crm.low)} to {_num(m.crm.high)})"
                    for m in fitted.misses
                ],
                "Simulated team": [_num(m.simulated) for m in fitted.misses],
                "Likely cause": [m.cause for m in fitted.misses],
            }
        )
        poor = (
            '<h2 id="poor-fit">Poor fit: figures the simulated team does not show</h2>'
            "<p>The scenario does not reproduce these figures of your export within their 95% "
            "intervals; results built on it inherit the gap.</p>" + table_html(rows)
        )
    quality = ""
    if ledger is not None:
        q = ledger.frame()
        notes = "".join(f"<li>{esc(n)}</li>" for n in ledger.notes)
        quality = (
            '<h2 id="data-quality">Data quality</h2>'
            f"<p>{esc(ledger.summary())}.</p>"
            + (f'<ul class="assumptions">{notes}</ul>' if notes else "")
            + (table_html(q.rename(columns=str.capitalize)) if len(q) else "")
        )
    intro = (
        poor + f'<ul class="summary">{items}</ul>'
        f'<p class="meta">From {esc(source)}; scenario written to {esc(scenario_file)}. Each '
        "simulated team draws its reps afresh: a team like yours, not your reps.</p>"
    )
    return page("Calibration: your CRM and the simulated team", intro, figures, quality + tables)


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3f}"
