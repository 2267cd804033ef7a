"""The report of one scenario's run: weekly revenue with its band, skill per stage, manager
time, sessions, revenue by tier, and a table of the run's key figures."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from sim.clock import WEEKS_PER_YEAR
from sim.experiment.streaming import WeeklyStats
from sim.report.charts import band_traces, sessions_figure, skill_figure, time_split_figure
from sim.report.page import PALETTE, Figure, esc, layout, page, table_html
from sim.scenario.team import Stage

SKILL_CAPTION = (
    "How much the reps' learned skill adds to the chance that an average rep's deal passes each "
    "stage, in percentage points: it rises with training and coaching and fades without. Skill "
    "adds to the odds of passing on a log scale, so it is converted at the stage's base "
    "conversion p: points = 100 x (sigmoid(logit(p) + mean skill) - p); the same skill is worth "
    "fewer points on a stage most deals pass anyway."
)
TIME_CAPTION = (
    "Average hours per week by activity of each manager and, if there is one, of the outside "
    "coach (its sessions, travel and any hours training the managers). A manager's bar is the "
    "whole working week: other work is forecasting, hiring, deal reviews and email, the hours "
    "meetings, coaching, admin and own selling leave; no hour is counted as idle."
)
SESSIONS_CAPTION = (
    "Average coaching sessions per week across the team: held (whole, or shortened by a "
    "meeting), cancelled because a meeting took the time, and unscheduled: planned, but the "
    "coach's week had no free hours left for them (a manager's free hours are what admin, own "
    "selling and the expected meetings leave). Hover over a bar for its numbers."
)


def run_report(
    stats: WeeklyStats,
    summary: pd.DataFrame,
    scenario_name: str,
    description: str,
    stages: Sequence[Stage],
    managers: int,
    meta: dict[str, object],
) -> str:
    """The report of one scenario's run; ``stages`` are the scenario's sales stages."""
    colour = PALETTE[0]
    weeks = stats.mean.shape[1]
    rev = go.Figure()
    band_traces(rev, stats.band("revenue"), esc(scenario_name), colour, 1e-3)
    layout(rev, "Revenue per week (thousand USD)")
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
            SKILL_CAPTION,
            skill_figure(
                {scenario_name: stats},
                {s.name: s.base_conversion for s in stages},
                {scenario_name: colour},
            ),
        ),
        Figure(
            "fig-time",
            "Manager time",
            TIME_CAPTION,
            time_split_figure({scenario_name: stats}, {scenario_name: managers}),
        ),
        Figure(
            "fig-sessions",
            "Coaching sessions",
            SESSIONS_CAPTION,
            sessions_figure({scenario_name: stats}),
        ),
        Figure(
            "fig-concentration",
            "Revenue concentration",
            "Share of revenue by who sold it; tiers are by ability (A top 20%, B middle 60%, "
            "C bottom 20%).",
            _concentration_figure(summary),
        ),
    ]
    kpis = _key_measures(summary, weeks)
    intro = (f"<p>{esc(description)}</p>" if description else "") + (
        f'<p class="meta">{esc(meta.get("replications"))} replications, seed '
        f"{esc(meta.get('seed'))}, {esc(weeks)} weeks; coachsim "
        f"{esc(meta.get('version'))}. Scenario hash {esc(str(meta.get('scenario_hash'))[:12])}."
        f"</p>"
    )
    return page(f"coachsim: {scenario_name}", intro, figures, table_html(kpis))


def _key_measures(summary: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """The run's key measures, formatted, over its replications."""
    years = weeks / WEEKS_PER_YEAR
    return pd.DataFrame(
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


SELLERS = {
    "revenue_A": "A-players (top 20%)",
    "revenue_B": "B-players (middle 60%)",
    "revenue_C": "C-players (bottom 20%)",
    "revenue_managers": "managers' own deals",
}
"""Who sold the revenue, by summary column."""


def _concentration_figure(summary: pd.DataFrame) -> go.Figure:
    """Each group of sellers' share of the revenue."""
    fig = go.Figure()
    total = float(summary["revenue"].mean())
    shares = [float(summary[c].mean()) / total * 100 if total else 0.0 for c in SELLERS]
    fig.add_trace(
        go.Bar(
            x=list(SELLERS.values()),
            y=shares,
            marker_color=["#1f77b4", "#7fa7d0", "#c6d7ea", "#aaaaaa"],
            text=[f"{s:.1f}%" for s in shares],
            textposition="outside",
        )
    )
    layout(fig, "Share of revenue (%)", "Who sold it")
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"
