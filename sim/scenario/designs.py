"""Designs: the draws of uncertain inputs, and the grids of sweeps, as values per path.

A :class:`Design` holds, draw by draw, the value of each input; :meth:`Design.scenarios` turns a
draw into the scenarios it runs (:func:`sim.scenario.uncertain.apply_draw`). Uniforms come from
:func:`unit_design` (scrambled Sobol, or a Latin hypercube when the draws are not a power of two)
and become values by each distribution's quantile function; :func:`iman_conover` gives them rank
correlations; :func:`make_sobol_design` lays out a Saltelli design for Sobol indices;
:func:`make_grid` is a sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.scenario.distributions import Dist, ndtri
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import Pair, apply_draw, is_whole_path


def unit_design(draws: int, dimensions: int, seed: int) -> np.ndarray:
    """A (draws x dimensions) design of uniforms in (0, 1), the same for the same seed: scrambled
    Sobol when ``draws`` is a power of two (its balance needs one), else a Latin hypercube."""
    from scipy.stats import qmc  # imported only when uncertainty is analysed (about a second)

    rng = np.random.default_rng(seed)
    if draws & (draws - 1) == 0:
        u = qmc.Sobol(d=dimensions, scramble=True, seed=rng).random(draws)
    else:
        u = qmc.LatinHypercube(d=dimensions, seed=rng).random(draws)
    return np.asarray(np.clip(u, 1e-12, 1 - 1e-12), dtype=float)


@dataclass(frozen=True)
class Design:
    """The values of the uncertain inputs, draw by draw: draw ``d`` runs replications ``d*k``
    to ``(d+1)*k - 1`` of every scenario. A sweep is a design too: each point of its grid is a
    "draw", and every point runs on the same random numbers (``shared_seeds``)."""

    paths: tuple[str, ...]
    values: np.ndarray
    """(draws x paths)."""
    reps_per_draw: int
    dists: tuple[Dist, ...] = ()
    """Each path's distribution (what the values were drawn from); empty for a sweep."""
    targets: tuple[tuple[int, ...] | None, ...] = ()
    """Per path, the indices of the scenarios it applies to (None, or no entry: all)."""
    shared_seeds: bool = False
    """Every draw runs replications 0..k-1's random numbers (a sweep's common random numbers);
    otherwise draw ``d`` has replications ``d*k``.. of its own."""
    correlated: dict[Pair, float] = field(default_factory=dict)
    """Rank correlations the draws were given (Iman-Conover)."""
    sobol_n: int = 0
    """A Saltelli design for Sobol indices (:func:`make_sobol_design`): its base sample size;
    0: not one."""

    @property
    def period(self) -> int:
        """What a batch's replication numbers wrap at for their random numbers: the replications
        per point of a sweep (every point on the same numbers); 0: no wrapping."""
        return self.reps_per_draw if self.shared_seeds else 0

    @property
    def draws(self) -> int:
        """Number of draws."""
        return int(self.values.shape[0])

    def draw(self, d: int) -> dict[str, float]:
        """Draw ``d``'s value of each input."""
        return {p: float(v) for p, v in zip(self.paths, self.values[d], strict=True)}

    def scenarios(self, scenarios: Sequence[Scenario], d: int) -> tuple[Scenario, ...]:
        """``scenarios`` as draw ``d`` has them."""
        if not self.paths:
            return tuple(scenarios)
        values = self.draw(d)
        out = []
        for i, s in enumerate(scenarios):
            mine = {
                p: v
                for j, (p, v) in enumerate(values.items())
                if j >= len(self.targets) or self.targets[j] is None or i in (self.targets[j] or ())
            }
            out.append(apply_draw(s, mine) if mine else s)
        return tuple(out)


def drawn(paths: Sequence[str], dists: Sequence[Dist], u: np.ndarray) -> np.ndarray:
    """The values at the uniforms ``u`` (draws x paths) of each path's distribution, a
    whole-number setting's rounded to the nearest whole number (so the draws record the value
    each draw runs)."""
    columns = []
    for i, (path, dist) in enumerate(zip(paths, dists, strict=True)):
        x = dist.ppf(u[:, i])
        columns.append(np.round(x) if is_whole_path(path) else x)
    return np.column_stack(columns)


def iman_conover(x: np.ndarray, target: np.ndarray, seed: int) -> np.ndarray:
    """``x`` with each column reordered so the columns' rank correlations are close to
    ``target`` and each column keeps its values (Iman and Conover 1982, van der Waerden scores);
    ValueError if ``target`` is not a correlation matrix (not positive definite)."""
    n, d = x.shape
    try:
        p = np.linalg.cholesky(target)
    except np.linalg.LinAlgError:
        raise ValueError(
            "the correlations cannot hold together (no joint distribution has them)"
        ) from None
    rng = np.random.default_rng(seed)
    scores = ndtri(np.arange(1, n + 1) / (n + 1))
    m = np.column_stack([rng.permutation(scores) for _ in range(d)])
    e = np.corrcoef(m, rowvar=False)
    f = np.linalg.cholesky(e)
    t = m @ np.linalg.inv(f).T @ p.T
    out = np.empty_like(x)
    for j in range(d):
        ranks = np.argsort(np.argsort(t[:, j], kind="stable"), kind="stable")
        out[:, j] = np.sort(x[:, j])[ranks]
    return out


def make_sobol_design(block: dict[str, Dist], n: int, reps_per_draw: int, seed: int) -> Design:
    """A Saltelli design for first- and total-order Sobol indices: matrices A and B of ``n``
    draws each (the two halves of a scrambled Sobol design of twice the inputs), then, for each
    input i, A with column i taken from B: ``n * (inputs + 2)`` draws, each a valid draw of
    the inputs, so every other finding uses them too."""
    paths = tuple(sorted(block))
    dists = tuple(block[p] for p in paths)
    d = len(paths)
    u = unit_design(n, 2 * d, seed)
    a, b = u[:, :d], u[:, d:]
    mixed = [np.where(np.arange(d) == i, b, a) for i in range(d)]
    units = np.vstack([a, b, *mixed])
    return Design(paths, drawn(paths, dists, units), reps_per_draw, dists, sobol_n=n)


def make_grid(
    points: dict[str, list[float]],
    reps_per_point: int,
    targets: dict[str, tuple[int, ...] | None] | None = None,
) -> Design:
    """A sweep: every combination of ``points`` (the first path varying slowest), each run on
    replications 0..``reps_per_point``-1's random numbers; ``targets`` limits a path to some
    scenarios."""
    paths = tuple(points)
    mesh = np.meshgrid(*(np.asarray(points[p], dtype=float) for p in paths), indexing="ij")
    values = np.column_stack([m.ravel() for m in mesh]) if paths else np.zeros((1, 0))
    aims = tuple((targets or {}).get(p) for p in paths)
    return Design(paths, values, reps_per_point, targets=aims, shared_seeds=True)


def make_design(
    block: dict[str, Dist],
    draws: int,
    reps_per_draw: int,
    seed: int,
    correlated: dict[Pair, float] | None = None,
) -> Design:
    """``draws`` draws of ``block`` from a scrambled Sobol design seeded by ``seed``, with the
    rank correlations ``correlated`` between inputs (Iman-Conover; ValueError if no joint
    distribution has them)."""
    paths = tuple(sorted(block))
    dists = tuple(block[p] for p in paths)
    if not paths:
        return Design(paths, np.zeros((draws, 0)), reps_per_draw)
    u = unit_design(draws, len(paths), seed)
    if correlated:
        target = np.eye(len(paths))
        for (a, b), rho in correlated.items():
            i, j = paths.index(a), paths.index(b)
            target[i, j] = target[j, i] = rho
        u = iman_conover(u, target, seed)
    values = drawn(paths, dists, u)
    return Design(
        paths, values.reshape(draws, len(paths)), reps_per_draw, dists, correlated=correlated or {}
    )
