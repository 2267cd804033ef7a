"""Ranking and selection: which of many plans is best, with a stated confidence, on common random
numbers.

Kim and Nelson's fully sequential procedure (KN; Kim and Nelson 2001, "A fully sequential
procedure for indifference-zone selection in simulation", ACM TOMACS 11(3)). Each plan's
observations are its net benefits in the draws of the uncertain inputs, every plan run on the same
draws and the same luck (common random numbers), so plan ``i``'s ``r``-th observation and plan
``l``'s are paired. After a first stage of ``n0`` draws of every plan,

    eta = 1/2 [(2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1],   h2 = 2 eta (n0 - 1),

``S2[i, l]`` is the sample variance of the differences ``X_i - X_l`` over the first ``n0`` draws,
and after each draw ``r >= n0`` plan ``i`` is eliminated if its mean is below some surviving
``l``'s by more than

    W[i, l](r) = max(0, delta / (2 r) * (h2 S2[i, l] / delta**2 - r)).

The procedure stops when one plan is left; then, if the best plan is at least ``delta`` better
than every other, it is the one left with probability at least ``1 - alpha``. It works on the
variance of differences, so it stays valid with common random numbers, and common random numbers
shrink that variance and with it the draws needed (Goldsman and Nelson, WSC 2001 tutorial). No
plan needs more than ``floor(h2 S2 / delta**2) + 1`` draws: there ``W`` is 0 and the higher mean
wins. :func:`kn_select` is the procedure on a table of observations, taking draws in order and
never looking ahead, so its eliminations are the same however the draws were run and in what
batches.

Two screens frame it (:func:`select_best`): the screen-to-the-best of Nelson, Swann, Goldsman and
Song (2001) on the first ``n0`` draws, which drops at once plans far behind the best, and the same
screen on all the draws when the search reaches its most draws with more than one plan left; the
error ``alpha`` is split equally between the three steps.

Checked by a planted-best test (one plan ``delta`` better than many equal ones, found in at least
``1 - alpha`` of seeds). The Python package sim-tools has a KN, but in the revision read its pair
index looked wrong for ``l < i`` and its KN++ ignores common random numbers
(``../shared/DECISIONS.md``), so the procedure is written out here, with the test that would have
caught either fault.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats


def kn_constants(k: int, n0: int, alpha: float) -> tuple[float, float]:
    """``(eta, h2)`` of KN for ``k`` plans, ``n0`` first-stage draws and error ``alpha``."""
    if k < 2:
        return 0.0, 0.0
    eta = 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return eta, 2.0 * eta * (n0 - 1)


def most_draws(s2: float, delta: float, h2: float) -> int:
    """The most draws KN takes to separate two plans whose differences vary by ``s2``."""
    return math.floor(h2 * s2 / delta**2) + 1


@dataclass(frozen=True)
class Selection:
    """Where the procedure stands after the draws it has seen."""

    survivors: tuple[int, ...]
    """Plans not eliminated, by index; one when the procedure has finished."""
    eliminated_at: dict[int, int]
    """Plan -> the draw count at which it was eliminated (its last draw used)."""
    draws_seen: int
    """Draws the survivors have (the procedure's ``r``)."""
    h2: float
    finished: bool
    """One plan left."""
    needed: int
    """The most draws the survivors can still need (``floor(h2 S2 / delta**2) + 1``, the largest
    over surviving pairs)."""


def screen(
    observations: np.ndarray, n0: int, delta: float, alpha: float, k: int | None = None
) -> np.ndarray:
    """The plans that pass the screen on the first ``n0`` draws (a mask): plan ``i`` stays
    unless some plan ``l``'s mean beats it by more than ``max(0, t S[i, l] / sqrt(n0) - delta)``,
    ``S[i, l]`` the standard deviation of their paired differences and ``t`` the Student quantile
    at ``1 - alpha / (k - 1)`` with ``n0 - 1`` degrees of freedom (the screen-to-the-best of
    Nelson, Swann, Goldsman and Song 2001, "Simple procedures for selecting the best simulated
    system when the number of alternatives is large", Operations Research 49(6); on paired
    differences, so valid with common random numbers). It keeps the best with probability at
    least ``1 - alpha`` and, unlike KN's first look, throws out at once a plan far below the best
    even when the two differ a lot from draw to draw. ``k``: the number of plans the Bonferroni
    count is over, if more than the columns given (a screen of the plans some earlier step left
    must count all the plans, as which are left depends on the same draws)."""
    x = np.asarray(observations, dtype=float)[:n0]
    if x.shape[1] == 1:
        return np.ones(1, dtype=bool)
    count = max(k or 0, x.shape[1])
    t = float(stats.t.ppf(1.0 - alpha / (count - 1), n0 - 1))
    means = x.mean(axis=0)
    s = (x[:, :, None] - x[:, None, :]).std(axis=0, ddof=1)
    w = np.maximum(0.0, t * s / math.sqrt(n0) - delta)
    gap = means[None, :] - means[:, None]  # [i, l] = mean_l - mean_i
    beaten = (gap > w) & ~np.eye(x.shape[1], dtype=bool)
    return np.asarray(~beaten.any(axis=1), dtype=bool)


def kn_select(
    observations: np.ndarray,
    available: np.ndarray,
    n0: int,
    delta: float,
    alpha: float,
    alive: np.ndarray | None = None,
) -> Selection:
    """KN on ``observations`` (draws x plans; higher is better), where plan ``j`` has its first
    ``available[j]`` draws, starting from the plans ``alive`` (a mask; all by default, or those
    :func:`screen` kept). Its constants are those of all the plans, so the bound on the chance of
    losing the best to any one other plan holds whichever plans start. Draws are taken in order
    while every survivor has the next; the first ``n0`` must be there for every plan. Returns
    where the procedure stands: the plans still in, and when the others went out. Call again with
    more draws of the survivors to go on: the result depends on the observations alone, never on
    how they arrived."""
    x = np.asarray(observations, dtype=float)
    have = np.asarray(available, dtype=int)
    k = x.shape[1]
    alive = np.ones(k, dtype=bool) if alive is None else np.array(alive, dtype=bool)
    out: dict[int, int] = {int(j): n0 for j in np.flatnonzero(~alive)}
    if alive.sum() == 1:
        return Selection((int(np.flatnonzero(alive)[0]),), out, n0, 0.0, True, n0)
    if n0 < 2 or (have[alive] < n0).any():
        raise ValueError(f"every plan needs its first {n0} draws (n0 at least 2)")
    if delta <= 0:
        raise ValueError("delta (the indifference zone) must be positive")
    _, h2 = kn_constants(k, n0, alpha)
    first = x[:n0]
    diffs = first[:, :, None] - first[:, None, :]
    s2 = diffs.var(axis=0, ddof=1)
    sums = first.sum(axis=0)
    settle = h2 * s2 / delta**2  # past this many draws W is 0 and the higher mean wins
    r = n0
    while True:
        means = sums / r
        w = np.maximum(0.0, delta / (2.0 * r) * (h2 * s2 / delta**2 - r))
        idx = np.flatnonzero(alive)
        # i goes if, for some surviving l, mean_i < mean_l - W[i, l] (all judged on draw r);
        # a pair past its most draws with equal means (plans that do the same) is settled for
        # the first of them, so that the procedure ends as its bound says it does
        gap = means[idx][None, :] - means[idx][:, None]  # [i, l] = mean_l - mean_i
        pair = np.ix_(idx, idx)
        tied = (gap == 0) & (r >= settle[pair]) & (idx[:, None] > idx[None, :])
        beaten = ((gap > w[pair]) | tied) & ~np.eye(len(idx), dtype=bool)
        gone = idx[beaten.any(axis=1)]
        for i in gone:
            out[int(i)] = r
        alive[gone] = False
        idx = np.flatnonzero(alive)
        if len(idx) == 1 or r >= have[idx].min():
            break
        sums[idx] += x[r, idx]
        r += 1
    idx = np.flatnonzero(alive)
    pair = s2[np.ix_(idx, idx)]
    needed = most_draws(float(pair.max()), delta, h2) if len(idx) > 1 else r
    return Selection(tuple(int(i) for i in idx), out, r, h2, len(idx) == 1, needed)


def select_best(
    observations: np.ndarray,
    available: np.ndarray,
    n0: int,
    delta: float,
    alpha: float,
    cap: int,
) -> Selection:
    """The whole procedure as the search runs it, on the draws there are so far: the screen on
    the first ``n0`` draws, KN from the plans it keeps, and, if KN has not finished when the
    survivors reach ``cap`` draws (fixed before the search), the screen again on all ``cap``
    draws of the plans left. The error is split in three (Bonferroni): each step loses the best
    with probability at most ``alpha / 3``, whatever the others do, so the best plan, if it is
    ``delta`` better than every other, is the one chosen with probability at least
    ``1 - alpha``. The last screen is there because KN's continuation region closes only at
    ``h2 S2 / delta**2`` draws: a plan millions behind the best but swinging by millions against
    it from draw to draw stays in long after a t bound on the same draws has ruled it out."""
    x = np.asarray(observations, dtype=float)
    passed = screen(x, n0, delta, alpha / 3)
    sel = kn_select(x, available, n0, delta, alpha / 3, passed)
    if sel.finished or sel.draws_seen < cap:
        return sel
    left = np.array(sel.survivors)
    kept = screen(x[:cap, left], cap, delta, alpha / 3, k=x.shape[1])
    out = dict(sel.eliminated_at)
    out.update({int(j): cap for j in left[~kept]})
    survivors = tuple(int(j) for j in left[kept])
    return replace(sel, survivors=survivors, eliminated_at=out, finished=len(survivors) == 1)


def prob_best(observations: np.ndarray, plans: list[int], draws: int, seed: int = 0) -> np.ndarray:
    """How often each of ``plans`` has the highest mean in bootstrap resamples of the first
    ``draws`` draws (whole draws, so the plans stay paired; 2000 resamples, ties shared): a rough
    measure of how sure the draws make us which is best, optimistic for a plan chosen as the best
    on the same draws."""
    x = np.asarray(observations, dtype=float)[:draws][:, plans]
    if len(plans) == 1:
        return np.ones(1)
    rng = np.random.default_rng(seed)
    wins = np.zeros(len(plans))
    for _ in range(2000):
        pick = rng.integers(0, draws, draws)
        means = x[pick].mean(axis=0)
        top = means == means.max()
        wins += top / top.sum()  # ties shared
    return wins / 2000.0


def best_by_draw(observations: np.ndarray, draws: int) -> np.ndarray:
    """Each plan's share of the first ``draws`` draws in which it is the best (ties shared)."""
    x = np.asarray(observations, dtype=float)[:draws]
    top = x.max(axis=1, keepdims=True)
    winners = x == top
    return np.asarray((winners / winners.sum(axis=1, keepdims=True)).mean(axis=0), dtype=float)
