"""Scenario discovery: the few simple conditions on the uncertain inputs under which an outcome
holds, found by PRIM, and the sentence a sales leader reads.

The input is a table of draws of the uncertain inputs (one column per input, named by its dotted
path, such as ``outside_coach.quality``) and, for each draw, whether the outcome holds in it (the
outside coach pays: NPV > 0; or it fails to: NPV <= 0). The answer is at most a few *boxes*, each
a limit on one or two inputs, such as "quality at least 0.62 and stability below 120 days", with
three numbers (Bryant and Lempert 2010, "Thinking inside the box"):

- *coverage*: the share of the draws where the outcome holds that fall inside the box;
- *density*: the share of the draws inside the box where the outcome holds;
- *mass*: the share of all draws inside the box.

How a box is found (PRIM: Friedman and Fisher 1999, "Bump hunting in high-dimensional data"):

1. *Held-out draws*: a third of the draws, a third of those where the outcome holds and a third
   of the rest, is set aside; the box is found on the other two thirds and measured and tested
   on the third. Measured on the draws it was found on, a box flatters itself: on 512 draws of
   30 inputs where the outcome was a coin toss, the box found had a density 24 points above the
   base rate on average, and every one of 100 such data sets gave a box "worth stating". Two
   thirds, not half, go to finding, because finding needs more draws than measuring: with a box
   planted in 512 draws of 30 inputs, the limits found missed the planted ones by more than 0.05
   in 59% of data sets when found on half, 18% on two thirds. ``holdout=0`` finds and measures
   on all draws, and the box says it is in-sample.
2. *Peeling*: from all draws, remove the lowest or the highest ``peel`` share (5%) of the draws
   still in the box along one input, whichever removal leaves the highest share of the outcome,
   until the box would hold fewer than ``min_mass`` of the draws. An input with few distinct
   values loses a whole value at a time. Each step's box is kept: the *trajectory*.
3. *The box on the trajectory*: the one that stands out most from the draws outside it, by the
   likelihood-ratio (G) statistic of the two-by-two table in or out of the box against outcome
   or not: the box that best splits the draws into two shares of the outcome. The rule that
   comes to mind, the densest box holding at least half the outcome's draws, peels on into a
   region where the outcome is equally common everywhere, because chance makes some slices
   poorer than others (a one-input threshold came back as a band, and covering then stated the
   rest of the band as a second box); coverage minus mass (weighted relative accuracy) stops at
   the region's edge but only loosely where the outcome is rare outside it.
4. *At most* ``max_restricted`` *inputs*, chosen forward: one box is peeled on each input alone
   and the input whose box stands out most is kept; then one box on it and each other input,
   and so on, while the best box stands out more than the last. Peeling on every input at once
   and keeping the inputs that matter most in its box (or the last step limiting few enough) is
   cheaper, but with a few hundred draws a 5% slice holds about ten, some input that does not
   matter has a slice with no outcome draw by chance, and peels go to it instead of to an input
   that does: that missed a planted input in 4 of 60 data sets of 1000 draws of 6 inputs (found
   on half), forward choice in none.
5. *Pasting*: a limit is moved back out by a slice while that raises the box's density.
6. *Worth stating*: the box's density on the held-out draws is above that outside it, by a
   one-sided Fisher exact test at 5%. The box tested is the one found, before step 7, so the
   test keeps its level: an outcome that does not depend on the inputs got a box worth stating
   in 6 of 300 data sets of 1000 draws.
7. *Dropping limits that do not matter*, in a box worth stating, one side of an input at a
   time: on the held-out draws, a side is kept only if the draws it shuts out (those meeting
   every other limit) hold the outcome less often than the box's draws, by the same test; the
   weakest goes first and the rest are tested again; the last one stays.
8. *Covering*: the box's draws are set aside and the search runs again on the rest, for at
   most ``max_boxes`` boxes, stopping after the first not worth stating, or before one that
   holds most of an earlier box's draws (a looser restatement of it, not a second region). A
   later box is tested on the draws outside the earlier boxes (does it find draws they missed),
   but its coverage, density and mass are of the box on its own, so its sentence is true on its
   own.

With fewer than 50 draws, or fewer than 5 draws where the outcome holds or 5 where it does not,
no box is sought, and :attr:`Discovery.why_none` says so.

:func:`sentence` and :func:`sentences` put a box, or the lack of one, in a sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import xlogy
from scipy.stats import fisher_exact

MIN_DRAWS = 50
"""Fewer draws than this and no box is sought."""
MIN_CASES = 5
"""Fewer draws than this where the outcome holds, or where it does not, and no box is sought."""
SIGNIFICANCE = 0.05
"""The level of the tests that keep a limit and that make a box worth stating."""


@dataclass(frozen=True)
class Limit:
    """A limit on one input: ``low <= value < high``."""

    path: str
    """The input's dotted path, the column of the draws."""
    low: float | None
    """The box holds values from this up; ``None`` where it reaches the input's least draw."""
    high: float | None
    """The box holds values below this; ``None`` where it reaches the input's greatest draw."""

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Which of ``values`` are within the limit."""
        v = np.asarray(values, dtype=float)
        inside = np.ones(v.shape, dtype=bool)
        if self.low is not None:
            inside &= v >= self.low
        if self.high is not None:
            inside &= v < self.high
        return inside


@dataclass(frozen=True)
class Box:
    """A condition on a few inputs and how well it picks out the draws where the outcome holds."""

    limits: tuple[Limit, ...]
    """The limits, the one that matters most first."""
    coverage: float
    """The share of the draws where the outcome holds that fall inside the box."""
    density: float
    """The share of the draws inside the box where the outcome holds."""
    mass: float
    """The share of all draws inside the box."""
    base_rate: float
    """The share of all draws where the outcome holds, on the draws the shares are measured on."""
    p_value: float
    """One-sided Fisher exact test that the outcome is more common inside the box than outside
    it (outside earlier boxes too, for a box found by covering), of the box as found, before
    limits that did not matter were lifted."""
    draws: int
    """How many draws the shares are measured on."""
    in_sample: bool
    """True if measured on the draws the box was found on: then coverage, density and the test
    flatter the box."""

    @property
    def worth_stating(self) -> bool:
        """Whether the box limits some input and holds the outcome clearly more often than the
        draws outside it, at the 5% level."""
        return bool(self.limits) and self.p_value < SIGNIFICANCE

    def contains(self, inputs: pd.DataFrame) -> np.ndarray:
        """Which rows of a table of draws fall inside the box."""
        inside = np.ones(len(inputs), dtype=bool)
        for limit in self.limits:
            inside &= limit.contains(inputs[limit.path].to_numpy(dtype=float))
        return inside


@dataclass(frozen=True)
class Discovery:
    """What :func:`prim` found."""

    boxes: tuple[Box, ...]
    """The boxes in the order found, covering stopping after the first not worth stating."""
    base_rate: float
    """The share of all draws where the outcome holds."""
    draws: int
    """How many draws there were."""
    max_restricted: int
    """The most inputs a box could limit."""
    why_none: str
    """Empty if some box is worth stating; else why none is, in plain words."""

    @property
    def stated(self) -> tuple[Box, ...]:
        """The boxes worth stating."""
        return tuple(b for b in self.boxes if b.worth_stating)


@dataclass(frozen=True)
class _Trajectories:
    """The boxes peeling went through, for a batch of boxes peeled side by side, the whole box
    first. Limits are (steps x boxes x inputs of each box) arrays, with infinities where an input
    is not limited; a box that can peel no more stays as it is to the last step."""

    low: np.ndarray
    high: np.ndarray
    count: np.ndarray
    """(steps x boxes): the draws in each box."""
    hits: np.ndarray
    """(steps x boxes): the draws in each box where the outcome holds."""


def prim(
    inputs: pd.DataFrame,
    target: np.ndarray,
    *,
    max_boxes: int = 2,
    max_restricted: int = 2,
    peel: float = 0.05,
    min_mass: float = 0.05,
    paste: bool = True,
    holdout: float = 1 / 3,
    seed: int = 0,
) -> Discovery:
    """The boxes of the draws ``inputs`` where ``target`` holds, as the module docstring says:
    at most ``max_boxes``, each limiting at most ``max_restricted`` inputs, found on the draws
    left after setting aside ``holdout`` of them (chosen with ``seed``, the only randomness)
    and measured on those. The same arguments always give the same answer."""
    x, y, paths = _checked(inputs, target, max_boxes, max_restricted, peel, min_mass, holdout)
    n, hits = len(y), int(y.sum())
    base_rate = hits / n if n else math.nan
    found: list[Box] = []
    why_none = _too_few(n, hits)
    if why_none:
        return Discovery((), base_rate, n, max_restricted, why_none)
    if holdout > 0:
        test = _held_out(y, holdout, seed)
        train = ~test
    else:
        train = test = np.ones(n, dtype=bool)
    xt, yt, xh, yh = x[train], y[train], x[test], y[test]
    left_t, left_h = np.ones(len(yt), dtype=bool), np.ones(len(yh), dtype=bool)
    found_h: list[np.ndarray] = []  # the held-out draws in each box worth stating
    min_count = max(2, math.ceil(min_mass * len(yt)))
    while len(found) < max_boxes:
        rest = yt[left_t]
        if found and (rest.sum() < MIN_CASES or (~rest).sum() < MIN_CASES):
            break
        low, high, ranked = _find(xt[left_t], yt[left_t], max_restricted, peel, min_count, paste)
        if not ranked:
            if not found:
                why_none = "no limit on any input raises the share of draws where it holds"
            break
        p_value = _more_inside(_inside(xh, low, high, ranked)[left_h], yh[left_h])
        if p_value < SIGNIFICANCE:
            low, high = _prune(xh[left_h], yh[left_h], low, high, ranked)
            ranked = [j for j in ranked if np.isfinite(low[j]) or np.isfinite(high[j])]
        inside_h = _inside(xh, low, high, ranked)
        if any(_share(inside_h & earlier, earlier) > 0.5 for earlier in found_h):
            break  # it holds most of an earlier box: a looser restatement, not a new region
        box = _measured(paths, low, high, ranked, inside_h, yh, p_value, holdout == 0)
        found.append(box)
        if not box.worth_stating:
            why_none = "" if len(found) > 1 else _not_clear(box)
            break
        found_h.append(inside_h)
        left_t &= ~_inside(xt, low, high, ranked)
        left_h &= ~inside_h
    return Discovery(tuple(found), base_rate, n, max_restricted, why_none)


def sentence(box: Box, outcome: str) -> str:
    """One sentence for a sales leader saying where ``outcome`` (a clause such as "it pays" or
    "it fails to pay") is common: "It pays in 95% of the cases where outside_coach.quality is at
    least 0.62; those are 40% of the plausible cases and hold 46% of the cases where it pays."
    Shares are whole percentages; limits have three significant figures, whole numbers none."""
    where = _join([_condition(limit) for limit in box.limits]) or "anything holds"
    return (
        f"{outcome[:1].upper()}{outcome[1:]} in {_percent(box.density)} of the cases where "
        f"{where}; those are {_percent(box.mass)} of the plausible cases and hold "
        f"{_percent(box.coverage)} of the cases where {outcome}."
    )


def sentences(found: Discovery, outcome: str) -> list[str]:
    """A sentence (:func:`sentence`) for each box worth stating, or one saying that no simple
    condition tells the cases where ``outcome`` holds from the others, and why."""
    if found.stated:
        return [sentence(box, outcome) for box in found.stated]
    inputs = {1: "one input", 2: "one or two inputs"}.get(
        found.max_restricted, f"up to {found.max_restricted} inputs"
    )
    return [
        f"No simple condition on {inputs} tells the cases where {outcome} from the others: "
        f"{found.why_none}."
    ]


def _checked(
    inputs: pd.DataFrame,
    target: np.ndarray,
    max_boxes: int,
    max_restricted: int,
    peel: float,
    min_mass: float,
    holdout: float,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The draws as a float array, the target as booleans and the inputs' paths, once the
    arguments are checked."""
    y = np.asarray(target)
    if y.dtype != np.bool_ or y.ndim != 1:
        raise ValueError("target must be a one-dimensional boolean array, one value per draw")
    if len(y) != len(inputs):
        raise ValueError(f"target has {len(y)} values but there are {len(inputs)} draws")
    try:
        x = inputs.to_numpy(dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"every input must be a number: {err}") from err
    if not np.isfinite(x).all():
        raise ValueError("every input must be a finite number in every draw")
    if max_boxes < 1 or max_restricted < 1:
        raise ValueError("max_boxes and max_restricted must be at least 1")
    if not (0 < peel < 0.5 and 0 < min_mass < 1 and 0 <= holdout < 1):
        raise ValueError("need 0 < peel < 0.5, 0 < min_mass < 1 and 0 <= holdout < 1")
    return x, y, [str(c) for c in inputs.columns]


def _too_few(n: int, hits: int) -> str:
    """Why there are too few draws to look for a box, or empty if there are enough."""
    if n < MIN_DRAWS:
        return f"there are only {n} draws, and at least {MIN_DRAWS} are needed"
    if hits < MIN_CASES:
        return f"it holds in only {hits} of the {n} draws, and at least {MIN_CASES} are needed"
    if n - hits < MIN_CASES:
        return (
            f"it fails to hold in only {n - hits} of the {n} draws, and at least {MIN_CASES} "
            "are needed"
        )
    return ""


def _held_out(y: np.ndarray, holdout: float, seed: int) -> np.ndarray:
    """Which draws are held out: ``holdout`` of those where the outcome holds and of the rest."""
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for group in (y, ~y):
        chosen = rng.permutation(np.flatnonzero(group))
        test[chosen[: round(holdout * len(chosen))]] = True
    return test


def _measured(
    paths: list[str],
    low: np.ndarray,
    high: np.ndarray,
    ranked: list[int],
    inside: np.ndarray,
    y: np.ndarray,
    p_value: float,
    in_sample: bool,
) -> Box:
    """The box limiting the inputs ``ranked`` to ``low`` and ``high``, measured on draws whose
    outcome is ``y``, those ``inside`` it."""
    return Box(
        limits=tuple(
            Limit(
                paths[j],
                float(low[j]) if np.isfinite(low[j]) else None,
                float(high[j]) if np.isfinite(high[j]) else None,
            )
            for j in ranked
        ),
        coverage=_share(inside & y, y),
        density=_share(inside & y, inside),
        mass=float(inside.mean()),
        base_rate=float(y.mean()),
        p_value=p_value,
        draws=len(y),
        in_sample=in_sample,
    )


def _find(
    x: np.ndarray, y: np.ndarray, max_restricted: int, peel: float, min_count: int, paste: bool
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """A box's low and high limits (one per input) and its limited inputs, the best first:
    steps 2 to 5 of the module docstring. Each round peels, side by side, one box per input not
    yet chosen, on that input and those chosen, and keeps the input whose box stands out most."""
    p = x.shape[1]
    low, high = np.full(p, -np.inf), np.full(p, np.inf)
    chosen: list[int] = []
    score = 0.0
    while len(chosen) < min(max_restricted, p):
        candidates = [j for j in range(p) if j not in chosen]
        peeled = _peel(x, y, np.array([[*chosen, j] for j in candidates]), peel, min_count)
        scores = _separation(peeled.hits, peeled.count, peeled.hits[0], peeled.count[0])
        steps = np.argmax(scores, axis=0)  # step 3: each box's step; the earliest if tied
        best = int(np.argmax(scores[steps, np.arange(len(candidates))]))
        if scores[steps[best], best] <= score:
            break
        score = float(scores[steps[best], best])
        chosen.append(candidates[best])
        low[chosen] = peeled.low[steps[best], best]
        high[chosen] = peeled.high[steps[best], best]
    if paste and chosen:
        low, high = _paste(x, y, low, high, chosen, peel)
    return low, high, [j for j in chosen if np.isfinite(low[j]) or np.isfinite(high[j])]


def _peel(
    x: np.ndarray, y: np.ndarray, columns: np.ndarray, peel: float, min_count: int
) -> _Trajectories:
    """Peel boxes of the draws ``x`` side by side, box ``b`` on the inputs ``columns[b]``: each
    from all draws, a ``peel`` share of its draws at a time, each time the slice whose removal
    leaves the highest share of ``y``, until no slice can go without leaving fewer than
    ``min_count`` draws. The low slice of an input keeps the values from its ``peel`` quantile
    up; if the least value alone fills the slice, that value goes whole (the high slice
    likewise). The boxes are peeled as one array, not one by one in a loop, because the loop
    spent most of its time in numpy calls on small arrays: 0.3 s for 512 draws of 30 inputs,
    against 0.05 s. Each box comes out as a plain one-box peel leaves it, which
    ``tests/unit/test_discovery.py`` checks against such a peel."""
    n = len(y)
    boxes, r = columns.shape
    values = np.moveaxis(x[:, columns], 0, -1)  # boxes x inputs x draws
    low, high = np.full((boxes, r), -np.inf), np.full((boxes, r), np.inf)
    inside = np.ones((boxes, n), dtype=bool)
    count, hits = np.full(boxes, n), np.full(boxes, int(y.sum()))
    lows, highs, counts, hitses = [low.copy()], [high.copy()], [count.copy()], [hits.copy()]
    box = np.arange(boxes)
    going = np.ones(boxes, dtype=bool)
    while True:
        m = inside.sum(axis=1)
        going &= m >= 2
        if not going.any():
            break
        k = np.maximum(1, (peel * m).astype(int))[:, None, None]
        mm = np.maximum(m, 2)[:, None, None]
        s = np.sort(np.where(inside[:, None, :], values, np.inf), axis=-1)  # draws outside last
        at = np.take_along_axis
        first, top = s[..., :1], at(s, mm - 1, axis=-1)
        ties = (s == first).sum(axis=-1, keepdims=True)
        from_k = at(s, k, axis=-1)
        cut_low = np.where(from_k > first, from_k, at(s, np.minimum(ties, mm - 1), axis=-1))
        cut_low = np.where(ties < mm, cut_low, np.nan)[..., 0]
        to_k = at(s, mm - k, axis=-1)
        above = (s > to_k).sum(axis=-1, keepdims=True) - (n - mm)
        cut_high = np.where(above > 0, at(s, mm - np.maximum(above, 1), axis=-1), top)
        cut_high = np.where(at(s, mm - k - 1, axis=-1) < to_k, to_k, cut_high)
        cut_high = np.where(first < top, cut_high, np.nan)[..., 0]
        keep = (
            np.concatenate([values >= cut_low[..., None], values < cut_high[..., None]], axis=1)
            & inside[:, None, :]
        )
        kept = keep.sum(axis=-1)
        hit = (keep & y).sum(axis=-1)
        allowed = (kept >= min_count) & (kept < m[:, None]) & going[:, None]
        going &= allowed.any(axis=1)
        if not going.any():
            break
        best = np.argmax(np.where(allowed, hit / np.maximum(kept, 1), -np.inf), axis=1)
        moved = box[going]
        side = best[moved]
        is_low = side < r
        low[moved[is_low], side[is_low]] = cut_low[moved[is_low], side[is_low]]
        high[moved[~is_low], side[~is_low] - r] = cut_high[moved[~is_low], side[~is_low] - r]
        inside[moved] = keep[moved, side]
        count[moved], hits[moved] = kept[moved, side], hit[moved, side]
        lows.append(low.copy())
        highs.append(high.copy())
        counts.append(count.copy())
        hitses.append(hits.copy())
    return _Trajectories(np.array(lows), np.array(highs), np.array(counts), np.array(hitses))


def _separation(
    hits: np.ndarray, count: np.ndarray, total: np.ndarray, n: np.ndarray
) -> np.ndarray:
    """How clearly a box of ``count`` draws, ``hits`` of them where the outcome holds, stands
    out among ``n`` draws, ``total`` where it holds: the likelihood-ratio (G) statistic of the
    two-by-two table, in or out of the box against holding or not; 0 if the outcome is no more
    common inside than outside."""
    cells = [hits, count - hits, total - hits, n - count - total + hits]
    margins = [count, n - count, total, n - total]
    g = 2.0 * (sum(xlogy(c, c) for c in cells) - sum(xlogy(m, m) for m in margins) + xlogy(n, n))
    outside = n - count
    denser = hits * outside > (total - hits) * count
    return np.where(denser, g, 0.0)


def _paste(
    x: np.ndarray,
    y: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    columns: list[int],
    peel: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Move limits back out, a slice of about ``peel`` of the box's draws at a time, while some
    move raises the box's share of ``y`` (the best move first). A limit moved past the input's
    least or greatest draw is lifted."""
    low, high = low.copy(), high.copy()
    while True:
        inside = _inside(x, low, high, columns)
        best_share, best_move = _share(inside & y, inside), None
        k = max(1, int(peel * int(inside.sum())))
        for j in columns:
            meets = _inside(x, low, high, [i for i in columns if i != j])
            v = x[:, j]
            moves = []
            below = np.sort(v[meets & (v < low[j])])[::-1]
            if len(below):  # the k nearest draws below, whole values
                reach = float(below[min(k, len(below)) - 1])
                moves.append((-np.inf if reach <= v.min() else reach, float(high[j])))
            above = np.sort(v[meets & (v >= high[j])])
            if len(above):  # the k nearest draws above: keep v below the next value up
                beyond = v[v > above[min(k, len(above)) - 1]]
                moves.append((float(low[j]), float(beyond.min()) if len(beyond) else np.inf))
            for new_low, new_high in moves:
                wider: np.ndarray = meets & (v >= new_low) & (v < new_high)
                share = _share(wider & y, wider)
                if share > best_share:
                    best_share, best_move = share, (j, new_low, new_high)
        if best_move is None:
            return low, high
        j, low[j], high[j] = best_move[0], best_move[1], best_move[2]


def _prune(
    x: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray, ranked: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The limits with those that do not matter on the draws ``x`` lifted, one side of an input
    at a time: while more than one is left, lift the one whose draws shut out (those meeting
    every other limit) hold ``y`` least clearly less often than the box's draws, if not clearly
    at 5% (one-sided Fisher exact test)."""
    low, high = low.copy(), high.copy()
    while True:
        sides = [(j, side) for j in ranked for side in (low, high) if np.isfinite(side[j])]
        if len(sides) <= 1:
            return low, high
        inside = _inside(x, low, high, ranked)
        p_values = []
        for j, side in sides:
            kept = side[j]
            side[j] = -np.inf if side is low else np.inf
            others = _inside(x, low, high, ranked)
            side[j] = kept
            shut_out = others & ~inside
            p_values.append(_more_inside(inside[others], y[others]) if shut_out.any() else 1.0)
        worst = len(sides) - 1 - int(np.argmax(p_values[::-1]))  # ties: lift the lesser-ranked
        if p_values[worst] <= SIGNIFICANCE:
            return low, high
        j, side = sides[worst]
        side[j] = -np.inf if side is low else np.inf


def _inside(x: np.ndarray, low: np.ndarray, high: np.ndarray, columns: list[int]) -> np.ndarray:
    """Which draws meet the limits on ``columns``."""
    c = np.asarray(columns, dtype=int)
    inside: np.ndarray = ((x[:, c] >= low[c]) & (x[:, c] < high[c])).all(axis=1)
    return inside


def _more_inside(inside: np.ndarray, y: np.ndarray) -> float:
    """One-sided Fisher exact p-value that ``y`` is more common ``inside`` than outside."""
    if not inside.any() or inside.all():
        return 1.0
    table = [
        [int((inside & y).sum()), int((inside & ~y).sum())],
        [int((~inside & y).sum()), int((~inside & ~y).sum())],
    ]
    return float(fisher_exact(table, alternative="greater").pvalue)


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    """How many of ``whole`` are in ``part``, as a share (nan of none)."""
    total = int(whole.sum())
    return int(part.sum()) / total if total else math.nan


def _not_clear(box: Box) -> str:
    """Why the best box found is not worth stating."""
    of = "draws" if box.in_sample else "held-out draws"
    return (
        f"where {_join([_condition(limit) for limit in box.limits])}, it holds in "
        f"{_percent(box.density)} of the {of}, against {_percent(box.base_rate)} of all "
        f"{of}, not clearly more (p = {box.p_value:.2f})"
    )


def _condition(limit: Limit) -> str:
    """A limit in words: "x is at least 0.6", "x is below 120" or "x is at least 0.6 but below
    120" ("but", so that "and" is left to join limits)."""
    parts = []
    if limit.low is not None:
        parts.append(f"at least {_number(limit.low)}")
    if limit.high is not None:
        parts.append(f"below {_number(limit.high)}")
    return f"{limit.path} is {' but '.join(parts) or 'anything'}"


def _join(items: list[str]) -> str:
    """Items joined as in "a", "a and b", "a, b and c"; empty for none."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def _number(value: float) -> str:
    """A limit for reading: whole numbers as they are, others to three significant figures."""
    rounded = value if value == round(value) else float(f"{value:.3g}")
    if rounded == round(rounded):
        return f"{round(rounded):,}"
    return str(np.format_float_positional(rounded, trim="-"))


def _percent(share: float) -> str:
    """A share as a whole percentage, never rounded to 0% or 100% unless it is."""
    if 0 < share < 0.005:
        return "under 1%"
    if 0.995 <= share < 1:
        return "over 99%"
    return f"{100 * share:.0f}%"
