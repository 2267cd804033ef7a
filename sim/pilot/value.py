"""What each candidate pilot is worth, and the recommendation: roll out now, pilot, or do nothing.

Per draw ``i`` of the uncertain inputs, ``N_i`` is the expected NPV of rolling the option out to
every team for the whole horizon of ``H`` weeks (from the comparison's runs of that draw), and
``S_i`` what the simulated pilot of that draw shows (:mod:`sim.pilot.design`): the coached teams'
change in the chosen metric less the others'. Deciding now is worth ``max(0, E[N])``. A pilot of
``K`` of ``M`` teams for ``T`` weeks, then the decision for everyone, is worth

    (K/M)(T/H) E[N]                         what the coached teams gain (or lose) during it
  + ((H - T)/H) E_S[max(0, E[N | S])]       the decision made knowing S, for the weeks left

so its expected net benefit against deciding now is

    ENBS = (K/M)(T/H) E[N] + ((H - T)/H) EVSI - (T/H) max(0, E[N])

with ``EVSI = E_S[max(0, E[N | S])] - max(0, E[N])`` by the regression method (Strong, Oakley,
Brennan and Breeze 2015: :func:`sim.analysis.voi.evsi`, here a cubic of ``N`` on ``S``, less
what the same regression finds in shuffled results that tell nothing, and none unless it beats
19 of 20 of those), and the last term the delay: the weeks in which the teams not in the pilot
go without a programme that is, on what is known now, worth having. The option's worth is taken
to accrue evenly over the horizon (a simplification: coaching's gains build up, so a late start
loses a little more than the weeks it misses, and discounting is not redone for the delay).

The decision rule to fix before the pilot starts is where ``E[N | S]`` crosses zero: roll out if
the pilot shows at least that (the same cubic). Power is the share
of draws whose pilot's t test finds a gain at the chosen level; the minimum detectable effect is
``(t(1 - alpha/2) + t(0.8)) x`` the pilot's typical standard error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.voi import evpi, first_crossing, learnable_evpi, normal_evpi, smooth
from sim.pilot.design import Plan

NEAR_OPTIMAL = 0.05
"""Designs within this share of the best expected net benefit form the near-optimal band
(as the R package voi's enbs reports it)."""
POWER_TARGET = 0.8
"""The power the minimum detectable effect is stated at."""


@dataclass(frozen=True)
class Valuation:
    """Every candidate pilot's figures, and the choice."""

    designs: pd.DataFrame
    """One row per (teams, weeks): see :func:`value_designs`."""
    expected_npv: float
    """E[N]: rolling out now to everyone, for the whole horizon."""
    evpi: float
    """Knowing everything before deciding, for the whole horizon (luck included: an upper
    bound)."""
    draws: int
    metric: str
    managers: int
    horizon: int
    evpi_learnable: float | None = None
    """The same with the runs' luck taken out (:func:`sim.analysis.voi.learnable_evpi`); None
    with one replication a draw."""

    @property
    def decide_now(self) -> str:
        """What deciding now chooses: ``roll out`` or ``do nothing``."""
        return "roll out" if self.expected_npv > 0 else "do nothing"

    @property
    def top(self) -> pd.Series:
        """The design with the highest ENBS, whether or not it beats deciding now."""
        return self.designs.iloc[int(self.designs["enbs"].to_numpy().argmax())]

    @property
    def best(self) -> pd.Series | None:
        """The design with the highest ENBS, if it beats deciding now."""
        top = self.top
        return top if top["enbs"] > 0 else None

    @property
    def recommendation(self) -> str:
        """``pilot``, ``roll out`` or ``do nothing``."""
        return "pilot" if self.best is not None else self.decide_now


def _summary(pilots: pd.DataFrame, teams: int, weeks: int, draws: int) -> pd.DataFrame:
    rows = pilots[(pilots["teams"] == teams) & (pilots["weeks"] == weeks)].set_index("draw")
    return rows.reindex(range(draws))


def value_designs(
    npv: np.ndarray,
    pilots: pd.DataFrame,
    plan: Plan,
    managers: int,
    horizon: int,
    metric: str = "stage_progress",
    runs: np.ndarray | None = None,
) -> Valuation:
    """The figures of every design in ``pilots`` (:func:`sim.pilot.design.simulate_pilots`)
    against ``npv``, the expected NPV of rolling out for the whole horizon in each draw.

    Columns: ``teams``, ``weeks``; ``expected_effect`` (the mean pilot result); ``power`` (share
    of draws whose pilot shows a significant gain) and ``power_if_it_pays`` (among draws where
    the option pays); ``mde`` (the effect the pilot detects with 80% power); ``evsi`` (for the
    weeks left after the pilot); ``gain_during`` and ``delay_cost``; ``enbs`` and
    ``prob_pilot_pays`` (share of draws in which piloting ends better than deciding now);
    ``rule`` (the result above which to roll out; nan when no result would change the decision,
    then ``rule_says`` gives the decision) and ``near_optimal``."""
    npv = np.asarray(npv, dtype=float)
    n = len(npv)
    mean = float(npv.mean())
    now = max(0.0, mean)
    table = np.column_stack([np.zeros(n), npv])
    rows = []
    for k in plan.sizes:
        for t in plan.lengths:
            r = _summary(pilots, k, t, n)
            s = r[metric].to_numpy(dtype=float)
            seen = np.isfinite(s)
            s_filled = np.where(seen, s, np.nanmean(s) if seen.any() else 0.0)
            # E[N | S] by the regression of sim.analysis.voi.evsi, kept for the rule and the
            # draw-by-draw decisions as well (one fit for all three). A cubic, as for the
            # break-evens: a flexible fit puts a crossing wherever noise wiggles it, and
            # overfitting biases EVSI up.
            if seen.sum() > 3 and np.ptp(s_filled) > 0:
                fitted = smooth(s_filled, npv, 0)
            else:
                fitted = np.full(n, mean)
            raw = _gain_of_knowing(fitted)
            chance, chance_high = _chance(s_filled, npv) if np.ptp(s_filled) > 0 else (0.0, 0.0)
            distinct = raw > chance_high
            info = max(0.0, raw - chance) if distinct else 0.0
            if not distinct:  # the result cannot be told from chance: it would change nothing
                fitted = np.full(n, mean)
            left, share = (horizon - t) / horizon, k / managers
            gain_during = share * (t / horizon) * mean
            delay = (t / horizon) * now
            enbs = gain_during + left * info - delay
            after = np.where(fitted > 0, npv, 0.0)
            realised = share * (t / horizon) * npv + left * after - (npv if mean > 0 else 0.0)
            rule = first_crossing(s_filled, fitted)
            p = r[f"{metric}_p"].to_numpy(dtype=float)
            clear = (p < plan.alpha) & (s > 0)
            se = float(np.nanmedian(r[f"{metric}_se"].to_numpy(dtype=float)))
            df = managers - 2
            mde = (stats.t.ppf(1 - plan.alpha / 2, df) + stats.t.ppf(POWER_TARGET, df)) * se
            pays = npv > 0
            rows.append(
                {
                    "teams": k,
                    "weeks": t,
                    "expected_effect": float(np.nanmean(s)) if seen.any() else math.nan,
                    "se": se,
                    "mde": float(mde),
                    "power": float(clear[seen].mean()) if seen.any() else math.nan,
                    "power_if_it_pays": float(clear[seen & pays].mean())
                    if (seen & pays).any()
                    else math.nan,
                    "evsi": left * info,
                    "evsi_chance": left * chance,
                    "evsi_gaussian": left * gaussian_evsi(npv, s_filled),
                    "result_informative": bool(distinct),
                    "gain_during": gain_during,
                    "delay_cost": delay,
                    "enbs": enbs,
                    "prob_pilot_pays": float((realised > 0).mean()),
                    "rule": math.nan if rule is None else rule,
                    "rule_says": ""
                    if rule is not None
                    else ("roll out" if mean > 0 else "do nothing"),
                    "missing_results": int((~seen).sum()),
                }
            )
    designs = pd.DataFrame(rows)
    top = designs["enbs"].max() if not designs.empty else math.nan
    designs["near_optimal"] = (top > 0) & (designs["enbs"] >= top - NEAR_OPTIMAL * abs(top))
    return Valuation(
        designs=designs,
        expected_npv=mean,
        evpi=evpi(table),
        draws=n,
        metric=metric,
        managers=managers,
        horizon=horizon,
        evpi_learnable=None if runs is None else learnable_evpi(runs),
    )


CHANCE_SHUFFLES = 20
"""Shuffles of the pilots' results against the draws that estimate what the regression finds
in a result that tells nothing."""


def _gain_of_knowing(fitted: np.ndarray) -> float:
    """``E[max(0, E[N | S])] - max(0, E[N])`` from the fitted ``E[N | S]`` of every draw."""
    return max(0.0, float(np.maximum(fitted, 0.0).mean()) - max(0.0, float(fitted.mean())))


def _chance(summary: np.ndarray, npv: np.ndarray) -> tuple[float, float]:
    """The EVSI the regression finds by chance: its mean and 95th percentile over results
    shuffled against the draws (which then tell nothing). A regression overfits its draws a
    little, and its EVSI, never negative, is biased up by as much: with 4000 draws of a blind
    pilot, 1.4% of EVPI, enough to recommend a worthless pilot when deciding now is a close
    call. The mean is subtracted; an EVSI below the percentile counts as none."""
    rng = np.random.default_rng(0)
    found = [
        _gain_of_knowing(smooth(rng.permutation(summary), npv, 0)) for _ in range(CHANCE_SHUFFLES)
    ]
    return float(np.mean(found)), float(np.quantile(found, 0.95))


def gaussian_evsi(npv: np.ndarray, summary: np.ndarray) -> float:
    """The EVSI of a pilot if the NPV and the pilot's result were jointly normal: the expected
    NPV given the result is then linear in it, and before the pilot it is normal with the mean
    of the NPV and a standard deviation of ``|cov(NPV, result)| / sd(result)`` (the draws' luck
    in the NPV, independent of the result, drops out of the covariance), so EVSI is
    :func:`sim.analysis.voi.normal_evpi` of that. The check on the regression's EVSI (in the
    spirit of Jalal and Alarid-Escudero 2018's approximation)."""
    s = np.asarray(summary, dtype=float)
    sd = float(np.std(s))
    if sd == 0.0:
        return 0.0
    cov = float(np.mean((npv - npv.mean()) * (s - s.mean())))
    return normal_evpi(float(npv.mean()), abs(cov) / sd)


def what_it_teaches(inputs: Mapping[str, np.ndarray], summary: np.ndarray) -> pd.DataFrame:
    """How much a pilot's result would narrow each uncertain input: the share of the input's
    variance its regression on the result explains (a cubic; R^2 adjusted for chance), and the
    spread left, as a share of the spread before (``sqrt(1 - R^2)``: 1, nothing learnt; 0,
    everything)."""
    s = np.asarray(summary, dtype=float)
    seen = np.isfinite(s)
    rows = []
    for path, x in inputs.items():
        x = np.asarray(x, dtype=float)[seen]
        if len(x) < 3 or np.ptp(x) == 0 or np.ptp(s[seen]) == 0:
            r2 = 0.0
        else:
            fitted = smooth(s[seen], x, 0)
            raw = float(np.var(fitted) / np.var(x))
            # Adjusted for the cubic's 3 slopes: a result unrelated to the input explains about
            # 3/n of its variance by chance, 5% with 64 draws.
            r2 = max(0.0, min(1.0, 1.0 - (1.0 - raw) * (len(x) - 1) / (len(x) - 4)))
        rows.append({"input": path, "explained": r2, "spread_left": math.sqrt(1.0 - r2)})
    return pd.DataFrame(rows).sort_values("spread_left", kind="stable").reset_index(drop=True)
