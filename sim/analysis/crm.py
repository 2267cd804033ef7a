"""Estimates of a team's own figures from its CRM deals, each with a 95% interval and the number
of records behind it.

Every interval is a percentile bootstrap: deals resampled for the figures of deals (a stage's
conversion and time to advance, the booked deal size), owners resampled for the figures of reps
(opportunities created per rep per week), so a few prolific reps cannot make the team look
surer than it is. Days are working days, as the model's weeks are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.analysis.stages import stage_fit

RESAMPLES = 400
"""Bootstrap resamples per interval."""
WORKING_DAYS_PER_WEEK = 5


@dataclass(frozen=True)
class Estimate:
    """A figure, its 95% interval, and how many records it rests on."""

    value: float
    low: float
    high: float
    n: int


def _bootstrap(
    statistic: Callable[[np.ndarray], float], n: int, seed: int, resamples: int = RESAMPLES
) -> tuple[float, float]:
    """95% percentile interval of ``statistic(indices)`` over ``n`` records resampled (none
    with no resamples)."""
    rng = np.random.default_rng(seed)
    return _interval([statistic(rng.integers(0, n, n)) for _ in range(resamples)], resamples)


def _interval(values: list[float], resamples: int) -> tuple[float, float]:
    """The 2.5% and 97.5% points of resampled values, or nan if fewer than 90% are finite."""
    v = np.array(values, dtype=float)
    v = v[np.isfinite(v)]
    if not resamples or len(v) < 0.9 * resamples:
        return math.nan, math.nan
    low, high = np.quantile(v, [0.025, 0.975])
    return float(low), float(high)


def deal_size(
    amounts: np.ndarray, seed: int = 0, resamples: int = RESAMPLES
) -> tuple[Estimate, Estimate]:
    """The mean booked deal and its coefficient of variation, from won deals' amounts."""
    x = np.asarray(amounts, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < 2:
        raise ValueError("need at least two won deals with an amount")

    def cv(i: np.ndarray) -> float:
        return float(np.std(x[i], ddof=1) / np.mean(x[i]))

    mean = Estimate(
        float(x.mean()),
        *_bootstrap(lambda i: float(x[i].mean()), len(x), seed, resamples),
        len(x),
    )
    spread = Estimate(cv(np.arange(len(x))), *_bootstrap(cv, len(x), seed + 1, resamples), len(x))
    return mean, spread


def lead_rate(
    owners: np.ndarray,
    created: np.ndarray,
    start: np.datetime64,
    end: np.datetime64,
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> Estimate:
    """Opportunities created per rep per working week between ``start`` and ``end``, over the
    owners who created any; the interval resamples owners. ``n`` is the number of owners."""
    c = np.asarray(created, dtype="datetime64[D]")
    inside = (c >= start) & (c < end)
    names, counts = np.unique(np.asarray(owners)[inside], return_counts=True)
    weeks = np.busday_count(start, end) / WORKING_DAYS_PER_WEEK
    if not len(names) or weeks <= 0:
        raise ValueError("no opportunities created in the window")
    per = counts / weeks

    def rate(i: np.ndarray) -> float:
        return float(per[i].mean())

    return Estimate(
        rate(np.arange(len(per))), *_bootstrap(rate, len(per), seed, resamples), len(per)
    )


def stage_estimates(
    days: np.ndarray, outcome: np.ndarray, seed: int = 0, resamples: int = RESAMPLES
) -> tuple[Estimate, Estimate, Estimate]:
    """A stage's conversion, mean working days to advance and mean working days in the stage
    whatever the outcome (:func:`stage_fit`), with intervals from resampled deals; ``n`` is the
    number of deals that entered the stage."""
    d, o = np.asarray(days, dtype=float), np.asarray(outcome, dtype=int)
    n = len(d)
    # Deals resampled as counts of their distinct (days, outcome) pairs: the same resamples,
    # at the cost of the few hundred pairs instead of every deal.
    cells, counts = np.unique(np.column_stack([d, o]), axis=0, return_counts=True)
    cd, co = cells[:, 0], cells[:, 1].astype(int)
    fit = stage_fit(cd, co, counts)
    rng = np.random.default_rng(seed)
    fits = [stage_fit(cd, co, rng.multinomial(n, counts / n)) for _ in range(resamples if n else 0)]
    fields = ("conversion", "mean_days_to_advance", "mean_days_in_stage")
    return tuple(  # type: ignore[return-value]
        Estimate(
            getattr(fit, f), *_interval([getattr(x, f) for x in fits], resamples if n else 0), n
        )
        for f in fields
    )


def top20_share(revenue: np.ndarray) -> float:
    """The top 20% of reps' share of the team's revenue (at least one rep counts as the top)."""
    r = np.sort(np.asarray(revenue, dtype=float))[::-1]
    total = r.sum()
    if total <= 0:
        return math.nan
    top = max(1, round(0.2 * len(r)))
    return float(r[:top].sum() / total)


SIGMAS = np.linspace(0.0, 2.5, 51)
"""Spreads of log ability over which the observed concentration is inverted."""
Z80 = 0.8416212335729143
"""The standard normal's 80th percentile."""


def lognormal_top20(sigma: np.ndarray | float) -> np.ndarray:
    """The top 20%'s share of a lognormal population of log spread ``sigma``: Phi(sigma - z80)."""
    from scipy.special import ndtr

    return np.asarray(ndtr(np.asarray(sigma, dtype=float) - Z80), dtype=float)


def concentration(
    owners: np.ndarray, amounts: np.ndarray, seed: int = 0, sims: int = 60
) -> tuple[Estimate, float]:
    """The top 20% of reps' share of revenue in the long run, and the share in the data.

    With few reps and few deals each, the share in the data mixes ability with luck (and, with
    few reps, the top 20% is one or two people). So the estimate inverts a simulation of the
    data: for each spread of (lognormal) ability, deals are dealt to as many reps in proportion
    to ability, with amounts drawn from the data's, and the mean share is taken; the spread whose
    mean share is the data's is the estimate, reported as the share a whole population of reps
    of that spread gives, the figure a scenario's ``team.top20_revenue_share`` means. The interval
    resamples reps."""
    names, which = np.unique(np.asarray(owners), return_inverse=True)
    a = np.asarray(amounts, dtype=float)
    reps = len(names)
    if reps < 3:
        raise ValueError("need won deals of at least three reps")
    revenue = np.bincount(which, weights=a)
    raw = top20_share(revenue)
    rng = np.random.default_rng(seed)
    expected = []
    for sigma in SIGMAS:
        shares = []
        for _ in range(sims):
            ability = rng.lognormal(0.0, sigma, reps)
            # deals dealt in proportion to ability (how many each rep gets), then amounts
            # drawn from the data's and added up rep by rep
            counts = rng.multinomial(len(a), ability / ability.sum())
            amounts = a[rng.integers(0, len(a), len(a))]
            owner = np.repeat(np.arange(reps), counts)
            shares.append(top20_share(np.bincount(owner, amounts, reps)))
        expected.append(float(np.mean(shares)))
    curve = np.maximum.accumulate(np.array(expected))  # for the inversion: never falling

    def population(i: np.ndarray) -> float:
        share = top20_share(revenue[i])
        return float(lognormal_top20(np.interp(share, curve, SIGMAS)))

    value = population(np.arange(reps))
    return Estimate(value, *_bootstrap(population, reps, seed), reps), raw
