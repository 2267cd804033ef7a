"""Distributions of uncertain inputs, as a scenario file writes them (its ``uncertain:`` block).

A distribution is a one-key mapping; the key says which::

    skill.improvement: {triangular: [0.2, 0.5, 1.0]}
    outside_coach.quality: {beta: {mean: 0.8, sd: 0.1}}
    managers.meetings_per_week: {range: [3, 8]}   # a 90% interval

``range`` is read as Squiggle reads ``a to b``: a 90% interval of a lognormal when both ends are
positive, else of a normal. Each distribution maps a uniform ``u`` in (0, 1) to a value by its
quantile function (:meth:`Dist.ppf`), so a quasi-random design of uniforms becomes a design of
parameter values (:mod:`sim.scenario.uncertain`).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from pydantic import Discriminator, Field, Tag, TypeAdapter, model_validator

from sim.scenario.fields import Strict

MAX_PARAMETER = 1e12
"""The largest magnitude a distribution's parameter may have: above every field's bound, far
below where its arithmetic overflows."""
EXTREME_U = 1e-12
"""The most extreme uniforms a design draws (:func:`sim.scenario.designs.unit_design` clips to
them): a distribution must give finite values there."""
Z95 = 1.6448536269514722
"""The standard normal's 95th percentile (scipy.special.ndtri(0.95)): a 90% interval is the mean
+- Z95 sd."""


def ndtri(u: np.ndarray) -> np.ndarray:
    """The standard normal's quantile function (scipy imported when first drawn, so reading a
    scenario stays fast)."""
    from scipy.special import ndtri as q

    return np.asarray(q(u), dtype=float)


def betaincinv(a: float, b: float, u: np.ndarray) -> np.ndarray:
    """The beta distribution's quantile function (scipy imported when first drawn)."""
    from scipy.special import betaincinv as q

    return np.asarray(q(a, b, u), dtype=float)


Parameter = Annotated[float, Field(ge=-MAX_PARAMETER, le=MAX_PARAMETER)]
"""A distribution's parameter: finite (as every number of a scenario) and bounded."""


class MeanSd(Strict):
    """A mean and a standard deviation."""

    mean: Parameter
    sd: float = Field(gt=0.0, le=MAX_PARAMETER)


class Dist(Strict):
    """A distribution: :meth:`ppf` maps uniforms to values."""

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The values at the quantiles ``u``."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _drawable(self) -> Dist:
        """Refuse a distribution whose draws would not be finite numbers: the parameters are
        bounded, but a lognormal's or beta's arithmetic can still overflow or underflow."""
        u = np.array([EXTREME_U, 0.5, 1.0 - EXTREME_U])
        try:
            with np.errstate(all="ignore"):
                x = self.ppf(u)
        except (ArithmeticError, ValueError):
            x = np.array([math.nan])
        if not np.all(np.isfinite(x)):
            raise ValueError(
                "these parameters cannot be drawn (the draws would not be finite numbers); "
                "use less extreme values"
            )
        return self


class Uniform(Dist):
    """Every value in [low, high] alike."""

    uniform: list[Parameter] = Field(min_length=2, max_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.uniform[0] < self.uniform[1]:
            raise ValueError("uniform: [low, high] with low < high")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        low, high = self.uniform
        return np.asarray(low + (high - low) * np.asarray(u, dtype=float), dtype=float)


class Triangular(Dist):
    """[low, mode, high]: most likely at the mode, nothing outside [low, high]."""

    triangular: list[Parameter] = Field(min_length=3, max_length=3)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        low, mode, high = self.triangular
        if not (low <= mode <= high and low < high):
            raise ValueError("triangular: [low, mode, high] with low <= mode <= high, low < high")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        low, mode, high = self.triangular
        x = np.asarray(u, dtype=float)
        cut = (mode - low) / (high - low)
        left = low + np.sqrt(x * (high - low) * (mode - low))
        right = high - np.sqrt((1.0 - x) * (high - low) * (high - mode))
        return np.asarray(np.where(x < cut, left, right), dtype=float)


class Normal(Dist):
    """Normal with the given mean and sd."""

    normal: MeanSd

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        z = ndtri(np.asarray(u, dtype=float))
        return np.asarray(self.normal.mean + self.normal.sd * z, dtype=float)


class LogNormal(Dist):
    """Lognormal with the given mean and sd (of the value itself, not its logarithm)."""

    lognormal: MeanSd

    @model_validator(mode="after")
    def _positive(self) -> LogNormal:
        if self.lognormal.mean <= 0:
            raise ValueError("lognormal: the mean must be positive")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        m, s = self.lognormal.mean, self.lognormal.sd
        var_log = math.log1p((s / m) ** 2)
        mu = math.log(m) - var_log / 2
        z = ndtri(np.asarray(u, dtype=float))
        return np.asarray(np.exp(mu + math.sqrt(var_log) * z), dtype=float)


MIN_BETA_SHAPE = 1e-3
"""Smallest shape parameter of a beta: below it nearly every draw is 0 or 1 to the last digit."""
MAX_BETA_SHAPE = 1e9
"""Largest shape parameter of a beta: above it the distribution is a point."""


class Beta(Dist):
    """Beta on [0, 1] with the given mean and sd."""

    beta: MeanSd

    @model_validator(mode="after")
    def _feasible(self) -> Beta:
        m, s = self.beta.mean, self.beta.sd
        if not 0 < m < 1 or s * s >= m * (1 - m):
            raise ValueError("beta: the mean must be in (0, 1) and sd**2 below mean * (1 - mean)")
        a, b = self.shapes()
        if not (min(a, b) >= MIN_BETA_SHAPE and max(a, b) <= MAX_BETA_SHAPE):
            raise ValueError(
                f"this mean and sd give shapes {a:.3g} and {b:.3g}, outside "
                f"[{MIN_BETA_SHAPE:g}, {MAX_BETA_SHAPE:g}]: they cannot be drawn reliably"
            )
        return self

    def shapes(self) -> tuple[float, float]:
        """The shape parameters (a, b) of this mean and sd (inf when sd**2 underflows)."""
        m, s = self.beta.mean, self.beta.sd
        var = s * s
        k = m * (1 - m) / var - 1 if var > 0 else math.inf
        return m * k, (1 - m) * k

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        a, b = self.shapes()
        return np.asarray(betaincinv(a, b, np.asarray(u, dtype=float)), dtype=float)


class Range(Dist):
    """A 90% interval [a, b]: lognormal when a > 0 (as Squiggle reads ``a to b``), else
    normal."""

    range: list[Parameter] = Field(min_length=2, max_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.range[0] < self.range[1]:
            raise ValueError("range: [low, high] with low < high")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        a, b = self.range
        z = ndtri(np.asarray(u, dtype=float))
        if a > 0:
            mu, sigma = (math.log(a) + math.log(b)) / 2, (math.log(b) - math.log(a)) / (2 * Z95)
            return np.asarray(np.exp(mu + sigma * z), dtype=float)
        return np.asarray((a + b) / 2 + (b - a) / (2 * Z95) * z, dtype=float)


class Choice(Dist):
    """One of the listed values, each equally likely."""

    choice: list[Parameter] = Field(min_length=1, max_length=10_000)

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        values = np.asarray(self.choice, dtype=float)
        i = np.minimum((np.asarray(u, dtype=float) * len(values)).astype(int), len(values) - 1)
        return np.asarray(values[i], dtype=float)


KINDS: dict[str, type[Dist]] = {
    "uniform": Uniform,
    "triangular": Triangular,
    "normal": Normal,
    "lognormal": LogNormal,
    "beta": Beta,
    "range": Range,
    "choice": Choice,
}


def _kind(value: Any) -> str | None:
    """Which distribution a one-key mapping (or a parsed one) is; None: not one."""
    if isinstance(value, Dist):
        return next(k for k, c in KINDS.items() if isinstance(value, c))
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in KINDS else None
    return None


Distribution = Annotated[
    Annotated[Uniform, Tag("uniform")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[LogNormal, Tag("lognormal")]
    | Annotated[Beta, Tag("beta")]
    | Annotated[Range, Tag("range")]
    | Annotated[Choice, Tag("choice")],
    Discriminator(
        _kind,
        custom_error_type="distribution",
        custom_error_message="write one of "
        + ", ".join(f"{{{k}: ...}}" for k in KINDS)
        + ", e.g. {triangular: [0.2, 0.5, 1.0]}",
    ),
]
"""A distribution, chosen by its one key."""
DISTRIBUTION: TypeAdapter[Dist] = TypeAdapter(Distribution)
"""Parses a distribution from its one-key mapping."""
