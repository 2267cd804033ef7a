"""The business case in a sales leader's words: the verdict that opens a comparison report and
the end note that says how to read the numbers (the assumptions and the baseline check are in
:mod:`sim.report.assumptions`).

Pure functions of the comparison's tables and scenarios (see :mod:`sim.report.compare`, which
lays them out on the page):

- :func:`scenario_label`: what a scenario is called on the page (its description, else its name).
- :func:`still_rising`: the horizon rule, whether the uplift is still growing at the horizon.
- :func:`pick` and :func:`verdict_lines`: which option to take, or "keep the status quo".
- :func:`how_to_read`: the statistical vocabulary, kept out of the rest of the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment.streaming import WeeklyStats
from sim.report.page import esc
from sim.report.uncertainty import usd
from sim.scenario import Scenario

HORIZON_WINDOW_WEEKS = 13
"""Weeks in each of the two blocks the horizon rule compares (a quarter)."""

NOISE_MULTIPLE = 2.0
"""How many standard errors the rise must exceed to count (about a 95% one-sided bar)."""

MATERIAL_RISE = 0.05
"""The rise must also be at least this share of the last quarter's level: a statistically clear
but tiny rise is not worth a warning."""

DOWNSIDE_QUANTILE = 0.10
"""The downside quoted in the verdict: the NPV that one run in ten falls below."""


def scenario_label(scenario: Scenario) -> str:
    """A scenario as the page names it: its description without the closing full stop, or its
    name when it has none."""
    text = " ".join(scenario.description.split()).rstrip(".").strip()
    return text or scenario.name or "scenario"


def scenario_labels(scenarios: Sequence[Scenario]) -> list[str]:
    """The label of each scenario, in order; scenarios whose labels would be the same get their
    names added, so no two are."""
    raw = [scenario_label(s) for s in scenarios]
    return [
        f"{lab} ({s.name})" if raw.count(lab) > 1 and s.name and lab != s.name else lab
        for lab, s in zip(raw, scenarios, strict=True)
    ]


def weekly_se(stats: WeeklyStats, column: str) -> np.ndarray:
    """Standard error of the mean across replications, per week (nan below two replications)."""
    i = stats.index[column]
    n, m2 = stats.n[i], stats.m2[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = np.where(n > 1, np.sqrt(m2 / np.maximum(n - 1, 1) / n), np.nan)
    return out


def still_rising(
    mean: Sequence[float] | np.ndarray,
    se: Sequence[float] | np.ndarray,
    window: int = HORIZON_WINDOW_WEEKS,
) -> bool:
    """Whether a weekly series (the mean rolling uplift) is still rising at the horizon.

    The rule: the average of the last ``window`` weeks exceeds the average of the ``window``
    weeks before by more than :data:`NOISE_MULTIPLE` standard errors of that difference, and
    by at least :data:`MATERIAL_RISE` of the last block's level. Each block's standard error is
    the average of its weekly standard errors ``se``: that counts the weeks of one run as moving
    together (the rolling uplift makes neighbouring weeks alike), which is the cautious choice.
    Horizons shorter than two blocks are never called rising: there is too little to judge.
    """
    y = np.asarray(mean, dtype=float)
    s = np.asarray(se, dtype=float)
    if len(y) < 2 * window:
        return False
    before, last = y[-2 * window : -window], y[-window:]
    if not (np.isfinite(before).any() and np.isfinite(last).any()):
        return False
    rise = float(np.nanmean(last) - np.nanmean(before))
    noise = math.hypot(_block_se(s[-2 * window : -window]), _block_se(s[-window:]))
    return rise > NOISE_MULTIPLE * noise and rise > MATERIAL_RISE * abs(float(np.nanmean(last)))


def _block_se(se: np.ndarray) -> float:
    finite = se[np.isfinite(se)]
    return float(finite.mean()) if len(finite) else 0.0


@dataclass(frozen=True)
class Option:
    """One alternative's business case, as the verdict quotes it."""

    name: str
    """The scenario's name (its key in the comparison's tables)."""
    label: str
    """What the page calls it."""
    reps: int
    cost_usd: float
    """Mean extra cost over the horizon: cash plus salaried time."""
    gain_usd: float
    """Mean extra gross profit over the horizon."""
    npv_usd: float
    npv_ci: tuple[float, float]
    """95% interval of the mean NPV."""
    npv_p10_usd: float
    """The NPV one run in ten falls below."""
    payback_week: float
    """Mean payback week of the runs that pay back (nan when none does)."""
    share_paying_back: float
    """Share of runs that pay back within the horizon (nan without a cost to pay back)."""
    rising: bool = False
    """The uplift is still growing at the horizon (:func:`still_rising`)."""
    uncertain_notes: tuple[str, ...] = ()
    """With uncertain inputs: how likely it is to pay, with its Monte Carlo error, and whether
    the case rests on the outside coach coaching better than a trained manager (the How sure
    are we? section's own sentences)."""
    runs: int = 2
    """Replications behind the figures; one run gives no interval, spread or share of runs."""


def _row(table: pd.DataFrame, name: str, metric: str) -> pd.Series:
    return table[(table.scenario == name) & (table.metric == metric)].iloc[0]


def option(
    table: pd.DataFrame,
    per_rep: pd.DataFrame,
    name: str,
    label: str,
    reps: int,
    rising: bool = False,
    uncertain_notes: Sequence[str] = (),
) -> Option:
    """The :class:`Option` of alternative ``name`` from the comparison's summary ``table`` and
    its ``per_rep`` rows (one per replication)."""
    npv = _row(table, name, "npv")
    npv_runs = per_rep.loc[per_rep.scenario == name, "npv"].dropna()
    p10 = float(npv_runs.quantile(DOWNSIDE_QUANTILE)) if len(npv_runs) else math.nan
    return Option(
        name=name,
        label=label,
        reps=reps,
        cost_usd=float(_row(table, name, "incremental_cost")["mean"]),
        gain_usd=float(_row(table, name, "incremental_gross_profit")["mean"]),
        npv_usd=float(npv["mean"]),
        npv_ci=(float(npv["ci_low"]), float(npv["ci_high"])),
        npv_p10_usd=p10,
        payback_week=float(_row(table, name, "payback_week")["mean"]),
        share_paying_back=float(_row(table, name, "prob_payback")["mean"]),
        rising=rising,
        uncertain_notes=tuple(uncertain_notes),
        runs=len(npv_runs),
    )


def pick(options: Sequence[Option]) -> Option | None:
    """The option to take: the highest expected NPV among those that pay (expected NPV above
    zero); None when none does, which means keep the status quo."""
    paying = [o for o in options if math.isfinite(o.npv_usd) and o.npv_usd > 0]
    return max(paying, key=lambda o: o.npv_usd) if paying else None


def quoted(label: str) -> str:
    """A scenario's label between curly quotes, as the report's sentences name it."""
    return f"\u201c{label}\u201d"


def _money(o: Option, weeks: int) -> str:
    """Cost, gain and payback of one option in one clause."""
    if o.cost_usd > 0:
        per_rep = f", {usd(o.cost_usd / o.reps)} per rep" if o.reps else ""
        cost = f"costs {usd(o.cost_usd)} in all (fees and salaried time{per_rep})"
    else:
        cost = f"costs nothing extra (it saves {usd(-o.cost_usd)})"
    gain = (
        f"brings {usd(o.gain_usd)} of extra gross profit"
        if o.gain_usd >= 0
        else f"loses {usd(-o.gain_usd)} of gross profit"
    )
    pays = ""
    if o.runs < 2:
        if o.cost_usd > 0 and math.isfinite(o.payback_week):
            pays = f" and pays back in week {o.payback_week:.0f}"
    elif o.cost_usd > 0 and math.isfinite(o.share_paying_back):
        if o.share_paying_back >= 0.5 and math.isfinite(o.payback_week):
            pays = (
                f" and pays back in week {o.payback_week:.0f} on average "
                f"({o.share_paying_back:.0%} of runs pay back within {weeks} weeks)"
            )
        elif o.share_paying_back > 0:
            pays = f" and only {o.share_paying_back:.0%} of runs pay back within {weeks} weeks"
        else:
            pays = f", and no run pays back within {weeks} weeks"
    return f"Over {weeks} weeks it {cost}, {gain}{pays}."


def _downside(o: Option) -> str:
    if o.runs < 2 or not math.isfinite(o.npv_p10_usd):
        return ""
    if o.npv_p10_usd < 0:
        return f"Downside: 1 run in 10 loses more than {usd(-o.npv_p10_usd)}."
    return f"Downside: 1 run in 10 ends with an NPV below {usd(o.npv_p10_usd)}, still a gain."


def _risks(o: Option, weeks: int, chosen: bool) -> list[str]:
    lines = []
    if o.runs < 2:
        lines.append(
            "These figures come from one run, one possible outcome: it gives no interval, no "
            "downside and no share of runs; run 20 replications or more (-n) before deciding."
        )
    lines.extend(o.uncertain_notes)
    lo, hi = o.npv_ci
    if math.isfinite(lo) and math.isfinite(hi) and lo < 0 < hi:
        lines.append(
            f"The runs do not yet settle whether it pays on average (expected NPV between "
            f"{usd(lo)} and {usd(hi)}): more replications (-n) would."
        )
    if o.rising:
        more = "a longer horizon would show more" if chosen else "a longer horizon may change this"
        lines.append(
            f"The programme has not reached its full effect by week {weeks}: its gain is still "
            f"growing, so {more}."
        )
    return lines


def verdict_lines(options: Sequence[Option], weeks: int, baseline_label: str) -> list[str]:
    """The verdict as plain sentences, the recommendation first."""
    best = pick(options)
    if best is not None:
        lines = [
            f"Recommendation: go ahead with {quoted(best.label)}.",
            _money(best, weeks),
            f"Expected NPV (net gain in today's money) {usd(best.npv_usd)}. "
            f"{_downside(best)}".strip(),
            *_risks(best, weeks, chosen=True),
        ]
        others = [o for o in options if o is not best]
        if len(others) == 1:
            lines.append(
                f"The other option, {quoted(others[0].label)}, has an expected NPV of "
                f"{usd(others[0].npv_usd)}."
            )
        elif others:
            lines.append(
                "The other options' expected NPVs: "
                + "; ".join(f"{quoted(o.label)} {usd(o.npv_usd)}" for o in others)
                + "."
            )
        return lines
    lines = [f"Recommendation: keep the status quo ({quoted(baseline_label)})."]
    if not options:
        return lines
    closest = max(options, key=lambda o: o.npv_usd if math.isfinite(o.npv_usd) else -math.inf)
    if len(options) == 1:
        lines.append(
            f"{quoted(closest.label)} does not pay for itself within {weeks} weeks: its "
            f"expected NPV is {usd(closest.npv_usd)}."
        )
    else:
        lines.append(
            f"None of the {len(options)} options pays for itself within {weeks} weeks. The "
            f"closest is {quoted(closest.label)}, with an expected NPV of "
            f"{usd(closest.npv_usd)}."
        )
    lines.append(_money(closest, weeks))
    if _downside(closest):
        lines.append(_downside(closest))
    lines.extend(_risks(closest, weeks, chosen=False))
    return lines


def verdict_html(options: Sequence[Option], weeks: int, baseline_label: str) -> str:
    """The verdict section that opens the page: the recommendation in bold, then the rest."""
    first, *rest = verdict_lines(options, weeks, baseline_label)
    return (
        '<section id="verdict" class="verdict"><p>'
        f"<b>{esc(first)}</b> {esc(' '.join(rest))}</p></section>"
    )


def how_to_read(baseline_label: str, roll_weeks: int, uncertain: bool) -> str:
    """The end note: the methods and their names, for whoever wants to check the numbers."""
    items = [
        "Paired runs: every option ran on the same simulated leads, meetings and deals as "
        f"{quoted(baseline_label)}, run by run (common random numbers), so the differences come "
        "from the option, not from luck.",
        "The 95% intervals in brackets are t-intervals of the mean of the paired differences "
        "across runs; shares of runs get Wilson score intervals. They say how precisely the "
        "runs pin down the average, given the model's assumptions, not how far one team's "
        "result can stray: that is the middle 80% of single runs (10th to 90th percentile).",
        "ROI is the Phillips ROI: extra gross profit less extra cost, over extra cost. The "
        "benefit-cost ratio is extra gross profit over extra cost. Costs are cash (fees, "
        "travel, training) plus salaried hours not already missing from revenue.",
        "NPV discounts each week's extra gross profit less extra cost at the scenario's annual "
        "rate. The downside in the verdict is the 10th percentile of NPV across runs.",
        "Payback week: the first week from which the cumulative extra gross profit covers the "
        "cumulative extra cost for the rest of the horizon, averaged over the runs that pay "
        "back.",
        f"The uplift chart shows {roll_weeks}-week rolling revenue uplift; its band is the 95% "
        "t-interval of the weekly mean.",
        f"Still growing at the horizon: the mean uplift of the last {HORIZON_WINDOW_WEEKS} "
        f"weeks exceeds that of the {HORIZON_WINDOW_WEEKS} weeks before by more than "
        f"{NOISE_MULTIPLE:g} standard errors (the weeks of a run counted as moving together) "
        f"and by at least {MATERIAL_RISE:.0%} of its level.",
    ]
    if uncertain:
        items.append(
            "How sure are we: the uncertain inputs are drawn on a quasi-random design. "
            "The value of knowing an input (EVPPI) is estimated by regression on the draws "
            "(Strong, Oakley and Brennan 2014). Sobol indices, first order (an input on its own) "
            "and total order (with its interactions), use scipy's estimators on a Saltelli "
            "design, with bootstrap intervals."
        )
    body = "".join(f"<li>{esc(i)}</li>" for i in items)
    return (
        f'<section id="how-to-read" class="note"><h2>How to read this</h2><ul>{body}</ul></section>'
    )
