"""The "How sure are we?" section of a comparison report: the verdict under uncertain inputs in
plain words, then its charts (acceptability against the fee and a required return, value of
information beside influence, and NPV across the draws).

Built from :class:`sim.experiment.findings.Findings` only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.experiment.findings import QUALITY, Findings
from sim.report.page import PALETTE, Figure, esc, layout

GREY = "#7f7f7f"


def usd(x: float) -> str:
    """A dollar amount a sales leader reads at a glance: $1.2M, $85k, $900."""
    if not math.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 1e6:
        return f"{sign}${a / 1e6:.2f}M"
    if a >= 1e4:
        return f"{sign}${a / 1e3:.0f}k"
    return f"{sign}${a:,.0f}"


def _num(x: float) -> str:
    return f"{x:.3g}"


MAX_LISTED = 5
"""Inputs named in one sentence before the rest are only counted."""


def _listing(paths: list[str]) -> str:
    if len(paths) <= MAX_LISTED:
        return ", ".join(paths)
    return f"{', '.join(paths[:MAX_LISTED])} and {len(paths) - MAX_LISTED} more (uncertainty.csv)"


def evpi_words(f: Findings) -> str:
    """The EVPI as a sentence states it: with two or more replications a draw, the value of
    knowing the inputs with the runs' luck taken out (:func:`sim.analysis.voi.learnable_evpi`)
    and the upper bound beside it; with one, only the bound, and why it is one."""
    if math.isfinite(f.evpi_learnable):
        return (
            f"about {usd(f.evpi_learnable)} (EVPI, the runs' luck taken out; at most "
            f"{usd(f.evpi)} with it)"
        )
    return (
        f"at most {usd(f.evpi)} (EVPI, an upper bound: each world's NPV still holds some of its "
        "runs' luck; run two or more replications a draw to take it out)"
    )


def _break_even_lines(f: Findings) -> list[str]:
    """Firm break-evens one sentence each; unsure ones and inputs that never decide it, one
    sentence for all. The others vary over their ranges (the regression on the draws)."""
    lines, unsure, never = [], [], []
    ranked = sorted(f.break_evens, key=lambda b: -f.evppi.get(b.path, 0.0))
    for b in ranked:
        if b.path == QUALITY:  # quality_line says it, against a trained manager's
            continue
        if b.value is None:
            never.append(b.path)
        elif b.interval is None:
            unsure.append(f"{b.path} near {_num(b.value)}")
        else:
            side = "at least" if b.pays_above else "at most"
            lines.append(
                f"It pays for itself if {b.path} is {side} {_num(b.value)} (95% interval "
                f"{_num(b.interval[0])} to {_num(b.interval[1])}), the other inputs varying "
                "over their ranges."
            )
    if unsure:
        lines.append("Possible break-evens, not firm with these draws: " + _listing(unsure) + ".")
    if never:
        lines.append(
            "On its own, none of " + _listing(never) + " turns the expected NPV "
            f"{'negative' if f.npv > 0 else 'positive'} anywhere in its range."
        )
    if f.fees is not None and f.fees.break_even is not None:
        lines.append(
            f"It pays for itself at fees up to {usd(f.fees.break_even)} {f.fees.unit} (the "
            f"scenario's fee is {usd(f.fees.run_fee)})."
        )
    return lines


def chance_line(f: Findings) -> str:
    """How likely it is to pay, with its Monte Carlo error, in the words that fit the design:
    with one run per plausible world, luck and what we do not know cannot be told apart."""
    p, (low, high) = f.prob_pays
    error = f"Monte Carlo error: 95% interval {low:.0%} to {high:.0%}"
    if f.one_run_per_draw:
        return (
            f"Allowing for what we do not know as well as for luck, a team like yours comes out "
            f"ahead (NPV > 0) in {p:.0%} of the plausible worlds drawn ({error}); with one run "
            "per world the two cannot be told apart (two runs per world or more, -n 2, split "
            "them)."
        )
    return (
        f"It pays (NPV > 0, averaged over a team's luck) in {p:.0%} of those worlds ({error}); "
        f"for one team, whose own luck also counts, the chance is {f.prob_one_team:.0%}."
    )


def quality_line(f: Findings) -> str | None:
    """Whether the case rests on the outside coach coaching better than a trained manager, with
    the break-even quality; None when the coach's quality was not drawn."""
    b = f.quality_break_even()
    if b is None:
        return None
    trained = f"a trained manager's {f.quality_trained:g}"
    drawn = f"{b.low:.2f} to {b.high:.2f}"
    if b.value is None:
        if b.pays_above:
            return (
                "It does not rest on the outside coach coaching better than your managers: it "
                f"pays on average at every quality drawn ({drawn}), {trained} included."
            )
        return f"It does not pay on average at any quality drawn ({drawn}), {trained} included."
    sure = (
        f" (95% interval {b.interval[0]:.2f} to {b.interval[1]:.2f})"
        if b.interval is not None
        else " (not firm with these draws)"
    )
    if b.pays_above and b.value > f.quality_trained:
        return (
            "It rests on the outside coach coaching better than a trained manager: it pays on "
            f"average only if the coach's quality is at least {b.value:.2f}{sure}, against "
            f"{trained}. No study finds professional coaches better than trained managers, so "
            "ask the vendor for evidence of this, or test it in a pilot."
        )
    if b.pays_above:
        return (
            "It does not rest on the outside coach coaching better than a trained manager: it "
            f"pays on average from a quality of {b.value:.2f}{sure}, at or below {trained}."
        )
    return (
        f"It pays on average only if the coach's quality is at most {b.value:.2f}{sure} "
        f"({trained}): a sign that its sessions cost more selling time than they return."
    )


def verdict(f: Findings) -> list[str]:
    """The findings of one alternative as plain sentences."""
    lo, hi = f.npv_range
    lines = [
        f"Expected NPV {usd(f.npv)} (Monte Carlo error \u00b1{usd(f.npv_se)}, one standard "
        f"error over the {f.draws} draws); in 90% of the plausible worlds drawn it lies between "
        f"{usd(lo)} and {usd(hi)}.",
        chance_line(f),
    ]
    quality = quality_line(f)
    if quality is not None:
        lines.append(quality)
    share = f.variance.share_parameters
    if math.isfinite(share):
        lines.append(
            f"Of the spread in one team's NPV, {share:.0%} comes from what we do not know "
            f"(the uncertain inputs) and {1 - share:.0%} from the team's luck."
        )
    ranked = sorted(f.evppi.items(), key=lambda kv: -kv[1])
    worth = f.evpi_learnable if math.isfinite(f.evpi_learnable) else f.evpi
    if worth <= 0.01 * max(abs(f.npv), 1.0):
        lines.append(
            f"Little is worth finding out before deciding: knowing every input exactly "
            f"would be worth {evpi_words(f)}, as the decision is the same in "
            "nearly every world drawn."
        )
    elif not ranked or ranked[0][1] <= 0:
        lines.append(
            f"Knowing every input exactly before deciding would be worth {evpi_words(f)}; "
            "no single input accounts for it: it comes from "
            "several together."
        )
    else:
        top, value = ranked[0]
        lines.append(
            f"Knowing every input exactly before deciding would be worth {evpi_words(f)}; "
            f"the one most worth finding out first is {top} "
            f"({usd(value)})."
        )
    lines.extend(_break_even_lines(f))
    lines.extend(f.must_be_true)
    if f.sobol is not None:
        lead = f.sobol.sort_values("total", ascending=False).iloc[0]
        alone = (
            f", {lead['first']:.0%} on its own"
            if lead["first_low"] > 0
            else "; what it does on its own is not yet measurable"
        )
        lines.append(
            f"Sobol indices: {lead['input']} accounts for {lead['total']:.0%} of the NPV's "
            f"variance with its interactions (95% interval {lead['total_low']:.0%} to "
            f"{lead['total_high']:.0%}){alone}; no input accounts for more."
        )
        unsure = f.sobol_unsure
        if unsure:
            lines.append(
                "Warning: the Sobol indices of " + _listing(unsure) + " have intervals wider "
                "than a tenth of the index; a larger --sobol N would settle them."
            )
    if f.rough:
        lines.append(
            f"Only {f.draws} draws: the value of information and the break-evens are rough "
            "(256 or more draws, e.g. --uncertainty 512, make them firm)."
        )
    return lines


def section(found: Sequence[Findings], colours: dict[str, str]) -> tuple[str, list[Figure]]:
    """The section's HTML (heading and verdicts) and its figures."""
    items = "".join(
        f"<li><b>{esc(f.name)}</b><ul>"
        + "".join(f"<li>{esc(line)}</li>" for line in verdict(f))
        + "</ul></li>"
        for f in found
    )
    first = found[0]
    html = (
        '<h2 id="how-sure">How sure are we?</h2>'
        f"<p>The uncertain inputs were drawn {first.draws} times (a quasi-random design); each "
        f"draw ran {first.reps_per_draw} paired replication"
        f"{'' if first.reps_per_draw == 1 else 's'} of every scenario. Every draw is in "
        "draws.csv. "
        + (
            "One run per draw spends every run on a new plausible world, the most precise "
            "estimate of the expected NPV for the runs (O'Hagan, Stevenson and Madan 2007); the "
            "price is that a world's own luck cannot be told apart from it. "
            if first.reps_per_draw == 1
            else ""
        )
        + "Each figure below carries its Monte Carlo error: how much it would move if the "
        "draws were made again.</p>"
        f'<ul class="sure">{items}</ul>'
    )
    return html, _figures(found, colours)


def _acceptability(
    curves: Sequence[tuple[str, pd.DataFrame]],
    colours: dict[str, str],
    x: str,
    x_title: str,
    mark: float | None = None,
) -> go.Figure:
    """The chance it pays (solid, left axis) and the expected NPV (dashed, right axis) of each
    alternative against ``x``."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for name, curve in curves:
        colour = colours.get(name, PALETTE[0])
        for column, label, scale, dash, right in (
            ("prob_npv_positive", "chance it pays (%)", 100.0, "solid", False),
            ("npv", "expected NPV (thousand USD)", 1e-3, "dash", True),
        ):
            fig.add_trace(
                go.Scatter(
                    x=curve[x],
                    y=curve[column] * scale,
                    name=f"{esc(name)}: {label}",
                    line={"color": colour, "width": 2, "dash": dash},
                ),
                secondary_y=right,
            )
    if mark is not None:
        fig.add_vline(x=mark, line={"color": GREY, "dash": "dot"})
    layout(fig, "Chance NPV > 0 (%)", x_title)
    fig.update_yaxes(title_text="Expected NPV, thousand USD", secondary_y=True)
    return fig


def _figures(found: Sequence[Findings], colours: dict[str, str]) -> list[Figure]:
    figures = []
    fees = [(f.name, f.fees) for f in found if f.fees is not None]
    if fees:
        first = fees[0][1]
        fig = _acceptability(
            [(name, fee.curve) for name, fee in fees],
            colours,
            "fee_usd",
            f"Outside coach's fee, USD {first.unit}",
            first.run_fee,
        )
        figures.append(
            Figure(
                "fig-fee",
                "What fee still pays?",
                "The chance the outside coach pays for itself (solid, averaged over a team's "
                "luck) and the expected NPV (dashed) at other fees; the dotted line is the "
                "scenario's fee. The runs are re-costed, not re-run: fees are linear in the fee.",
                fig,
            )
        )
    hurdle = _acceptability(
        [(f.name, f.hurdles) for f in found],
        colours,
        "hurdle_rate_pct",
        "Hurdle rate (annual discount rate, %)",
    )
    figures.append(
        Figure(
            "fig-hurdle",
            "Against a hurdle rate",
            "The chance it pays for itself (solid) and the expected NPV (dashed) when the "
            "returns are discounted at the rate leadership asks of an investment.",
            hurdle,
        )
    )
    voi = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Worth finding out (EVPPI, USD)", "Influence on NPV (rank correlation)"),
        horizontal_spacing=0.25,
    )
    for i, f in enumerate(found):
        order = sorted(f.evppi, key=lambda p: f.evppi[p])
        colour = colours.get(f.name, PALETTE[i % len(PALETTE)])
        for col, values in ((1, f.evppi), (2, f.spearman)):
            voi.add_trace(
                go.Bar(
                    y=order,
                    x=[values[p] for p in order],
                    orientation="h",
                    name=esc(f.name),
                    marker_color=colour,
                    legendgroup=f.name,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    layout(voi, "", "")
    voi.update_layout(barmode="group", hovermode="closest", height=max(360, 60 + 28 * len(order)))
    figures.append(
        Figure(
            "fig-voi",
            "What is worth finding out first",
            "Left: what knowing each input exactly before deciding would be worth. Right: how "
            "strongly each input moves the NPV. An input can move the NPV a lot and still not "
            "be worth learning, if the decision stays the same.",
            voi,
        )
    )
    if any(f.sobol is not None for f in found):
        figures.append(_sobol_figure(found, colours))
    return figures


def _sobol_figure(found: Sequence[Findings], colours: dict[str, str]) -> Figure:
    fig = go.Figure()
    for f in found:
        if f.sobol is None:
            continue
        t = f.sobol.sort_values("total")
        for kind, label, opacity in (
            ("first", "on its own", 0.55),
            ("total", "with interactions", 1.0),
        ):
            fig.add_trace(
                go.Bar(
                    y=t["input"],
                    x=t[kind],
                    orientation="h",
                    name=f"{esc(f.name)}: {label}",
                    marker_color=colours.get(f.name, PALETTE[0]),
                    opacity=opacity,
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": (t[f"{kind}_high"] - t[kind]).fillna(0).clip(lower=0),
                        "arrayminus": (t[kind] - t[f"{kind}_low"]).fillna(0).clip(lower=0),
                    },
                )
            )
    layout(fig, "", "Share of the NPV's variance")
    fig.update_layout(barmode="group", hovermode="closest")
    return Figure(
        "fig-sobol",
        "What drives the NPV (Sobol indices)",
        "The share of the NPV's variance across the draws each input explains on its own "
        "and with its interactions with the others, with 95% intervals.",
        fig,
    )
