"""The comparison report: the verdict first, in a sales leader's words, then one sentence per
option, the assumptions, the table of key measures, the baseline to check against the real team,
the charts of the case, and at the end how to read it all.

Built from the comparison's DataFrames and scenarios only (see :mod:`sim.experiment.comparison`);
the verdict and end note come from :mod:`sim.report.verdict`, the assumptions and baseline
check from :mod:`sim.report.assumptions`, the key measures and payback chart from
:mod:`sim.report.measures`, page furniture from :mod:`sim.report.page` and the shared charts
from :mod:`sim.report.charts`.
Scenarios are labelled by their description (:func:`sim.report.verdict.scenario_label`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from sim.clock import WEEKS_PER_YEAR
from sim.experiment.comparison import Comparison
from sim.experiment.findings import Findings
from sim.experiment.streaming import ROLL_WEEKS
from sim.report.assumptions import assumptions, baseline_panel
from sim.report.charts import (
    roi_figure,
    sessions_figure,
    skill_figure,
    tiers_figure,
    time_split_figure,
    uplift_figure,
)
from sim.report.measures import key_measures, payback_figure, payback_mark, table_metric
from sim.report.page import (
    BASELINE_COLOUR,
    PALETTE,
    Figure,
    caveats,
    esc,
    page,
    table_html,
)
from sim.report.uncertainty import chance_line, quality_line, section, usd
from sim.report.verdict import (
    how_to_read,
    option,
    scenario_labels,
    still_rising,
    verdict_html,
    weekly_se,
)

__all__ = ["BASELINE_COLOUR", "compare_report", "headline", "scenario_colours"]


def _sure_notes(f: Findings) -> tuple[str, ...]:
    """The verdict's sentences from the uncertain inputs: the chance it pays, with its Monte Carlo
    error, and whether the case rests on the coach coaching better than a trained manager."""
    quality = quality_line(f)
    return (chance_line(f) + " (See How sure are we?)",) + ((quality,) if quality else ())


def scenario_colours(baseline: str, others: Sequence[str]) -> dict[str, str]:
    """One colour per scenario, the same in every chart: grey for the baseline."""
    colours = {baseline: BASELINE_COLOUR}
    for i, name in enumerate(others):
        colours[name] = PALETTE[i % len(PALETTE)]
    return colours


def _pct(x: float, digits: int = 1) -> str:
    return f"{x:+.{digits}f}%" if math.isfinite(x) else "n/a"


def headline(table: pd.DataFrame, scenario: str, weeks: int) -> str:
    """One plain sentence of the business case of ``scenario``; from a single replication, its
    figures without an interval or a share of runs (one run gives neither)."""
    up, lo, hi, runs = table_metric(table, scenario, "revenue_uplift_pct")
    if runs < 2:
        return one_run(table, scenario)
    parts = [f"revenue {_pct(up)} (95% CI {_pct(lo)} to {_pct(hi)})"]
    cost, _, _, _ = table_metric(table, scenario, "incremental_cost")
    share, _, _, n_share = table_metric(table, scenario, "cost_share_of_gain")
    roi, _, _, n_roi = table_metric(table, scenario, "roi_pct")
    if cost <= 0:
        parts.append("no extra cost, so ROI is not defined")
    else:
        if n_share and math.isfinite(share):
            parts.append(f"its cost is {share:.1f}% of the revenue gain")
        else:
            parts.append("no revenue gain to set the cost against")
        if n_roi and math.isfinite(roi):
            parts.append(f"ROI {roi:,.0f}%")
        pay, _, _, n_pay = table_metric(table, scenario, "payback_week")
        prob_pay, _, _, _ = table_metric(table, scenario, "prob_payback")
        if math.isfinite(prob_pay) and prob_pay >= 0.5 and n_pay:
            parts.append(f"pays back in week {pay:.0f} on average")
        if math.isfinite(prob_pay):
            parts.append(f"{prob_pay:.0%} of runs pay back within {weeks} weeks")
    return ", ".join(parts) + "."


def one_run(table: pd.DataFrame, scenario: str) -> str:
    """An alternative's figures from a single replication: no interval, no probability."""
    up, _, _, _ = table_metric(table, scenario, "revenue_uplift_pct")
    roi, _, _, _ = table_metric(table, scenario, "roi_pct")
    cost, _, _, _ = table_metric(table, scenario, "incremental_cost")
    parts = [f"revenue {_pct(up)}" if math.isfinite(up) else "revenue change n/a"]
    if math.isfinite(roi) and cost > 0:
        parts.append(f"ROI {roi:,.0f}%")
    return ", ".join(parts) + " in this one run (one run gives no interval and no probability)."


def compare_report(cmp: Comparison, meta: dict[str, object], sure: Sequence[Findings] = ()) -> str:
    """The whole comparison page; with ``sure`` (findings over uncertain inputs), its "How sure
    are we?" section.

    Tables are looked up by scenario name; the page shows each scenario's label (its
    description), and colours stay keyed by position: grey for the baseline, then the palette."""
    everyone = [cmp.baseline, *cmp.alternatives]
    labels = scenario_labels([r.scenario for r in everyone])
    base_label, alts = labels[0], labels[1:]
    alt_names = [a.scenario.name or "scenario" for a in cmp.alternatives]
    colours = scenario_colours(base_label, alts)
    weeks = cmp.baseline.scenario.weeks
    table = cmp.table

    uplift = uplift_figure(
        [
            (label, colours[label], alt.stats.band("uplift_roll_pct"))
            for alt, label in zip(cmp.alternatives, alts, strict=True)
        ]
    )
    rising = {
        label: still_rising(
            alt.stats.weekly_mean("uplift_roll_pct"), weekly_se(alt.stats, "uplift_roll_pct")
        )
        for alt, label in zip(cmp.alternatives, alts, strict=True)
    }

    lines = []
    for alt, name, label in zip(cmp.alternatives, alt_names, alts, strict=True):
        net = alt.stats.weekly_mean("cum_gain_usd") - alt.stats.weekly_mean("cum_cost_usd")
        lines.append((label, colours[label], net, payback_mark(table, name)))
    payback, shown_weeks = payback_figure(lines, weeks)

    roi = roi_figure(cmp.per_replication, alt_names, alts, colours)
    tiers = tiers_figure(table, alt_names, alts, colours)

    stats = {label: r.stats for label, r in zip(labels, everyone, strict=True)}
    time_fig = time_split_figure(
        stats, {label: r.scenario.team.managers for label, r in zip(labels, everyone, strict=True)}
    )
    sessions = sessions_figure(stats)

    skill = skill_figure(
        stats, {st.name: st.base_conversion for st in cmp.baseline.scenario.stages}, colours
    )

    figures = _figures(
        base_label, weeks, shown_weeks, uplift, payback, roi, tiers, time_fig, sessions, skill
    )
    found = {f.name: f for f in sure}
    reps = [a.scenario.team.managers * a.scenario.team.reps_per_manager for a in cmp.alternatives]
    options = [
        option(
            table,
            cmp.per_replication,
            name,
            label,
            n_reps,
            rising[label],
            _sure_notes(found[name]) if name in found else (),
        )
        for name, label, n_reps in zip(alt_names, alts, reps, strict=True)
    ]
    items = "".join(
        f"<li><b>{esc(label)}</b>: {esc(headline(table, name, weeks))}"
        + (
            esc(f" The programme has not reached its full effect by week {weeks}.")
            if rising[label]
            else ""
        )
        + "</li>"
        for name, label in zip(alt_names, alts, strict=True)
    )
    years = weeks / WEEKS_PER_YEAR
    base_rev = cmp.baseline.summary["revenue"].mean() / years
    told = caveats(meta) + assumptions(
        cmp.baseline.scenario,
        [(lab, a.scenario) for lab, a in zip(alts, cmp.alternatives, strict=True)],
    )
    intro = (
        verdict_html(options, weeks, base_label)
        + f"<p>Each option against <b>{esc(base_label)}</b> (revenue {usd(base_rev)} a year)"
        f", run by run on the same simulated leads, meetings and deals, over {weeks} "
        "weeks.</p>"
        f'<ul class="summary">{items}</ul>'
        '<h2 id="assumptions">Assumptions</h2>'
        f'<ul class="assumptions">{"".join(f"<li>{esc(x)}</li>" for x in told)}</ul>'
        f'<p class="meta">{esc(meta.get("replications"))} replications, seed '
        f"{esc(meta.get('seed'))}; coachsim {esc(meta.get('version'))}. Costs are cash "
        "(fees, travel, training) plus salaried hours not already missing from revenue. How "
        'the numbers are computed: <a href="#how-to-read">How to read this</a>.</p>'
    )
    if sure:
        label_of = dict(zip(alt_names, alts, strict=True))
        renamed = [dataclasses.replace(f, name=label_of.get(f.name, f.name)) for f in sure]
        sure_html, sure_figures = section(renamed, colours)
        intro += sure_html
        figures = sure_figures + figures
    panel = baseline_panel(
        [(lab, r.scenario, r.summary) for lab, r in zip(labels, everyone, strict=True)]
    )
    tables = (
        '<h2 id="key-measures">Key measures</h2>'
        + table_html(key_measures(table, cmp.per_replication, alt_names, alts, weeks))
        + '<p class="note">The range in brackets is how precisely these runs pin down the '
        "average, given the model's assumptions; it is not the range of results a team could "
        "see. Single runs spread much wider: the rows marked \u201cmiddle 80% of single "
        "runs\u201d show where 8 runs in 10 landed.</p>"
        '<h2 id="baseline-check">Check the baseline against your team</h2>'
        "<p>If these figures are far from your team's, adjust the scenario (or fit it to your "
        "CRM data with coachsim calibrate) before trusting the case.</p>" + table_html(panel)
    )
    title = f"coachsim: {len(alts)} option{'s' if len(alts) != 1 else ''} against {base_label}"
    return page(
        title,
        intro,
        figures,
        tables,
        how_to_read(base_label, ROLL_WEEKS, bool(sure)),
    )


def _figures(
    base_label: str,
    weeks: int,
    shown_weeks: int,
    uplift: go.Figure,
    payback: go.Figure,
    roi: go.Figure,
    tiers: go.Figure,
    time_fig: go.Figure,
    sessions: go.Figure,
    skill: go.Figure,
) -> list[Figure]:
    """The comparison's charts, each with its title and what it shows in plain words."""
    return [
        Figure(
            "fig-uplift",
            "Revenue uplift week by week",
            f"Each line is an option's revenue against {base_label}, as a {ROLL_WEEKS}-week "
            "rolling percentage; the shaded band shows how precisely the runs pin down the "
            "average. A line still climbing at the right-hand end means the programme has not "
            "reached its full effect by the horizon.",
            uplift,
        ),
        Figure(
            "fig-payback",
            "Payback",
            "Cumulative net gain of each option: the extra gross profit so far less the extra "
            "cost so far (cash plus salaried time). It starts below zero while the costs come "
            "first; payback is where it crosses zero for good. The dotted vertical lines mark "
            "each option's average payback week over the runs that pay back."
            + (
                f" The chart shows the first {shown_weeks} of {weeks} weeks, around the "
                "crossing; zoom out to see them all."
                if shown_weeks < weeks
                else ""
            ),
            payback,
        ),
        Figure(
            "fig-roi",
            "ROI across runs",
            "Each dot is one run's ROI: extra gross profit less extra cost, over extra cost. "
            "The box spans the middle half of the runs and the dashed line is the average: one "
            "team's result can land anywhere in this spread.",
            roi,
        ),
        Figure(
            "fig-tiers",
            "Uplift by tier",
            "Revenue change of A-, B- and C-players against the baseline; the whiskers show "
            "how precisely the runs pin down each average. It shows who the programme helps.",
            tiers,
        ),
        Figure(
            "fig-time",
            "Manager time",
            "Average hours per week by activity: under each scenario, one manager's week and, "
            "beside it, the outside coach's (its sessions, travel and any hours training the "
            "managers). A manager's bar is the whole working week: other work is forecasting, "
            "hiring, deal reviews and email, the hours meetings, coaching, admin and own "
            "selling leave; no hour is counted as idle.",
            time_fig,
        ),
        Figure(
            "fig-sessions",
            "Coaching sessions",
            "Sessions per week across the team: held (whole, or shortened by a meeting), "
            "cancelled because a meeting took the time, and unscheduled: planned, but the "
            "coach's week had no free hours left for them (a manager's free hours are what "
            "admin, own selling and the expected meetings leave). Hover over a bar for its "
            "numbers.",
            sessions,
        ),
        Figure(
            "fig-skill",
            "Skill per stage",
            "How much the reps' learned skill adds to the chance that an average rep's deal "
            "passes each stage, in percentage points, one line per scenario (own colour and "
            "line style). Skill adds to the odds of passing on a log scale, so it is converted "
            "at the stage's base conversion p: points = 100 x (sigmoid(logit(p) + mean skill) "
            "- p); the same skill is worth fewer points on a stage most deals pass anyway.",
            skill,
        ),
    ]
