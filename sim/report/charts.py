"""Charts both reports draw: bands over the weeks, stacked bars per scenario, manager time,
sessions, and skill per stage.

Each takes the streaming statistics of one or more scenarios (:class:`WeeklyStats`, by scenario
name) and returns a Plotly figure; a run's report passes one scenario, a comparison's several.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.experiment.streaming import WeeklyStats
from sim.report.page import PALETTE, esc, layout, rgba

TIME_COLOURS = {
    "admin": "#9e9e9e",
    "meetings": "#d62728",
    "selling": "#2ca02c",
    "coaching": "#1f77b4",
    "other work": "#bcbd22",
}
SESSION_COLOURS = {"held": "#2ca02c", "cancelled": "#d62728", "unscheduled": "#ff7f0e"}


def band_traces(
    fig: go.Figure, band: pd.DataFrame, name: str, colour: str, scale: float = 1.0
) -> None:
    """A mean line with a shaded confidence band."""
    x = list(band.index)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=band["high"] * scale,
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
            legendgroup=name,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=band["low"] * scale,
            line={"width": 0},
            fill="tonexty",
            fillcolor=rgba(colour, 0.18),
            showlegend=False,
            hoverinfo="skip",
            legendgroup=name,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=band["mean"] * scale,
            name=name,
            legendgroup=name,
            line={"color": colour, "width": 2},
        )
    )


def stacked_bars(
    stats: dict[str, WeeklyStats],
    parts: dict[str, str],
    colours: dict[str, str],
    y_title: str,
    divide_by: dict[str, int] | None = None,
) -> go.Figure:
    """One stacked bar per scenario: the mean per week of each part (column), labelled."""
    fig = go.Figure()
    names = list(stats)
    for label, col in parts.items():
        ys = [stats[n].overall(col) / (divide_by[n] if divide_by else 1) for n in names]
        fig.add_trace(
            go.Bar(
                x=[esc(n) for n in names],
                y=ys,
                name=label,
                marker_color=colours[label],
                text=[f"{y:.1f}" for y in ys],
                textposition="inside",
            )
        )
    fig.update_layout(barmode="stack")
    layout(fig, y_title, "Scenario")
    fig.update_layout(hovermode="closest")
    return fig


def time_split_figure(stats: dict[str, WeeklyStats], managers: dict[str, int]) -> go.Figure:
    """Mean hours per manager per week by activity, one bar per scenario."""
    parts = {
        "admin": "mgr_admin_hours",
        "meetings": "mgr_meeting_hours",
        "selling": "mgr_selling_hours",
        "coaching": "mgr_coaching_hours",
        "other work": "mgr_other_hours",
    }
    return stacked_bars(stats, parts, TIME_COLOURS, "Hours per manager per week", managers)


def sessions_figure(stats: dict[str, WeeklyStats]) -> go.Figure:
    """Coaching sessions per week: held, cancelled by meetings, unscheduled for lack of time."""
    parts = {
        "held": "sessions_held",
        "cancelled": "sessions_cancelled",
        "unscheduled": "sessions_unscheduled",
    }
    return stacked_bars(stats, parts, SESSION_COLOURS, "Sessions per week (team)")


def skill_figure(
    stats: dict[str, WeeklyStats], stages: Sequence[str], colours: dict[str, str]
) -> go.Figure:
    """Mean learned skill over time: one small chart per stage, one line per scenario, so lines
    that coincide on one stage stay apart on the others."""
    fig = make_subplots(
        rows=1,
        cols=len(stages),
        shared_yaxes=True,
        subplot_titles=[esc(s) for s in stages],
        horizontal_spacing=0.03,
    )
    for name, st in stats.items():
        for j, stage in enumerate(stages):
            y = st.weekly_mean(f"skill_{stage}")
            fig.add_trace(
                go.Scatter(
                    x=list(range(len(y))),
                    y=y,
                    name=esc(name),
                    legendgroup=esc(name),
                    showlegend=j == 0,
                    line={"color": colours.get(name, PALETTE[0]), "width": 2},
                ),
                row=1,
                col=j + 1,
            )
    layout(fig, "")
    fig.update_yaxes(title_text="Mean learned skill (logit units)", row=1, col=1)
    fig.update_layout(margin={"t": 60})
    for j in range(len(stages)):
        fig.update_xaxes(title_text="Week", row=1, col=j + 1)
    return fig
