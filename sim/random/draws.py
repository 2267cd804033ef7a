"""Block draws of everything an entity will need, made once per replication.

Each function takes its own stream (see :mod:`sim.random.streams`) and returns numpy arrays; the
event loop converts the rows it uses to Python floats. Rows are indexed by candidate: candidate
``j`` of a rep always gets the same arrival uniforms and the same deal draws, whether or not it is
kept and whatever else the scenario changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

_EPS = 1e-12


def lognormal_params(mean: np.ndarray, cv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mu, sigma) of the lognormal with this mean and coefficient of variation (elementwise)."""
    sigma2 = np.log1p(cv * cv)
    return np.log(mean) - 0.5 * sigma2, np.sqrt(sigma2)


def lognormal_from_uniform(
    u: np.ndarray, mean: float | list[float], cv: float | list[float]
) -> np.ndarray:
    """Lognormal values by inversion of uniforms (keeps one uniform per value).

    ``mean`` and ``cv`` may be lists, one per column of ``u``, to convert every column at once.
    """
    means, cvs = np.broadcast_arrays(np.asarray(mean, dtype=float), np.asarray(cv, dtype=float))
    if means.ndim == 0 and cvs == 0.0:
        return np.full(np.shape(u), float(mean))  # type: ignore[arg-type]
    mu, sd = lognormal_params(means, cvs)
    values = np.exp(mu + sd * ndtri(np.clip(u, _EPS, 1.0 - _EPS)))
    return np.where(cvs == 0.0, means, values) if np.any(cvs == 0.0) else values


def poisson_arrivals(
    gen: np.random.Generator, rate_per_day: float, horizon_days: float, extra: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Arrival times of a Poisson process on [0, horizon) and ``extra`` uniforms per arrival.

    Each arrival consumes one row of ``1 + extra`` uniforms: the gap and its companions
    (thinning, lengths, ...). Rows are drawn in order, so arrival ``j`` is the same however many
    rows are drawn.
    """
    if rate_per_day <= 0.0 or horizon_days <= 0.0:
        return np.empty(0), np.empty((0, extra))
    mean = rate_per_day * horizon_days
    n = int(mean + 6.0 * math.sqrt(mean) + 16)
    rows = gen.random((n, 1 + extra))
    times = np.cumsum(-np.log1p(-rows[:, 0]) / rate_per_day)
    while times[-1] < horizon_days:
        more = gen.random((n, 1 + extra))
        rows = np.vstack([rows, more])
        times = np.concatenate(
            [times, times[-1] + np.cumsum(-np.log1p(-more[:, 0]) / rate_per_day)]
        )
    keep = int(np.searchsorted(times, horizon_days, side="left"))
    return times[:keep], rows[:keep, 1:]


@dataclass
class DealDraws:
    """Everything the deals of one seller's candidate leads will need, one row per candidate."""

    durations_days: np.ndarray
    """(candidates, stages) stage durations."""
    stage_u: np.ndarray
    """(candidates, stages) uniforms compared with each stage's conversion probability."""
    value_usd: np.ndarray
    """(candidates,) list values."""


def deal_uniforms(gen: np.random.Generator, n: int, stages: int) -> np.ndarray:
    """``n`` candidates' deal uniforms, ``2 * stages + 1`` per row in a fixed layout: stage
    durations, stage outcomes, value."""
    return gen.random((n, 2 * stages + 1))


def deals_from_uniforms(
    u: np.ndarray,
    duration_means: list[float],
    duration_cvs: list[float],
    value_mean: float,
    value_cv: float,
) -> DealDraws:
    """The deals of rows of :func:`deal_uniforms` (from one stream or many stacked)."""
    s = len(duration_means)
    return DealDraws(
        lognormal_from_uniform(u[:, :s], duration_means, duration_cvs),
        u[:, s : 2 * s],
        lognormal_from_uniform(u[:, 2 * s], value_mean, value_cv),
    )
