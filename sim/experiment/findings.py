"""What the draws of a comparison with uncertain inputs say, one alternative at a time.

From the table of :func:`sim.experiment.uncertainty.draw_table` (one row per draw, replication
and alternative), :func:`findings` computes, with :mod:`sim.analysis.voi`:

- the expected NPV, ROI and uplift with the range of their draw means (what we do not know);
- P(NPV > 0) given the uncertainty (the share of draws whose NPV, averaged over luck, is
  positive; it needs two replications per draw or more) and for one team (the share of single
  runs, luck included);
- the Monte Carlo error of the expected NPV (the standard error of independent draws) and of the
  chance it pays (a Wilson interval); a quasi-random design is usually more precise than that;
- the split of one team's NPV variance into inputs and luck;
- EVPI and EVPPI per input (the decision: adopt the alternative or keep the baseline, net
  benefit = NPV), beside Spearman rank correlations of NPV with each input;
- per input, the break-even value with a bootstrap interval;
- the acceptability curves: against the outside coach's fee (re-costed, not re-run) and
  against a hurdle rate (the NPV discounted at it, kept per replication).

:func:`draws_wide` is the audit trail written to draws.csv and draws.parquet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.discovery import MIN_CASES, prim, sentences
from sim.analysis.intervals import wilson
from sim.analysis.paired import HURDLE_RATES_PCT
from sim.analysis.voi import (
    VarianceSplit,
    acceptability,
    break_even,
    break_even_interval,
    evpi,
    evppi,
    learnable_evpi,
    sobol,
    variance_split,
)
from sim.scenario import Scenario

QUALITY = "outside_coach.quality"
"""The outside coach's coaching quality: its break-even is set against a trained manager's."""

FEE_MULTIPLES = np.linspace(0.0, 3.0, 31)
"""The fees of the acceptability curve, as multiples of the fee the runs used (the curve goes
further when the break-even fee is beyond three times it)."""

ROUGH_BELOW_DRAWS = 256
"""Fewer draws than this: EVPPI and break-evens are rough (regression on few points)."""


@dataclass(frozen=True)
class BreakEven:
    """Where expected NPV, given one input (the others varying over their ranges), crosses
    zero."""

    path: str
    value: float | None
    """None: it does not cross within the range drawn."""
    interval: tuple[float, float] | None
    """95% bootstrap interval; None when the crossing itself is in doubt."""
    pays_above: bool
    """True: NPV is positive above the value (or, with no crossing, everywhere positive)."""
    low: float
    high: float
    """The range drawn."""


@dataclass(frozen=True)
class Fees:
    """The acceptability curve against the outside coach's fee."""

    unit: str
    """``per hour`` or ``per rep per month``."""
    run_fee: float
    curve: pd.DataFrame
    """fee, prob_npv_positive, npv."""
    break_even: float | None
    """The highest fee at which expected NPV is still positive (None: not in the curve)."""


@dataclass(frozen=True)
class Findings:
    """What the draws say about one alternative against the baseline."""

    name: str
    draws: int
    reps_per_draw: int
    npv: float
    npv_range: tuple[float, float]
    """5th and 95th percentiles of the draws' mean NPV."""
    roi_pct: float
    roi_range: tuple[float, float]
    uplift_pct: float
    uplift_range: tuple[float, float]
    prob_expected: float
    """Share of draws whose NPV, averaged over luck, is positive (nan with one replication per
    draw: luck cannot then be told apart from the inputs)."""
    prob_one_team: float
    """Share of single runs with a positive NPV: one team's chance, luck included."""
    npv_se: float
    """Monte Carlo error of :attr:`npv`: the standard deviation of the draws' mean NPV over the
    square root of the draws (independent draws' standard error)."""
    quality_trained: float
    """A trained manager's coaching quality in the alternative (managers.quality_trained), the
    yardstick of the outside coach's break-even quality."""
    variance: VarianceSplit
    evpi: float
    """EVPI from each draw's mean NPV: an upper bound, as the mean still holds its runs' luck."""
    evpi_learnable: float
    """EVPI with the luck taken out (:func:`sim.analysis.voi.learnable_evpi`): what knowing every
    uncertain input, not the team's luck, would be worth; nan with one replication a draw."""
    evppi: dict[str, float]
    spearman: dict[str, float]
    break_evens: list[BreakEven]
    fees: Fees | None
    hurdles: pd.DataFrame
    """hurdle_rate_pct, prob_npv_positive, npv: the NPV discounted at each hurdle rate."""
    sobol: pd.DataFrame | None = None
    """With a Saltelli design: per input, first- and total-order Sobol indices of the NPV
    (averaged over each draw's replications) with 95% intervals."""
    must_be_true: tuple[str, ...] = ()
    """What must be true for the less common outcome (failing to pay when it mostly pays, paying
    when it mostly fails), in sentences: :func:`what_must_be_true`."""

    @property
    def sobol_unsure(self) -> list[str]:
        """Inputs whose Sobol interval is wider than a tenth of the index either side (the rule
        SALib's maintainers give for enough draws)."""
        if self.sobol is None:
            return []
        out = []
        for _, r in self.sobol.iterrows():
            for kind in ("first", "total"):
                half = (r[f"{kind}_high"] - r[f"{kind}_low"]) / 2
                if r[kind] > 0.01 and not half <= 0.1 * r[kind]:
                    out.append(str(r["input"]))
                    break
        return out

    @property
    def one_run_per_draw(self) -> bool:
        """One replication per draw: P(NPV > 0) is one team's, luck and inputs together."""
        return self.reps_per_draw < 2

    @property
    def prob_pays(self) -> tuple[float, tuple[float, float]]:
        """The chance it pays that the verdict quotes, with its Monte Carlo error as a 95%
        Wilson interval over the draws: the share of draws whose mean pays with two
        replications per draw or more, else of single runs (:attr:`one_run_per_draw`)."""
        p = self.prob_one_team if self.one_run_per_draw else self.prob_expected
        return p, wilson(p * self.draws, self.draws)

    def quality_break_even(self) -> BreakEven | None:
        """The break-even of outside_coach.quality, when it was drawn."""
        return next((b for b in self.break_evens if b.path == QUALITY), None)

    @property
    def rough(self) -> bool:
        """Too few draws for the regressions (EVPPI, break-even) to be more than a guide."""
        return self.draws < ROUGH_BELOW_DRAWS


def by_draw(table: pd.DataFrame, alternative: str, column: str) -> np.ndarray:
    """(draws x replications) of one column for ``alternative``."""
    rows = table[table["scenario"] == alternative].sort_values(["draw", "replication"])
    draws = rows["draw"].nunique()
    return rows[column].to_numpy(dtype=float).reshape(draws, -1)


def _range(x: np.ndarray) -> tuple[float, float]:
    lo, hi = np.quantile(x, [0.05, 0.95])
    return float(lo), float(hi)


def _roi(gain: np.ndarray, cost: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cost > 0, (gain - cost) / cost * 100.0, np.nan)


def _fee(scenario: Scenario, paths: Sequence[str]) -> tuple[float, str] | None:
    oc = scenario.outside_coach
    if oc is None or any(p.startswith("outside_coach.fee") for p in paths):
        return None
    if oc.fee_per_hour_usd is not None:
        return oc.fee_per_hour_usd, "per hour"
    if oc.fee_per_rep_per_month_usd is not None:
        return oc.fee_per_rep_per_month_usd, "per rep per month"
    return None


def _fees(table: pd.DataFrame, name: str, scenario: Scenario, paths: Sequence[str]) -> Fees | None:
    found = _fee(scenario, paths)
    fees_pv = by_draw(table, name, "outside_fees_pv")
    if found is None or found[0] <= 0 or not (fees_pv > 0).any():
        return None
    run_fee, unit = found
    npv = by_draw(table, name, "npv")
    # expected NPV is linear in the fee: the break-even fee is where that line meets zero
    ends = acceptability(npv, fees_pv, run_fee, np.array([0.0, run_fee]))[1]
    slope = (ends[1] - ends[0]) / run_fee
    fee0 = float(-ends[0] / slope) if slope < 0 and ends[0] > 0 else None
    top = max(FEE_MULTIPLES[-1] * run_fee, 1.25 * (fee0 or 0.0))
    grid = np.linspace(0.0, top, len(FEE_MULTIPLES))
    probs, means = acceptability(npv, fees_pv, run_fee, grid)
    curve = pd.DataFrame({"fee_usd": grid, "prob_npv_positive": probs, "npv": means})
    return Fees(unit, run_fee, curve, fee0)


def _hurdles(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """P(NPV > 0) (expected over luck) and expected NPV at each hurdle rate."""
    probs, means = [], []
    for h in HURDLE_RATES_PCT:
        at = by_draw(table, name, f"npv_at_{h}pct").mean(axis=1)
        probs.append(float((at > 0).mean()))
        means.append(float(at.mean()))
    return pd.DataFrame(
        {"hurdle_rate_pct": HURDLE_RATES_PCT, "prob_npv_positive": probs, "npv": means}
    )


def _break_even(net: np.ndarray, x: np.ndarray, path: str, seed: int) -> BreakEven:
    value = break_even(net, x)
    interval = None if value is None else break_even_interval(net, x, seed)
    if value is None:
        pays_above = bool(net.mean() > 0)
    else:
        above, below = net[x > value], net[x <= value]
        pays_above = bool(above.size and (not below.size or above.mean() > below.mean()))
    return BreakEven(path, value, interval, pays_above, float(x.min()), float(x.max()))


def findings(
    table: pd.DataFrame,
    alternative: Scenario,
    paths: Sequence[str],
    seed: int = 0,
    sobol_n: int = 0,
) -> Findings:
    """The findings for ``alternative`` against the baseline (the table's own); ``sobol_n``:
    the draws are a Saltelli design of that base size (:func:`sim.analysis.voi.sobol`)."""
    name = alternative.name or "scenario"
    npv = by_draw(table, name, "npv")
    mean_npv = npv.mean(axis=1)
    gain = by_draw(table, name, "incremental_gross_profit").mean(axis=1)
    cost = by_draw(table, name, "incremental_cost").mean(axis=1)
    roi = _roi(gain, cost)
    uplift = by_draw(table, name, "revenue_uplift_pct").mean(axis=1)
    net = np.column_stack([np.zeros_like(mean_npv), mean_npv])
    rows = table[table["scenario"] == name]
    params = rows.groupby("draw")[list(paths)].first()
    perfect = evpi(net)
    learnable = learnable_evpi(npv)
    bound = perfect if learnable is None else learnable
    evppis, ranks, evens = {}, {}, []
    for p in paths:
        x = params[p].to_numpy(dtype=float)
        if np.ptp(x) == 0:
            continue
        # EVPPI cannot exceed EVPI (the learnable one where there is one: the regression takes
        # the luck out too); a regression on few draws can overshoot it
        evppis[p] = min(evppi(net, x), bound)
        ranks[p] = float(pd.Series(x).corr(pd.Series(mean_npv), method="spearman"))
        evens.append(_break_even(mean_npv, x, p, seed))
    finite_roi = roi[np.isfinite(roi)]
    return Findings(
        name=name,
        draws=npv.shape[0],
        reps_per_draw=npv.shape[1],
        npv=float(mean_npv.mean()),
        npv_range=_range(mean_npv),
        roi_pct=float(_roi(np.array([gain.mean()]), np.array([cost.mean()]))[0]),
        roi_range=_range(finite_roi) if finite_roi.size else (np.nan, np.nan),
        uplift_pct=float(uplift.mean()),
        uplift_range=_range(uplift),
        prob_expected=float((mean_npv > 0).mean()) if npv.shape[1] > 1 else math.nan,
        prob_one_team=float((npv > 0).mean()),
        npv_se=float(mean_npv.std(ddof=1) / math.sqrt(len(mean_npv))),
        quality_trained=alternative.managers.quality_trained,
        variance=variance_split(npv) if npv.shape[1] > 1 else VarianceSplit(np.nan, np.nan),
        evpi=perfect,
        evpi_learnable=math.nan if learnable is None else learnable,
        evppi=evppis,
        spearman=ranks,
        break_evens=evens,
        fees=_fees(table, name, alternative, paths),
        hurdles=_hurdles(table, name),
        sobol=_sobol(mean_npv, paths, sobol_n, seed, _noise(npv)) if sobol_n else None,
        must_be_true=what_must_be_true(params[[p for p in paths if p in evppis]], mean_npv, seed),
    )


def what_must_be_true(inputs: pd.DataFrame, npv: np.ndarray, seed: int = 0) -> tuple[str, ...]:
    """Scenario discovery on the draws (:func:`sim.analysis.discovery.prim`): the conditions on
    the uncertain inputs under which the less common outcome happens, as sentences. The less
    common outcome is the one that would change the decision: where an option mostly pays, what
    must be true for it to fail, and the other way round. With too few draws of it, one sentence
    says so."""
    npv = np.asarray(npv, dtype=float)
    pays = npv > 0
    mostly = bool(pays.mean() >= 0.5)
    target, outcome = (~pays, "it fails to pay") if mostly else (pays, "it pays")
    hits, n = int(target.sum()), len(npv)
    if inputs.shape[1] == 0:
        return ()
    if hits == 0:
        return (f"It {'pays' if mostly else 'fails to pay'} in all {n} worlds drawn.",)
    if hits < MIN_CASES:
        return (
            f"{outcome[:1].upper()}{outcome[1:]} in only {hits} of the {n} worlds drawn: too few "
            "to say what must be true for that.",
        )
    found = prim(inputs.reset_index(drop=True), target, seed=seed)
    return tuple(sentences(found, outcome))


def _noise(npv: np.ndarray) -> float:
    """The luck left in a draw's mean NPV: the within-draw variance over the replications."""
    reps = npv.shape[1]
    return variance_split(npv).luck / reps if reps > 1 else 0.0


def _sobol(y: np.ndarray, paths: Sequence[str], n: int, seed: int, noise: float) -> pd.DataFrame:
    found = sobol(y, n, len(paths), seed, noise)
    return pd.DataFrame(
        {
            "input": list(paths),
            "first": found.first,
            "first_low": found.first_interval[:, 0],
            "first_high": found.first_interval[:, 1],
            "total": found.total,
            "total_low": found.total_interval[:, 0],
            "total_high": found.total_interval[:, 1],
        }
    )


SUMMARY_COLUMNS = (
    "npv",
    "roi_pct",
    "revenue_uplift_pct",
    "incremental_gross_profit",
    "incremental_cost",
    "outside_fees_pv",
)
"""The metrics draws.csv keeps per draw and alternative (means over the draw's replications)."""


def draws_wide(table: pd.DataFrame, paths: Sequence[str]) -> pd.DataFrame:
    """One row per draw: its input values, then each alternative's metrics (means over the
    draw's replications) and its share of replications with a positive NPV, as
    ``metric [scenario]``."""
    out = table.groupby("draw")[list(paths)].first().reset_index()
    for name, rows in table.groupby("scenario", sort=False):
        g = rows.groupby("draw")
        means = g[list(SUMMARY_COLUMNS)].mean()
        means["share_npv_positive"] = g["npv"].apply(lambda x: float((x > 0).mean()))
        means.columns = [f"{c} [{name}]" for c in means.columns]
        out = out.merge(means.reset_index(), on="draw")
    return out


def findings_table(found: Sequence[Findings]) -> pd.DataFrame:
    """uncertainty.csv: one row per (scenario, measure, input): value and its range or
    interval, in the units the measure names."""
    rows: list[dict[str, object]] = []

    def add(
        f: Findings,
        measure: str,
        value: float | None,
        low: float | None = None,
        high: float | None = None,
        input_: str = "",
    ) -> None:
        rows.append(
            {
                "scenario": f.name,
                "measure": measure,
                "input": input_,
                "value": value,
                "low": low,
                "high": high,
            }
        )

    for f in found:
        add(f, "expected_npv_usd (90% of draws)", f.npv, *f.npv_range)
        add(f, "expected_npv_usd monte_carlo_se", f.npv_se)
        add(f, "roi_pct (90% of draws)", f.roi_pct, *f.roi_range)
        add(f, "revenue_uplift_pct (90% of draws)", f.uplift_pct, *f.uplift_range)
        add(f, "prob_npv_positive_given_uncertainty", f.prob_expected)
        add(f, "prob_npv_positive_one_team", f.prob_one_team)
        chance, (chance_low, chance_high) = f.prob_pays
        add(
            f,
            "prob_npv_positive as the verdict quotes it (95% monte_carlo interval)",
            chance,
            chance_low,
            chance_high,
        )
        add(f, "variance_share_inputs", f.variance.share_parameters)
        add(f, "evpi_usd", f.evpi)
        if math.isfinite(f.evpi_learnable):
            add(f, "evpi_learnable_usd", f.evpi_learnable)
        for p, v in f.evppi.items():
            add(f, "evppi_usd", v, input_=p)
            add(f, "spearman_npv", f.spearman[p], input_=p)
        for b in f.break_evens:
            lo, hi = b.interval or (None, None)
            add(
                f,
                "break_even (pays above)" if b.pays_above else "break_even (pays below)",
                b.value,
                lo,
                hi,
                b.path,
            )
        if f.fees is not None:
            add(f, f"break_even_fee_usd {f.fees.unit}", f.fees.break_even)
        if f.sobol is not None:
            for _, r in f.sobol.iterrows():
                for kind in ("first", "total"):
                    add(
                        f,
                        f"sobol_{kind}_order",
                        r[kind],
                        r[f"{kind}_low"],
                        r[f"{kind}_high"],
                        r["input"],
                    )
    return pd.DataFrame(rows, columns=["scenario", "measure", "input", "value", "low", "high"])
