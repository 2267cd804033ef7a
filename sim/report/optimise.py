"""The answer of ``coachsim optimise`` in words (terminal and page) and its page: the best plan
first, then expected NPV against the fee a year (the efficient frontier), then every plan."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.optimise.search import Search
from sim.optimise.space import shown
from sim.report.page import PALETTE, Figure, esc, layout, page, table_html
from sim.report.uncertainty import usd


def _behind(gap: float) -> str:
    """How far a plan is behind the best, or ahead of it (a plan within the zone can be)."""
    return f"{usd(gap)} less" if gap >= 0 else f"{usd(-gap)} more"


def answer(search: Search, baseline: str, combinations: int = 0) -> list[str]:
    """The answer, one sentence a line: the best plan and how sure we are, the runners-up, the
    cheapest plan nearly as good, and how the search went (``combinations``: how many plans the
    space holds, to say when only some were tried)."""
    s = search
    b = s.best
    zone = usd(s.delta)
    lines = []
    if b == 0:
        lines.append(
            f"Keep {baseline} as it is: on these draws none of the {len(s.plans)} plans tried "
            "is expected to do better than no change."
        )
    else:
        lines.append(
            f"Best plan: {s.label(b)}. Expected NPV {usd(s.mean(b))} against {baseline} as it "
            f"is, for {usd(s.fee(b))} a year of the coach."
        )
    sure = (
        f"Resampling the draws, it has the highest mean of the plans nearest to it in "
        f"{s.prob_best:.0%} of resamples (a rough measure of how sure: it runs high, as the "
        "best was picked on the same draws)."
    )
    if s.selection.finished:
        lines.append(
            f"It is the one plan left by a screen and Kim and Nelson's sequential procedure on "
            f"common random numbers, which pick the truly best plan at least {s.confidence:.0%} "
            f"of the time when it is {zone} or more better than every other. {sure}"
        )
    else:
        left = [j for j in s.selection.survivors if j != b]
        lines.append(
            f"The {s.draws} draws ran out before the procedure could rule out "
            + "; ".join(f"{s.label(j)}, {usd(s.gap(j))} behind on average" for j in left[:3])
            + (f"; and {len(left) - 3} more" if len(left) > 3 else "")
            + (": its" if len(left) == 1 else ": their")
            + " NPV swings too much against the best's from draw to draw for the "
            f"procedure's guarantee (more --draws, or a wider --zone than {zone}, would let it "
            f"finish). {sure}"
        )
    near = s.runners_up
    if near:
        lines.append(
            f"Within {zone} of it: "
            + "; ".join(f"{s.label(j)}, {_behind(s.gap(j))}" for j in near[:5])
            + (f"; and {len(near) - 5} more (plans.csv)" if len(near) > 5 else "")
            + "."
        )
    else:
        lines.append(f"No other plan comes within {zone} of it.")
    cheap = s.cheapest_near_best
    if cheap != b:
        lines.append(
            f"Cheapest within {zone} of the best: {s.label(cheap)}, {usd(s.fee(cheap))} a year, "
            f"{_behind(s.gap(cheap))} than the best on the same draws."
        )
    elif near:
        lines.append("None of them costs less than the best.")
    gone_first = sum(1 for r in s.selection.eliminated_at.values() if r == s.n0)
    lines.append(
        f"{len(s.plans)} plans and keeping {baseline} were each run on the first {s.n0} draws of "
        f"the uncertain inputs, the same draws and luck for all; {gone_first} went out there, "
        f"the rest were run on up to {int(s.used[1:].max())} draws"
        + (
            ", the plans close to the best on its draws too, to compare them on the same draws."
            if s.runners_up
            else "."
        )
    )
    if combinations > len(s.plans):
        lines.append(
            f"These plans are a Latin hypercube of {len(s.plans)} of the {combinations} the "
            "search space holds: one not tried may be better. Raise plans: in the space, or "
            "narrow its choices, to try more."
        )
    return lines


def _frontier(t: pd.DataFrame) -> list[int]:
    """Rows on the efficient frontier: no other plan has a lower fee and a higher mean."""
    order = t.sort_values(["fee_per_year_usd", "npv_first_draws"], ascending=[True, False]).index
    best = -math.inf
    out = []
    for i in order:
        if t.loc[i, "npv_first_draws"] > best:
            out.append(int(i))
            best = float(t.loc[i, "npv_first_draws"])
    return out


def _frontier_figure(search: Search) -> go.Figure:
    t = search.table()
    fig = go.Figure()
    groups = (
        ("out", "Went out", PALETTE[8]),
        ("left in", "Left in when the draws ran out", PALETTE[1]),
        ("within the zone", "Within the zone of the best", PALETTE[2]),
        ("best", "Best", PALETTE[0]),
    )
    for standing, name, colour in groups:
        rows = t[t["standing"] == standing]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["fee_per_year_usd"],
                y=rows["npv_first_draws"],
                mode="markers",
                name=name,
                marker={
                    "color": colour,
                    "size": 14 if standing == "best" else 9,
                    "symbol": "star" if standing == "best" else "circle",
                },
                text=[
                    f"{p}<br>{int(n)} draws"
                    for p, n in zip(rows["plan"], rows["draws"], strict=True)
                ],
                hovertemplate="%{text}<br>fee %{x:$,.0f} a year<br>NPV %{y:$,.0f}<extra></extra>",
            )
        )
    edge = t.loc[_frontier(t)]
    fig.add_trace(
        go.Scatter(
            x=edge["fee_per_year_usd"],
            y=edge["npv_first_draws"],
            mode="lines",
            name="Efficient frontier",
            line={"color": "#555", "dash": "dot"},
            hoverinfo="skip",
        )
    )
    layout(fig, "Expected NPV against no change (USD)", "Outside coach's fee a year (USD)")
    fig.update_layout(hovermode="closest")
    return fig


def _typical_spread(search: Search) -> float:
    """The median over the plans of their NPV's standard deviation over the first draws."""
    x = search.observations[: search.n0, 1:]
    return float(np.median(x.std(axis=0, ddof=1))) if x.size else 0.0


def plans_table(search: Search) -> pd.DataFrame:
    """The plans as the page shows them, best first, then by how far behind it they are."""
    t = search.table()
    t = t.assign(order=np.where(t["standing"] == "best", -np.inf, t["gap_to_best"]))
    t = t.sort_values("order", kind="stable")
    shown_t = pd.DataFrame({"Plan": t["plan"], "Standing": t["standing"]})
    for p in search.plans[0].choices if search.plans else ():
        shown_t[p.rsplit(".", 1)[-1].replace("_", " ")] = [
            "" if pd.isna(v) else shown(v) for v in t[p]
        ]
    shown_t["Fee/yr"] = [usd(v) for v in t["fee_per_year_usd"]]
    shown_t[f"NPV (first {search.n0})"] = [usd(v) for v in t["npv_first_draws"]]
    shown_t["Behind the best"] = [
        "" if s == "best" else usd(v) for s, v in zip(t["standing"], t["gap_to_best"], strict=True)
    ]
    shown_t["Draws"] = t["draws"].astype(int).to_numpy()
    shown_t["Best in"] = [f"{v:.0%}" for v in t["best_in_first_draws_share"]]
    return shown_t


def optimise_report(
    search: Search,
    baseline: str,
    option: str,
    meta: dict[str, object],
    must_be_true: list[str] | None = None,
    combinations: int = 0,
) -> str:
    """The whole optimise page; ``must_be_true``: the sentences of scenario discovery on the
    best plan's draws."""
    lines = answer(search, baseline, combinations)
    extra = must_be_true or []
    intro = (
        f'<div class="verdict"><p><b>{esc(lines[0])}</b></p></div>'
        f'<ul class="summary">{"".join(f"<li>{esc(x)}</li>" for x in lines[1:])}</ul>'
        + (
            '<h2 id="what-must-be-true">What must be true</h2><ul class="summary">'
            + "".join(f"<li>{esc(x)}</li>" for x in extra)
            + "</ul>"
            if extra
            else ""
        )
        + f'<p class="meta">Plans: {esc(option)} with the choices of the search space; each run '
        f"against {esc(baseline)} on the same draws of the uncertain inputs and the same luck. "
        f"Indifference zone {esc(usd(search.delta))}; error {search.alpha:.0%}; "
        f"seed {esc(meta.get('seed'))}; coachsim {esc(meta.get('version'))}. Every plan's "
        "figures are in plans.csv, every run in evaluations.csv, and the best, the runners-up "
        "and the cheapest near-best plan as scenario files in plans/.</p>"
    )
    figures = [
        Figure(
            "optimise-frontier",
            "Expected NPV against the coach's fee a year",
            f"Each dot is a plan's expected NPV over the first {search.n0} draws, which every "
            "plan was run on; the star is the best, chosen on all its draws, and the dotted line "
            "joins the plans no cheaper plan beats. Each NPV is unsure by about "
            f"{usd(_typical_spread(search))} (one standard deviation over the draws: what we "
            "do not know moves every plan), but the plans move together from draw to draw, so "
            "how far one is behind another is far surer: the table's 'Behind the best'.",
            _frontier_figure(search),
        )
    ]
    title = f"coachsim optimise: the best plan for {option}"
    table = '<h2 id="plans">Every plan</h2>' + table_html(plans_table(search))
    return page(title, intro, figures, "", table)
