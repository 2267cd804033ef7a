"""The comparison report: an executive summary in plain words, then the charts of the case.

Built from the comparison's DataFrames only (see :mod:`sim.compare`); page furniture and the
shared charts come from :mod:`sim.report.run`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from sim.clock import WEEKS_PER_YEAR
from sim.experiment.comparison import Comparison
from sim.experiment.findings import Findings
from sim.experiment.streaming import ROLL_WEEKS
from sim.model.recorder import TIERS
from sim.report.charts import band_traces, sessions_figure, skill_figure, time_split_figure
from sim.report.page import PALETTE, Figure, esc, layout, page, table_html
from sim.report.uncertainty import section

BASELINE_COLOUR = "#7f7f7f"


def scenario_colours(baseline: str, others: Sequence[str]) -> dict[str, str]:
    """One colour per scenario, the same in every chart: grey for the baseline."""
    colours = {baseline: BASELINE_COLOUR}
    for i, name in enumerate(others):
        colours[name] = PALETTE[i % len(PALETTE)]
    return colours


def _metric(table: pd.DataFrame, scenario: str, metric: str) -> tuple[float, float, float, int]:
    row = table[(table.scenario == scenario) & (table.metric == metric)].iloc[0]
    return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]), int(row["n"])


def _pct(x: float, digits: int = 1) -> str:
    return f"{x:+.{digits}f}%" if math.isfinite(x) else "n/a"


def headline(table: pd.DataFrame, scenario: str, weeks: int) -> str:
    """One plain sentence of the business case of ``scenario``."""
    up, lo, hi, _ = _metric(table, scenario, "revenue_uplift_pct")
    parts = [f"revenue {_pct(up)} (95% CI {_pct(lo)} to {_pct(hi)})"]
    cost, _, _, _ = _metric(table, scenario, "incremental_cost")
    share, _, _, n_share = _metric(table, scenario, "cost_share_of_gain")
    roi, _, _, n_roi = _metric(table, scenario, "roi_pct")
    if cost <= 0:
        parts.append("no extra cost, so ROI is not defined")
    else:
        if n_share and math.isfinite(share):
            parts.append(f"its cost is {share:.1f}% of the revenue gain")
        else:
            parts.append("no revenue gain to set the cost against")
        if n_roi and math.isfinite(roi):
            parts.append(f"ROI {roi:,.0f}%")
        pay, _, _, n_pay = _metric(table, scenario, "payback_week")
        prob_pay, _, _, _ = _metric(table, scenario, "prob_payback")
        if math.isfinite(prob_pay) and prob_pay >= 0.5 and n_pay:
            parts.append(f"pays back in week {pay:.0f}")
        else:
            parts.append(f"does not pay back within {weeks} weeks in most runs")
        pos, _, _, n_pos = _metric(table, scenario, "prob_roi_positive")
        if n_pos:
            parts.append(f"ROI > 0 in {pos:.0%} of runs")
    return ", ".join(parts) + "."


def compare_report(cmp: Comparison, meta: dict[str, object], sure: Sequence[Findings] = ()) -> str:
    """The whole comparison page; with ``sure`` (findings over uncertain inputs), its "How sure
    are we?" section."""
    base_name = cmp.baseline.scenario.name or "baseline"
    alts = [a.scenario.name or "scenario" for a in cmp.alternatives]
    colours = scenario_colours(base_name, alts)
    weeks = cmp.baseline.scenario.weeks
    table = cmp.table

    uplift = go.Figure()
    for alt, name in zip(cmp.alternatives, alts, strict=True):
        band_traces(uplift, alt.stats.band("uplift_roll_pct"), esc(name), colours[name])
    uplift.add_hline(y=0, line={"color": BASELINE_COLOUR, "dash": "dot"})
    layout(uplift, "Revenue uplift (%)")

    payback = go.Figure()
    for alt, name in zip(cmp.alternatives, alts, strict=True):
        gp = alt.stats.weekly_mean("cum_gain_usd")
        cost = alt.stats.weekly_mean("cum_cost_usd")
        x = list(range(len(gp)))
        payback.add_trace(
            go.Scatter(
                x=x,
                y=gp / 1e3,
                name=f"{esc(name)}: gross profit gained",
                line={"color": colours[name], "width": 2},
            )
        )
        payback.add_trace(
            go.Scatter(
                x=x,
                y=cost / 1e3,
                name=f"{esc(name)}: cost",
                line={"color": colours[name], "width": 2, "dash": "dash"},
            )
        )
    layout(payback, "Cumulative, thousand USD")

    roi = go.Figure()
    for name in alts:
        vals = cmp.per_replication.loc[cmp.per_replication.scenario == name, "roi_pct"].dropna()
        roi.add_trace(
            go.Box(
                y=vals,
                name=esc(name),
                marker_color=colours[name],
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                boxmean=True,
            )
        )
    roi.add_hline(y=0, line={"color": BASELINE_COLOUR, "dash": "dot"})
    layout(roi, "ROI (%) per replication", "Scenario")
    roi.update_layout(showlegend=False, hovermode="closest")

    tiers = go.Figure()
    for name in alts:
        ys, lo, hi = [], [], []
        for tier in TIERS:
            m, a, b, _ = _metric(table, name, f"revenue_uplift_pct_{tier}")
            ys.append(m)
            lo.append(m - a if math.isfinite(a) else 0.0)
            hi.append(b - m if math.isfinite(b) else 0.0)
        tiers.add_trace(
            go.Bar(
                x=["A-players (top 20%)", "B-players (middle 60%)", "C-players (bottom 20%)"],
                y=ys,
                name=esc(name),
                marker_color=colours[name],
                error_y={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
            )
        )
    tiers.update_layout(barmode="group")
    layout(tiers, f"Revenue vs {esc(base_name)} (%)", "Tier")
    tiers.update_layout(hovermode="closest")

    everyone = [cmp.baseline, *cmp.alternatives]
    names = [base_name, *alts]
    stats = {r.scenario.name or "": r.stats for r in everyone}
    time_fig = time_split_figure(
        stats, {r.scenario.name or "": r.scenario.team.managers for r in everyone}
    )
    sessions = sessions_figure(stats)

    skill = skill_figure(stats, cmp.baseline.scenario.stage_names(), colours)

    figures = [
        Figure(
            "fig-uplift",
            "Revenue uplift week by week",
            f"Each line is a scenario's revenue against {base_name}, replication by "
            f"replication on the same random numbers, as a {ROLL_WEEKS}-week rolling "
            "percentage; the band is the 95% confidence interval of the mean.",
            uplift,
        ),
        Figure(
            "fig-payback",
            "Payback",
            "Solid lines are the cumulative extra gross profit and dashed lines the cumulative "
            "extra cost (cash plus salaried time); payback is where a solid line rises above "
            "its dashed line for good.",
            payback,
        ),
        Figure(
            "fig-roi",
            "ROI across replications",
            "Each dot is one replication's ROI (Phillips: extra gross profit less extra cost, "
            "over extra cost); the box spans the middle half, the dashed line is the mean.",
            roi,
        ),
        Figure(
            "fig-tiers",
            "Uplift by tier",
            "Revenue change of A-, B- and C-players against the baseline, with 95% intervals; "
            "it shows who the programme helps.",
            tiers,
        ),
        Figure(
            "fig-time",
            "Manager time",
            "Average hours per manager per week by activity; each bar is the whole working week.",
            time_fig,
        ),
        Figure(
            "fig-sessions",
            "Coaching sessions",
            "Sessions per week across the team: held (including shortened), cancelled by "
            "meetings, and planned but never scheduled for lack of time.",
            sessions,
        ),
        Figure(
            "fig-skill",
            "Skill per stage",
            "Mean learned skill of the reps per sales stage over time, one line per scenario.",
            skill,
        ),
    ]
    lines = "".join(
        f"<li><b>{esc(name)}</b>: {esc(headline(table, name, weeks))}</li>" for name in alts
    )
    years = weeks / WEEKS_PER_YEAR
    base_rev = cmp.baseline.summary["revenue"].mean() / years
    intro = (
        f"<p>Each scenario against <b>{esc(base_name)}</b> (revenue {base_rev:,.0f} USD a "
        f"year), paired replication by replication over {weeks} weeks.</p>"
        f'<ul class="summary">{lines}</ul>'
        f'<p class="meta">{esc(meta.get("replications"))} replications, seed '
        f"{esc(meta.get('seed'))}; coachsim {esc(meta.get('version'))}. Intervals are 95% "
        "t-intervals of the paired differences (Wilson for shares of runs). Costs are cash "
        "(fees, travel, training) plus salaried hours not already missing from revenue.</p>"
    )
    if sure:
        sure_html, sure_figures = section(sure, colours)
        intro += sure_html
        figures = sure_figures + figures
    rows = []
    for metric, (label, digits) in KEY_METRICS.items():
        row = {"measure (mean and 95% CI)": label}
        for name in alts:
            row[name] = _fmt(*_metric(table, name, metric)[:3], digits)
        rows.append(row)
    return page(f"coachsim: {' vs '.join(names)}", intro, figures, table_html(pd.DataFrame(rows)))


KEY_METRICS = {
    "revenue_uplift_pct": ("Revenue uplift (%)", 1),
    "revenue_uplift": ("Revenue uplift (USD)", 0),
    "incremental_gross_profit": ("Extra gross profit (USD)", 0),
    "incremental_cash_cost": ("Extra cash cost (USD)", 0),
    "incremental_time_cost": ("Extra salaried time (USD)", 0),
    "cost_share_of_gain": ("Cost as a share of the revenue gain (%)", 1),
    "roi_pct": ("ROI (%)", 0),
    "bcr": ("Benefit-cost ratio", 2),
    "payback_week": ("Payback week (runs that pay back)", 0),
    "prob_payback": ("Share of runs that pay back", 2),
    "npv": ("NPV (USD)", 0),
}
"""The rows of the summary table: label and decimals."""


def _fmt(m: float, lo: float, hi: float, digits: int) -> str:
    if not math.isfinite(m):
        return "n/a"
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        return f"{m:,.{digits}f}"
    return f"{m:,.{digits}f} ({lo:,.{digits}f} to {hi:,.{digits}f})"
