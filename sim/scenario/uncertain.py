"""Distributions of uncertain inputs, and their draws (the ``uncertain:`` block of issue 13).

A distribution is written as a one-key mapping, as a scenario file will write it::

    skill.improvement: {triangular: [0.2, 0.5, 1.0]}
    outside_coach.quality: {beta: {mean: 0.8, sd: 0.1}}
    managers.meetings_per_week: {range: [3, 8]}   # a 90% interval

``range`` is read as Squiggle reads ``a to b``: a 90% interval of a lognormal when both ends are
positive, else of a normal. Each distribution maps a uniform ``u`` in (0, 1) to a value by its
quantile function (:meth:`Dist.ppf`), so a quasi-random design of uniforms (:func:`unit_design`)
becomes a design of parameter values. :func:`from_evidence` gives a parameter's default
distribution from its evidence record: triangular over its plausible range, with the likely value
as the mode.

Paths (:func:`field_bounds`, :func:`check_block`, :func:`apply_draw`) are "section.field" (every
item of a list section, such as training.gain) or "section[i].field"; :func:`defaults_block` is
``uncertain: defaults``. Not yet wired to scenario files or the command line (issue 13).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, get_args

import numpy as np
from pydantic import BaseModel, Field, TypeAdapter, model_validator
from scipy.special import betaincinv, ndtri

from sim.scenario.evidence import evidence
from sim.scenario.fields import Strict
from sim.scenario.schema import Scenario

Z95 = float(ndtri(0.95))
"""The standard normal's 95th percentile: a 90% interval is the mean +- Z95 sd."""


class MeanSd(Strict):
    """A mean and a standard deviation."""

    mean: float
    sd: float = Field(gt=0.0)


class Dist(Strict):
    """A distribution: :meth:`ppf` maps uniforms to values."""

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The values at the quantiles ``u``."""
        raise NotImplementedError


class Uniform(Dist):
    """Every value in [low, high] alike."""

    uniform: list[float] = Field(min_length=2, max_length=2)

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

    triangular: list[float] = Field(min_length=3, max_length=3)

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


class Beta(Dist):
    """Beta on [0, 1] with the given mean and sd."""

    beta: MeanSd

    @model_validator(mode="after")
    def _feasible(self) -> Beta:
        m, s = self.beta.mean, self.beta.sd
        if not 0 < m < 1 or s * s >= m * (1 - m):
            raise ValueError("beta: the mean must be in (0, 1) and sd**2 below mean * (1 - mean)")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        m, s = self.beta.mean, self.beta.sd
        k = m * (1 - m) / (s * s) - 1
        return np.asarray(betaincinv(m * k, (1 - m) * k, np.asarray(u, dtype=float)), dtype=float)


class Range(Dist):
    """A 90% interval [a, b]: lognormal when a > 0 (as Squiggle reads ``a to b``), else
    normal."""

    range: list[float] = Field(min_length=2, max_length=2)

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

    choice: list[float] = Field(min_length=1)

    def ppf(self, u: np.ndarray) -> np.ndarray:  # noqa: D102
        values = np.asarray(self.choice, dtype=float)
        i = np.minimum((np.asarray(u, dtype=float) * len(values)).astype(int), len(values) - 1)
        return np.asarray(values[i], dtype=float)


Distribution = Annotated[
    Uniform | Triangular | Normal | LogNormal | Beta | Range | Choice,
    Field(union_mode="left_to_right"),
]
DISTRIBUTION: TypeAdapter[Uniform | Triangular | Normal | LogNormal | Beta | Range | Choice] = (
    TypeAdapter(Distribution)
)
"""Parses a distribution from its one-key mapping."""


def from_evidence(path: str) -> Triangular:
    """The default distribution of ``path``: triangular over its evidence range, mode at the
    likely value."""
    e = evidence()[path]
    return Triangular(triangular=[e.low, e.likely, e.high])


def unit_design(draws: int, dimensions: int, seed: int) -> np.ndarray:
    """A (draws x dimensions) scrambled Sobol design of uniforms in (0, 1), the same for the
    same seed. ``draws`` a power of two keeps Sobol's balance properties."""
    from scipy.stats import qmc  # imported only when uncertainty is analysed (about a second)

    sampler = qmc.Sobol(d=dimensions, scramble=True, seed=np.random.default_rng(seed))
    u = sampler.random(draws)
    return np.asarray(np.clip(u, 1e-12, 1 - 1e-12), dtype=float)


# Where an uncertain value goes: "section.field" (every item of a list section, such as
# training.gain) or "section[i].field" (one item, such as stages[2].base_conversion).
_PATH = re.compile(r"^(?P<section>[a-z_]+)(\[(?P<index>\d+)\])?\.(?P<field>[a-z_0-9]+)$")


def _section_model(section: str) -> type[BaseModel] | None:
    info = Scenario.model_fields.get(section)
    if info is None:
        return None
    for arg in (info.annotation, *get_args(info.annotation)):
        for inner in (arg, *get_args(arg)):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def field_bounds(path: str) -> tuple[float, float]:
    """The (low, high) a value at ``path`` must lie in, both allowed; KeyError (with the reason)
    if ``path`` names no numeric field."""
    m = _PATH.match(path)
    if m is None:
        raise KeyError("write section.field or section[i].field, e.g. skill.improvement")
    model = _section_model(m["section"])
    if model is None:
        raise KeyError(f"no section {m['section']!r}")
    info = model.model_fields.get(m["field"])
    if info is None:
        raise KeyError(f"{m['section']} has no field {m['field']!r}")
    if not any(t in (float, int) for t in (info.annotation, *get_args(info.annotation))):
        raise KeyError(f"{path} is not a number")
    low, high = -math.inf, math.inf
    for c in info.metadata:  # exclusive bounds become the nearest value inside them
        if getattr(c, "ge", None) is not None:
            low = max(low, float(c.ge))
        if getattr(c, "gt", None) is not None:
            low = max(low, math.nextafter(float(c.gt), math.inf))
        if getattr(c, "le", None) is not None:
            high = min(high, float(c.le))
        if getattr(c, "lt", None) is not None:
            high = min(high, math.nextafter(float(c.lt), -math.inf))
    return low, high


def check_block(block: dict[str, Dist], scenario: Scenario) -> list[tuple[str, str]]:
    """(path, problem) for every uncertain input that names no numeric field, that no part of
    ``scenario`` uses, or whose distribution reaches outside the field's bounds (its 0.1% and
    99.9% quantiles, so a normal's tails may pass; draws are then clipped to the bounds)."""
    problems = []
    for path, dist in block.items():
        try:
            low, high = field_bounds(path)
        except KeyError as exc:
            problems.append((path, str(exc.args[0])))
            continue
        m = _PATH.match(path)
        assert m is not None
        owner = getattr(scenario, m["section"])
        if owner is None or owner == []:
            problems.append((path, f"the scenario has no {m['section']}: nothing uses it"))
            continue
        if m["index"] is not None and (
            not isinstance(owner, list) or int(m["index"]) >= len(owner)
        ):
            problems.append((path, f"{m['section']} has no item {m['index']}"))
            continue
        lo, hi = (float(v) for v in dist.ppf(np.array([0.001, 0.999])))
        if lo < low or hi > high:
            problems.append(
                (path, f"the distribution reaches {lo:g} to {hi:g}, outside [{low:g}, {high:g}]")
            )
    return problems


def apply_draw(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """``scenario`` with each path set to its value (clipped to the field's bounds). An input
    of a section the scenario does not have (the outside coach's quality, for a scenario
    without one) leaves it unchanged: it belongs to the options that have it."""
    data = scenario.model_dump()
    for path, value in values.items():
        low, high = field_bounds(path)
        v = min(high, max(low, value))
        m = _PATH.match(path)
        assert m is not None
        owner = data[m["section"]]
        if owner is None or owner == []:
            continue
        items = owner if isinstance(owner, list) else [owner]
        if m["index"] is not None:
            items = [owner[int(m["index"])]]
        for item in items:
            item[m["field"]] = round(v) if isinstance(item[m["field"]], int) else v
    return Scenario.model_validate(data)


NOT_BY_DEFAULT = frozenset({"stages.base_conversion"})
"""Evidence records that are not one value of one field: the stages' record bounds the win rate
of forecast deals, a product of two stages' conversions."""


def defaults_block(scenario: Scenario) -> dict[str, Dist]:
    """``uncertain: defaults``: every evidence record's triangular distribution (plausible range,
    mode at the likely value) for each field ``scenario`` uses."""
    block: dict[str, Dist] = {}
    for path in evidence():
        if path in NOT_BY_DEFAULT:
            continue
        section = path.split(".")[0]
        if getattr(scenario, section) in (None, []):
            continue
        block[path] = from_evidence(path)
    return block
