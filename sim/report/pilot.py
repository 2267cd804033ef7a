"""The pilot page and its words: the recommendation first, then what each candidate pilot is
worth, its power, and what it would teach (:mod:`sim.pilot`)."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from sim.pilot.measure import LABELS, in_words
from sim.pilot.study import Study
from sim.pilot.value import Valuation
from sim.report.page import PALETTE, Figure, esc, layout, page, table_html
from sim.report.uncertainty import usd

SHOWN_INPUTS = 8
"""Inputs in the chart of what a pilot would teach."""


def _design(r: pd.Series, managers: int) -> str:
    return f"{int(r['teams'])} of the {managers} teams for {int(r['weeks'])} weeks"


def recommendation(study: Study) -> list[str]:
    """The recommendation and what it rests on, in plain words, one sentence a line (the
    terminal prints them; the page shows them first)."""
    v = study.valuation
    d = v.designs
    m, h, metric = v.managers, v.horizon, study.metric
    label = LABELS[metric]
    option = study.option.name
    best = v.best
    lines = []
    if best is not None:
        lines.append(
            f"Pilot first: give {option} to {_design(best, m)}, then decide for every team."
        )
        lines.append(
            f"Piloting is worth {usd(best['enbs'])} more than deciding now: its result is worth "
            f"{usd(best['evsi'])} for the {h - int(best['weeks'])} weeks left, the coached teams "
            f"gain {usd(best['gain_during'])} during it, and the delay costs "
            f"{usd(best['delay_cost'])}. It ends better than deciding now in "
            f"{best['prob_pilot_pays']:.0%} of the worlds drawn."
        )
        band = d[
            d["near_optimal"] & ~((d["teams"] == best["teams"]) & (d["weeks"] == best["weeks"]))
        ]
        if len(band):
            lines.append(
                "Nearly as good (within 5%): "
                + "; ".join(
                    f"{int(r.teams)} teams for {int(r.weeks)} weeks" for r in band.itertuples()
                )
                + "."
            )
    else:
        top = v.top
        now = "Roll out now" if v.decide_now == "roll out" else "Do nothing"
        lines.append(f"{now}: none of the {len(d)} pilots tried is worth its delay.")
        lines.append(
            f"The best of them, {_design(top, m)}, is worth {usd(top['enbs'])} against deciding "
            f"now: its result is worth {usd(top['evsi'])} for the weeks left, the coached teams "
            f"gain {usd(top['gain_during'])} during it, and the delay costs "
            f"{usd(top['delay_cost'])}."
        )
    pays = float((study.npv > 0).mean())
    lines.append(
        f"Deciding now: {option} for all {m} teams for {h} weeks has an expected NPV of "
        f"{usd(v.expected_npv)} and pays in {pays:.0%} of the {v.draws} worlds drawn; knowing "
        f"everything before deciding would be worth {_evpi(v)}."
    )
    s = study.shown
    lines.append(
        f"A pilot of {_design(s, m)} finds a gain clear at the {study.plan.alpha:.0%} level in "
        f"{s['power']:.0%} of the worlds drawn: it detects a change in {label} of "
        f"{in_words(metric, s['mde'])} with 80% power, and the coached teams' expected change is "
        f"{in_words(metric, s['expected_effect'])} against the others'."
    )
    if math.isfinite(s["rule"]):
        lines.append(
            f"Decision rule, to fix before the pilot starts: roll out if the coached teams' "
            f"{label} changes by {in_words(metric, s['rule'])} or more against the other teams' "
            f"(each team against its own {study.plan.baseline_weeks}-week baseline)."
        )
    else:
        lines.append(
            f"No result of that pilot would change the decision: it would be to "
            f"{s['rule_says']} whatever the pilot showed."
        )
    lines.append(
        "Choose the coached teams at random, record each team's "
        f"{study.plan.baseline_weeks}-week baseline before the pilot, and compare team means, "
        "as these figures assume."
    )
    return lines


def _by_size(d: pd.DataFrame, column: str, y_title: str, fmt: str, study: Study) -> go.Figure:
    fig = go.Figure()
    for i, (k, g) in enumerate(d.groupby("teams")):
        fig.add_trace(
            go.Scatter(
                x=g["weeks"],
                y=g[column],
                mode="lines+markers",
                name=f"{k} of {study.valuation.managers} teams",
                line={"color": PALETTE[i % len(PALETTE)]},
                hovertemplate=f"%{{y:{fmt}}}",
            )
        )
    layout(fig, y_title, "Pilot length (weeks)")
    return fig


def _enbs_figure(study: Study) -> go.Figure:
    d = study.valuation.designs
    fig = _by_size(d, "enbs", "Net benefit vs deciding now ($)", "$,.0f", study)
    fig.update_yaxes(tickformat="$,.0f")
    fig.add_hline(y=0, line={"color": "#444", "width": 1, "dash": "dot"})
    band = d[d["near_optimal"]]
    if len(band):
        fig.add_trace(
            go.Scatter(
                x=band["weeks"],
                y=band["enbs"],
                mode="markers",
                name="within 5% of the best",
                marker={"symbol": "circle-open", "size": 16, "color": "#222"},
                hoverinfo="skip",
            )
        )
    best = study.valuation.best
    if best is not None:
        fig.add_trace(
            go.Scatter(
                x=[best["weeks"]],
                y=[best["enbs"]],
                mode="markers",
                name="the best",
                marker={"symbol": "star", "size": 18, "color": "#222"},
                hoverinfo="skip",
            )
        )
    return fig


def _power_figure(study: Study) -> go.Figure:
    fig = _by_size(study.valuation.designs, "power", "Power", ".0%", study)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.add_hline(y=0.8, line={"color": "#444", "width": 1, "dash": "dot"})
    return fig


def _teaches_figure(study: Study) -> go.Figure:
    t = study.teaches.head(SHOWN_INPUTS).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=t["spread_left"],
            y=[esc(p) for p in t["input"]],
            orientation="h",
            marker={"color": PALETTE[0]},
            hovertemplate="%{x:.0%} of the spread left<extra></extra>",
        )
    )
    layout(fig, "", "Spread left after the pilot (share of the spread before)")
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_layout(hovermode="closest")
    return fig


def designs_table(study: Study) -> pd.DataFrame:
    """The designs as the page shows them."""
    d = study.valuation.designs
    metric = study.metric
    return pd.DataFrame(
        {
            "teams": d["teams"],
            "weeks": d["weeks"],
            "net benefit vs deciding now": d["enbs"].map(usd),
            "value of its result": d["evsi"].map(usd),
            "delay": d["delay_cost"].map(usd),
            "power": d["power"].map(lambda x: f"{x:.0%}"),
            "detects (80% power)": d["mde"].map(lambda x: in_words(metric, x)),
            "expected change": d["expected_effect"].map(lambda x: in_words(metric, x)),
            "roll out if at least": [
                in_words(metric, r) if math.isfinite(r) else f"({s} whatever it shows)"
                for r, s in zip(d["rule"], d["rule_says"], strict=True)
            ],
        }
    )


def pilot_report(study: Study, meta: dict[str, object]) -> str:
    """The whole pilot page."""
    v = study.valuation
    label = LABELS[study.metric]
    lines = recommendation(study)
    intro = (
        f'<div class="verdict"><p><b>{esc(lines[0])}</b></p></div>'
        f'<ul class="summary">{"".join(f"<li>{esc(x)}</li>" for x in lines[1:])}</ul>'
        f'<p class="meta">{v.draws} worlds drawn from the uncertain inputs of '
        f"{esc(study.option.name)}; in each, rolling out was run against "
        f"{esc(study.baseline.name)} ({study.design.reps_per_draw} paired replication(s)), and "
        f"every pilot ({len(study.plan.sizes)} sizes x {len(study.plan.lengths)} lengths) was "
        f"simulated on the same team and luck, its deals exported as a CRM would and judged by "
        f"{esc(label)}. Seed {esc(meta.get('seed'))}; coachsim {esc(meta.get('version'))}. "
        "Every figure is in designs.csv; each simulated pilot in pilots.csv.</p>"
    )
    s = study.shown
    figures = [
        Figure(
            "pilot-value",
            "What each pilot is worth against deciding now",
            "Above the dotted line a pilot beats deciding now: what its result is worth for the "
            "weeks left, plus what the coached teams gain during it, less the delay for the "
            "others. The star marks the best, circles those within 5% of it.",
            _enbs_figure(study),
        ),
        Figure(
            "pilot-power",
            "Power: the chance a pilot shows a clear gain",
            f"The share of the worlds drawn in which the pilot's t test on team means finds a "
            f"gain in {label} at the {study.plan.alpha:.0%} level; the dotted line is the 80% "
            "a trial is usually designed for.",
            _power_figure(study),
        ),
        Figure(
            "pilot-teaches",
            f"What a pilot of {int(s['teams'])} teams for {int(s['weeks'])} weeks would teach",
            "How much of each uncertain input's spread would be left once the pilot's result is "
            "known (100%: it would teach nothing about that input). The inputs it teaches most "
            "about are shown.",
            _teaches_figure(study),
        ),
    ]
    end = (
        '<p class="note">A simplification to keep in mind: the option\'s worth is taken to '
        "accrue evenly over the horizon, so the delay and the pilot's own gain are shares of "
        "rolling out's NPV; coaching's gains build up, so a late start loses a little more.</p>"
    )
    title = f"coachsim pilot: {study.option.name} on some of {study.baseline.name}'s teams"
    return page(title, intro, figures, table_html(designs_table(study)), end)


def _evpi(v: Valuation) -> str:
    """The EVPI in words: with the runs' luck taken out when there are replications to take it
    out with, else the upper bound."""
    if v.evpi_learnable is not None:
        return (
            f"about {usd(v.evpi_learnable)} (the runs' luck taken out; at most {usd(v.evpi)} "
            "with it)"
        )
    return f"at most {usd(v.evpi)}"
