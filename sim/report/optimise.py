"""The answer of ``coachsim optimise`` in words (terminal and page) and its page: the best plan
first, then expected NPV against the fee a year (the efficient frontier), then every plan."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from sim.optimise.search import Search
from sim.report.page import PALETTE, Figure, esc, layout, page, table_html
from sim.report.uncertainty import usd


def _plan(search: Search, j: int) -> str:
    return search.label(j)


def answer(search: Search, baseline: str) -> list[str]:
    """The answer, one sentence a line: the best plan and how sure we are, the runners-up, the
    cheapest plan nearly as good, and how the search went."""
    s = search
    b = s.best
    zone = usd(s.delta)
    lines = []
    if b == 0:
        lines.append(
            f"Keep {baseline} as it is: none of the {len(s.plans)} plans tried has a higher "
            "expected NPV than no change."
        )
    else:
        lines.append(
            f"Best plan: {_plan(s, b)}. Expected NPV {usd(s.mean(b))} against {baseline} as it "
            f"is, for {usd(s.fee(b))} a year of the coach."
        )
    sure = (
        f"The draws make it the best with probability {s.prob_best:.0%} (a bootstrap over the "
        "draws it shares with the plans nearest to it)."
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
            + "; ".join(f"{_plan(s, j)}, {usd(s.gap(j))} behind on average" for j in left[:3])
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
            + "; ".join(f"{_plan(s, j)}, {usd(s.gap(j))} less" for j in near[:5])
            + (f"; and {len(near) - 5} more (plans.csv)" if len(near) > 5 else "")
            + "."
        )
    else:
        lines.append(f"No other plan comes within {zone} of it.")
    cheap = s.cheapest_near_best
    if cheap != b:
        lines.append(
            f"Cheapest within {zone} of the best: {_plan(s, cheap)}, {usd(s.fee(cheap))} a year, "
            f"{usd(s.gap(cheap))} less than the best on the draws they share."
        )
    elif near:
        lines.append("None of them costs less than the best.")
    gone_first = sum(1 for r in s.selection.eliminated_at.values() if r == s.n0)
    lines.append(
        f"{len(s.plans)} plans and keeping {baseline} were each run on the first {s.n0} draws of "
        f"the uncertain inputs, the same draws and luck for all; {gone_first} went out there, "
        f"the rest were run on up to {int(s.available.max())} draws."
    )
    return lines


def _frontier(t: pd.DataFrame) -> list[int]:
    """Rows on the efficient frontier: no other plan has a lower fee and a higher mean."""
    order = t.sort_values(["fee_per_year_usd", "npv_mean"], ascending=[True, False]).index
    best = -math.inf
    out = []
    for i in order:
        if t.loc[i, "npv_mean"] > best:
            out.append(int(i))
            best = float(t.loc[i, "npv_mean"])
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
                y=rows["npv_mean"],
                error_y={"type": "data", "array": 2 * rows["npv_se"], "visible": True},
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
            y=edge["npv_mean"],
            mode="lines",
            name="Efficient frontier",
            line={"color": "#555", "dash": "dot"},
            hoverinfo="skip",
        )
    )
    layout(fig, "Expected NPV against no change (USD)", "Outside coach's fee a year (USD)")
    fig.update_layout(hovermode="closest")
    return fig


def plans_table(search: Search) -> pd.DataFrame:
    """The plans as the page shows them, best first."""
    t = search.table().sort_values("npv_mean", ascending=False, kind="stable")
    shown = pd.DataFrame(
        {
            "Plan": t["plan"],
            "Standing": t["standing"],
            "Fee a year": [usd(v) for v in t["fee_per_year_usd"]],
            "Expected NPV": [usd(v) for v in t["npv_mean"]],
            "± (2 s.e.)": [usd(2 * v) for v in t["npv_se"]],
            "Draws": t["draws"].astype(int),
            "Best in (first draws)": [f"{v:.0%}" for v in t["best_in_first_draws_share"]],
        }
    )
    for p in search.plans[0].choices if search.plans else ():
        shown.insert(2, p.rsplit(".", 1)[-1], ["" if pd.isna(v) else str(v) for v in t[p]])
    return shown


def optimise_report(
    search: Search,
    baseline: str,
    option: str,
    meta: dict[str, object],
    must_be_true: list[str] | None = None,
) -> str:
    """The whole optimise page; ``must_be_true``: the sentences of scenario discovery on the
    best plan's draws."""
    lines = answer(search, baseline)
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
            "Each dot is a plan (bars: two standard errors over its draws; plans that went out "
            "early have fewer draws). The star is the best; the dotted line joins the plans no "
            "cheaper plan beats.",
            _frontier_figure(search),
        )
    ]
    title = f"coachsim optimise: the best plan for {option}"
    return page(title, intro, figures, table_html(plans_table(search)))
