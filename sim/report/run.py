"""HTML reports: Plotly figures built from the run's DataFrames, on one self-contained page.

The page works offline: plotly.js is inlined once, nothing is fetched from any other host, and
every string that comes from a user (scenario names, descriptions) is HTML-escaped before it
reaches the page or a figure.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from sim.clock import WEEKS_PER_YEAR
from sim.experiment.streaming import WeeklyStats

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)
"""Colours by scenario position, used consistently across every chart of a page."""

TIME_COLOURS = {
    "admin": "#9e9e9e",
    "meetings": "#d62728",
    "selling": "#2ca02c",
    "coaching": "#1f77b4",
    "idle": "#e0e0e0",
}
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)
"""The page may load nothing from anywhere: everything it needs is inline."""
SESSION_COLOURS = {"held": "#2ca02c", "cancelled": "#d62728", "unscheduled": "#ff7f0e"}


def esc(text: object) -> str:
    """HTML-escape user text for the page and for Plotly labels."""
    return html.escape(str(text), quote=True)


def rgba(hex_colour: str, alpha: float) -> str:
    """A translucent version of ``#rrggbb``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


@dataclass
class Figure:
    """A chart with a stable element id and a one-sentence caption on how to read it."""

    id: str
    title: str
    caption: str
    fig: go.Figure


def layout(fig: go.Figure, y_title: str, x_title: str = "Week") -> go.Figure:
    """The house layout: white, readable axes, legend below the plot."""
    fig.update_layout(
        template="plotly_white",
        margin={"l": 70, "r": 20, "t": 20, "b": 60},
        height=420,
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        hovermode="x unified",
        font={"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 13},
    )
    fig.update_xaxes(title_text=x_title, automargin=True)
    fig.update_yaxes(title_text=y_title, automargin=True)
    return fig


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
        "idle": "mgr_idle_hours",
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


def skill_figure(stats: WeeklyStats, stages: Sequence[str]) -> go.Figure:
    """Mean learned skill per stage over time, one line per stage."""
    fig = go.Figure()
    for j, stage in enumerate(stages):
        y = stats.weekly_mean(f"skill_{stage}")
        fig.add_trace(
            go.Scatter(
                x=list(range(len(y))),
                y=y,
                name=esc(stage),
                line={"color": PALETTE[j % len(PALETTE)]},
            )
        )
    return layout(fig, "Mean learned skill (logit units)")


def page(title: str, intro_html: str, figures: Sequence[Figure], tables_html: str = "") -> str:
    """The whole self-contained HTML page."""
    blocks = []
    for f in figures:
        div = f.fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f.id,
            config={"displaylogo": False, "responsive": True},
        )
        blocks.append(
            f'<section class="chart"><h2>{esc(f.title)}</h2>'
            f'<p class="caption">{esc(f.caption)}</p>{div}</section>'
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 1100px; padding: 24px; color: #222; line-height: 1.45; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
h2 {{ font-size: 1.15em; margin: 1.6em 0 0.2em; }}
.caption {{ color: #555; margin: 0 0 0.4em; font-size: 0.95em; }}
table {{ border-collapse: collapse; margin: 0.6em 0; font-size: 0.95em; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.summary li {{ margin: 0.3em 0; }}
.meta {{ color: #666; font-size: 0.85em; }}
</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>{esc(title)}</h1>
{intro_html}
{tables_html}
{"".join(blocks)}
</body></html>
"""


def table_html(df: pd.DataFrame) -> str:
    """A small escaped HTML table from a DataFrame (index not shown)."""
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def run_report(
    stats: WeeklyStats,
    summary: pd.DataFrame,
    scenario_name: str,
    description: str,
    stages: Sequence[str],
    managers: int,
    meta: dict[str, object],
) -> str:
    """The report of one scenario's run."""
    colour = PALETTE[0]
    weeks = stats.mean.shape[1]
    rev = go.Figure()
    band_traces(rev, stats.band("revenue"), esc(scenario_name), colour, 1e-3)
    layout(rev, "Revenue per week (thousand USD)")

    tiers = go.Figure()
    labels = {
        "revenue_A": "A-players (top 20%)",
        "revenue_B": "B-players (middle 60%)",
        "revenue_C": "C-players (bottom 20%)",
        "revenue_managers": "managers' own deals",
    }
    total = float(summary["revenue"].mean())
    shares = [float(summary[c].mean()) / total * 100 if total else 0.0 for c in labels]
    tiers.add_trace(
        go.Bar(
            x=list(labels.values()),
            y=shares,
            marker_color=["#1f77b4", "#7fa7d0", "#c6d7ea", "#aaaaaa"],
            text=[f"{s:.1f}%" for s in shares],
            textposition="outside",
        )
    )
    layout(tiers, "Share of revenue (%)", "Who sold it")
    tiers.update_layout(hovermode="closest", showlegend=False)

    figures = [
        Figure(
            "fig-revenue",
            "Weekly revenue",
            "The line is the mean weekly revenue across replications and the band its 95% "
            "confidence interval; week 0 is when programmes may start.",
            rev,
        ),
        Figure(
            "fig-skill",
            "Skill per stage",
            "Mean learned skill of the reps on each sales stage (logit units added to the "
            "stage's win chance); it rises with training and coaching and fades without.",
            skill_figure(stats, stages),
        ),
        Figure(
            "fig-time",
            "Manager time",
            "Average hours per manager per week; every hour is admin, meetings, own selling, "
            "coaching or idle, so the bar is the whole working week.",
            time_split_figure({scenario_name: stats}, {scenario_name: managers}),
        ),
        Figure(
            "fig-sessions",
            "Coaching sessions",
            "Average sessions per week across the team: held (including shortened), "
            "cancelled by meetings, and planned but never scheduled for lack of time.",
            sessions_figure({scenario_name: stats}),
        ),
        Figure(
            "fig-concentration",
            "Revenue concentration",
            "Share of revenue by who sold it; tiers are by ability (A top 20%, B middle 60%, "
            "C bottom 20%).",
            tiers,
        ),
    ]
    years = weeks / WEEKS_PER_YEAR
    kpis = pd.DataFrame(
        {
            "measure": [
                "Revenue per year (USD)",
                "Gross profit per year (USD)",
                "Deals won per year",
                "Win rate of qualified deals",
                "Coaching sessions held per week",
                "Sessions cancelled by meetings (%)",
                "Top-20% reps' share of rep revenue",
                "Headroom multiple (revenue if every rep sold like the average top-20% rep)",
            ],
            "mean": [
                f"{summary['revenue'].mean() / years:,.0f}",
                f"{summary['gross_profit'].mean() / years:,.0f}",
                f"{summary['deals_won'].mean() / years:,.0f}",
                f"{summary['win_rate_qualified'].mean():.1%}",
                f"{summary['sessions_held'].mean() / weeks:.1f}",
                f"{_pct(summary['sessions_cancelled'].sum(), summary['sessions_planned'].sum())}",
                f"{summary['top20_revenue_share'].mean():.1%}",
                f"{summary['headroom_multiple'].mean():.2f}x",
            ],
        }
    )
    intro = (f"<p>{esc(description)}</p>" if description else "") + (
        f'<p class="meta">{esc(meta.get("replications"))} replications, seed '
        f"{esc(meta.get('seed'))}, {esc(weeks)} weeks; coachsim "
        f"{esc(meta.get('version'))}. Scenario hash {esc(str(meta.get('scenario_hash'))[:12])}."
        f"</p>"
    )
    return page(f"coachsim: {scenario_name}", intro, figures, table_html(kpis))


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"
