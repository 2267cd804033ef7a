"""Charts both reports draw: bands over the weeks, manager time, sessions, and skill per stage.

Each takes the streaming statistics of one or more scenarios (:class:`WeeklyStats`, by scenario
name) and returns a Plotly figure; a run's report passes one scenario, a comparison's several.

Colours have one meaning each. Scenario colours (:data:`sim.report.page.PALETTE` and the
comparison's grey baseline) mark scenarios only; what people spend their time on and what became
of the sessions take :data:`ACTIVITY_COLOURS`, a fixed palette that shares no colour with them.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.special import expit, logit

from sim.experiment.streaming import WeeklyStats
from sim.model.recorder import TIERS
from sim.report.measures import table_metric
from sim.report.page import BASELINE_COLOUR, PALETTE, esc, layout, rgba

ACTIVITY_COLOURS = {
    "admin": "#c5b0e6",
    "meetings": "#e9a53c",
    "selling": "#8fbde3",
    "coaching": "#1b9e77",
    "other work": "#e6ddcc",
    "travel and training managers": "#8fd4bd",
    "held": "#1b9e77",
    "cancelled": "#e9a53c",
    "unscheduled": "#d98c9a",
}
"""Colours of activities and session outcomes, the same in every chart and never a scenario's.

A held session is coaching time and a session cancelled by a meeting is lost to meetings, so
they share those activities' colours in the manager-time and sessions charts."""

MANAGER_TIME = {
    "meetings": (
        "mgr_meeting_hours",
        "leadership meetings, which come first and may cut into coaching",
    ),
    "coaching": ("mgr_coaching_hours", "coaching sessions held"),
    "admin": ("mgr_admin_hours", "reports and other fixed admin"),
    "selling": ("mgr_selling_hours", "the manager's own deals"),
    "other work": (
        "mgr_other_hours",
        "forecasting, hiring, deal reviews, email: the hours meetings, coaching, admin and own "
        "selling leave (no hour is counted as idle)",
    ),
}
"""The parts of a manager's week, bottom up: label, weekly column, and what it is."""

OUTSIDE_TRAVEL = "travel and training managers"
"""The outside coach's hours other than its sessions with the reps."""
OUTSIDE_TIME = {
    "coaching": "the outside coach's sessions with the reps",
    OUTSIDE_TRAVEL: "travel to in-person sessions and any coach-the-coach hours with the managers",
}
"""The parts of the outside coach's week: what it is. It is billed for its sessions and
coach-the-coach hours and paid its travel; it uses no manager time."""

SESSION_OUTCOMES = {
    "held": ("sessions_held", "held", "whole, or shortened by a meeting"),
    "cancelled": ("sessions_cancelled", "cancelled by a meeting", "a meeting took the time"),
    "unscheduled": (
        "sessions_unscheduled",
        "unscheduled: no free time that week",
        "planned, but the coach's week had no free hours left for them",
    ),
}
"""What became of the planned sessions: weekly column, legend name, and what it means in plain
words."""

MANAGERS_BAR = "each manager"
OUTSIDE_BAR = "outside coach"
"""The bars of the manager-time chart, beside each other under each scenario's name."""

SCENARIO_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
"""Line styles by scenario position, so that lines lying on top of each other stay visible."""


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


def axis_label(text: str, width: int = 28) -> str:
    """A scenario's name for a category axis: escaped, broken into lines of about ``width``
    characters (Plotly's <br>) so long names stay level under their bars."""
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return "<br>".join(esc(line) for line in lines) or esc(text)


def _legend_on_top(fig: go.Figure) -> None:
    """Keep scenario names level under the bars and the legend above the plot, clear of names
    that run over several lines."""
    fig.update_xaxes(tickangle=0)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"t": 50},
    )


def _overall(st: WeeklyStats, column: str) -> float:
    """Mean per week of ``column``, 0 for a column the statistics do not track."""
    return st.overall(column) if column in st.index else 0.0


def has_outside_coach(st: WeeklyStats) -> bool:
    """Whether the run's outside coach worked at all (a scenario without one records none)."""
    return _overall(st, "outside_coach_hours") > 0.0


def time_split_figure(stats: dict[str, WeeklyStats], managers: dict[str, int]) -> go.Figure:
    """Mean hours per week by activity: under each scenario, a bar for each manager and, where
    the scenario has one, a bar for the outside coach beside it.

    The x axis has two levels (scenario, then whose hours), so an outside coach's hours stand
    beside the managers' instead of vanishing from a chart of manager time."""
    bars: list[tuple[str, str, dict[str, tuple[float, str]]]] = []
    """(scenario, whose hours, {activity: (hours per week, what it is)}), one per bar."""
    for n, st in stats.items():
        week = {
            label: (_overall(st, col) / managers[n], what)
            for label, (col, what) in MANAGER_TIME.items()
        }
        bars.append((axis_label(n), MANAGERS_BAR, week))
        if has_outside_coach(st):
            sessions = _overall(st, "outside_session_hours")
            rest = max(0.0, _overall(st, "outside_coach_hours") - sessions)
            outside = {
                "coaching": (sessions, OUTSIDE_TIME["coaching"]),
                OUTSIDE_TRAVEL: (rest, OUTSIDE_TIME[OUTSIDE_TRAVEL]),
            }
            bars.append((axis_label(n), OUTSIDE_BAR, outside))
    fig = go.Figure()
    for label in [*MANAGER_TIME, OUTSIDE_TRAVEL]:
        parts = [activities.get(label, (0.0, "")) for _, _, activities in bars]
        if not any(hours for hours, _ in parts):
            continue
        fig.add_trace(
            go.Bar(
                x=[[scenario for scenario, _, _ in bars], [whose for _, whose, _ in bars]],
                y=[hours for hours, _ in parts],
                customdata=[what for _, what in parts],
                name=label,
                marker_color=ACTIVITY_COLOURS[label],
                hovertemplate=f"<b>{label}</b>: %{{y:.1f}} hours a week<br>%{{customdata}}"
                "<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    layout(fig, "Hours per week", "")
    fig.update_layout(hovermode="closest")
    _legend_on_top(fig)
    return fig


def sessions_figure(stats: dict[str, WeeklyStats]) -> go.Figure:
    """Coaching sessions per week across the team: held, cancelled by meetings, and planned but
    never scheduled for lack of time. Numbers are in the hover, not printed on thin slices."""
    names = list(stats)
    fig = go.Figure()
    for label, (col, legend, what) in SESSION_OUTCOMES.items():
        fig.add_trace(
            go.Bar(
                x=[axis_label(n) for n in names],
                y=[_overall(stats[n], col) for n in names],
                name=legend,
                marker_color=ACTIVITY_COLOURS[label],
                hovertemplate=f"<b>{label}</b>: %{{y:.1f}} sessions a week<br>{what}"
                "<extra>%{x}</extra>",
            )
        )
    fig.update_layout(barmode="stack")
    layout(fig, "Sessions per week (team)", "Scenario")
    fig.update_layout(hovermode="closest")
    _legend_on_top(fig)
    return fig


def win_chance_points(skill: np.ndarray, base_conversion: float) -> np.ndarray:
    """The change, in percentage points, that learned skill makes to the chance that an average
    rep's deal passes a stage: ``100 * (sigmoid(logit(base) + skill) - base)``.

    Skill adds to the stage's log-odds (see :mod:`sim.model.sellers`); an average rep (ability
    0) without skill passes with the stage's base conversion."""
    out: np.ndarray = 100.0 * (expit(logit(base_conversion) + np.asarray(skill)) - base_conversion)
    return out


def skill_figure(
    stats: dict[str, WeeklyStats], stages: Mapping[str, float], colours: dict[str, str]
) -> go.Figure:
    """What the reps' mean learned skill adds to an average deal's chance of passing each stage,
    in percentage points, over time: one small chart per stage (``stages``: name to base
    conversion), one line per scenario, each scenario with its own line style so lines that
    coincide stay visible."""
    fig = make_subplots(
        rows=1,
        cols=len(stages),
        shared_yaxes=True,
        subplot_titles=[esc(s) for s in stages],
        horizontal_spacing=0.03,
    )
    for i, (name, st) in enumerate(stats.items()):
        for j, (stage, base) in enumerate(stages.items()):
            y = win_chance_points(st.weekly_mean(f"skill_{stage}"), base)
            fig.add_trace(
                go.Scatter(
                    x=list(range(len(y))),
                    y=y,
                    name=esc(name),
                    legendgroup=esc(name),
                    showlegend=j == 0,
                    line={
                        "color": colours.get(name, PALETTE[0]),
                        "width": 2.5 if i == 0 else 2,
                        "dash": SCENARIO_DASHES[i % len(SCENARIO_DASHES)],
                    },
                    hovertemplate="%{fullData.name}: %{y:+.1f} points"
                    f"<extra>{esc(stage)}, base {base:.0%}</extra>",
                ),
                row=1,
                col=j + 1,
            )
    layout(fig, "")
    fig.update_yaxes(title_text="Win chance added (points)", row=1, col=1)
    fig.update_layout(margin={"t": 60})
    for j in range(len(stages)):
        fig.update_xaxes(title_text="Week", row=1, col=j + 1)
    return fig


def uplift_figure(options: Sequence[tuple[str, str, pd.DataFrame]]) -> go.Figure:
    """Each option's rolling revenue uplift week by week, with its band: ``options`` are
    (label, colour, band) in the legend's order."""
    fig = go.Figure()
    for label, colour, band in options:
        band_traces(fig, band, esc(label), colour)
    fig.add_hline(y=0, line={"color": BASELINE_COLOUR, "dash": "dot"})
    layout(fig, "Revenue uplift (%)")
    return fig


def roi_figure(
    per_replication: pd.DataFrame,
    names: Sequence[str],
    labels: Sequence[str],
    colours: Mapping[str, str],
) -> go.Figure:
    """Each run's ROI, a box per option with every run's dot."""
    fig = go.Figure()
    for name, label in zip(names, labels, strict=True):
        vals = per_replication.loc[per_replication.scenario == name, "roi_pct"].dropna()
        fig.add_trace(
            go.Box(
                y=vals,
                name=axis_label(label),
                marker_color=colours[label],
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                boxmean=True,
            )
        )
    fig.add_hline(y=0, line={"color": BASELINE_COLOUR, "dash": "dot"})
    layout(fig, "ROI (%) of each run", "")
    fig.update_layout(showlegend=False, hovermode="closest")
    return fig


TIER_NAMES = ("A-players (top 20%)", "B-players (middle 60%)", "C-players (bottom 20%)")
"""How the tiers of :data:`sim.model.recorder.TIERS` are named on a chart."""


def tiers_figure(
    table: pd.DataFrame,
    names: Sequence[str],
    labels: Sequence[str],
    colours: Mapping[str, str],
) -> go.Figure:
    """Each option's revenue change of A-, B- and C-players against the baseline, with the
    intervals of the comparison table."""
    fig = go.Figure()
    for name, label in zip(names, labels, strict=True):
        ys, lo, hi = [], [], []
        for tier in TIERS:
            m, a, b, _ = table_metric(table, name, f"revenue_uplift_pct_{tier}")
            ys.append(m)
            lo.append(m - a if math.isfinite(a) else 0.0)
            hi.append(b - m if math.isfinite(b) else 0.0)
        fig.add_trace(
            go.Bar(
                x=list(TIER_NAMES),
                y=ys,
                name=esc(label),
                marker_color=colours[label],
                error_y={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
            )
        )
    fig.update_layout(barmode="group")
    layout(fig, "Revenue against the baseline (%)", "Tier")
    fig.update_layout(hovermode="closest")
    return fig
