"""The spread of rep ability that gives a team its revenue concentration.

Rep ability ``a`` is normal on the logit scale with mean 0 (the average rep converts each stage at
its base rate) and a spread ``sigma``. A rep's expected revenue is proportional to its lead rate,
``exp(eps * a)`` (better sellers build more pipeline; ``eps`` is ``team.ability_lead_elasticity``),
times its end-to-end win probability ``W(a) = prod_k sigmoid(logit(base_k) + a)``; deal values do
not depend on ability.

Win probabilities saturate at 1, so through conversion alone (``eps = 0``) the top 20% can never
produce more than about half of the revenue with the default stages, however wide the spread: a
Pareto 80/20 needs the pipeline channel. With ``eps > 0`` the share rises monotonically from 0.2
(``sigma = 0``) towards 1, so a target share fixes ``sigma``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logit, ndtri

_Z = np.linspace(-8.0, 8.0, 8001)
_PHI = np.exp(-0.5 * _Z**2)
_Z80 = float(ndtri(0.8))


def top20_share(sigma: float, base_conversions: Sequence[float], lead_elasticity: float) -> float:
    """Expected share of revenue produced by the top 20% of reps by ability."""
    a = sigma * _Z
    w = np.exp(lead_elasticity * a)
    for p in base_conversions:
        w *= expit(logit(p) + a)
    mass = w * _PHI
    return float(np.trapezoid(np.where(_Z >= _Z80, mass, 0.0), _Z) / np.trapezoid(mass, _Z))


MAX_SIGMA = 20.0
"""The widest ability spread searched, logit units."""


class SpreadError(ValueError):
    """No ability spread gives the requested revenue concentration."""


_GRID = np.linspace(0.0, MAX_SIGMA, 201)
"""The spreads at which the share is tabulated before the root is polished."""


@lru_cache(maxsize=64)
def _grid_shares(base: tuple[float, ...], eps: float) -> np.ndarray:
    """:func:`top20_share` at each spread of :data:`_GRID`: the same for every target, so an
    uncertainty run that draws only the target share tabulates it once."""
    with np.errstate(all="ignore"):
        shares = np.array([top20_share(float(s), base, eps) for s in _GRID])
    shares.flags.writeable = False
    return shares


@lru_cache(maxsize=256)
def _ability_sigma(target: float, base: tuple[float, ...], eps: float) -> float:
    if target <= 0.2:
        return 0.0
    grid = _GRID
    shares = _grid_shares(base, eps)
    if not np.isfinite(shares).all():
        # The revenue weights under- or overflow: stages that almost never convert, or a spread
        # so wide that the best reps' pipelines are beyond floating point.
        raise SpreadError(
            f"no ability spread can be calibrated to a top-20% revenue share of {target:g} "
            "with these stages: their win chances are too small to compute with"
        )
    best = int(np.argmax(shares))
    if shares[best] < target:
        raise SpreadError(
            f"no ability spread gives a top-20% revenue share of {target:g}: the most these "
            f"stages reach is {shares[best]:.2f}; raise team.ability_lead_elasticity"
        )
    hi = int(np.argmax(shares >= target))
    if hi == 0:
        # Equal reps already reach the target (0.2 up to the quadrature's rounding).
        return 0.0
    return float(
        brentq(lambda s: top20_share(s, base, eps) - target, grid[hi - 1], grid[hi], xtol=1e-10)
    )


def ability_sigma(
    target_share: float, base_conversions: Sequence[float], lead_elasticity: float
) -> float:
    """The smallest ability spread whose expected top-20% revenue share is ``target_share``."""
    return _ability_sigma(
        float(target_share), tuple(float(p) for p in base_conversions), float(lead_elasticity)
    )
