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
``uncertain: defaults``. :func:`comparison_block` joins the blocks of a comparison's scenarios
into one (an input is one fact about the world, the same in every scenario that has it), and a
:class:`Design` holds its draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import get_args

import numpy as np
from pydantic import BaseModel

from sim.scenario.distributions import DISTRIBUTION, KINDS, Dist, Triangular
from sim.scenario.evidence import evidence
from sim.scenario.schema import Scenario

__all__ = [
    "DISTRIBUTION",
    "KINDS",
    "Design",
    "Dist",
    "apply_draw",
    "check_block",
    "check_sweep",
    "comparison_block",
    "defaults_block",
    "make_design",
    "make_grid",
    "make_sobol_design",
]


def from_evidence(path: str) -> Triangular:
    """The default distribution of ``path``: triangular over its evidence range, mode at the
    likely value."""
    e = evidence()[path]
    return Triangular(triangular=[e.low, e.likely, e.high])


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


def path_problem(path: str, scenario: Scenario) -> tuple[str | None, tuple[float, float]]:
    """What is wrong with ``path`` for ``scenario`` (None: nothing), and the field's bounds."""
    try:
        bounds = field_bounds(path)
    except KeyError as exc:
        return str(exc.args[0]), (-math.inf, math.inf)
    m = _PATH.match(path)
    assert m is not None
    owner = getattr(scenario, m["section"])
    if owner is None or owner == []:
        return f"the scenario has no {m['section']}: nothing uses it", bounds
    if m["index"] is not None and (not isinstance(owner, list) or int(m["index"]) >= len(owner)):
        return f"{m['section']} has no item {m['index']}", bounds
    return None, bounds


def check_block(block: Mapping[str, Dist], scenario: Scenario) -> list[tuple[str, str]]:
    """(path, problem) for every uncertain input that names no numeric field, that no part of
    ``scenario`` uses, or whose distribution reaches outside the field's bounds (its 0.1% and
    99.9% quantiles, so a normal's tails may pass; draws are then clipped to the bounds)."""
    problems = []
    for path, dist in block.items():
        problem, (low, high) = path_problem(path, scenario)
        if problem:
            problems.append((path, problem))
            continue
        lo, hi = (float(v) for v in dist.ppf(np.array([0.001, 0.999])))
        if lo < low or hi > high:
            problems.append(
                (path, f"the distribution reaches {lo:g} to {hi:g}, outside [{low:g}, {high:g}]")
            )
    return problems


def check_sweep(block: Mapping[str, Sequence[float]], scenario: Scenario) -> list[tuple[str, str]]:
    """(path, problem) for every swept field that names no numeric field, that no part of
    ``scenario`` uses, or with a value outside the field's bounds."""
    problems = []
    for path, values in block.items():
        problem, (low, high) = path_problem(path, scenario)
        if problem is None:
            outside = [v for v in values if not low <= v <= high]
            if outside:
                problem = f"{outside[0]:g} is outside [{low:g}, {high:g}]"
            elif len(set(values)) != len(values):
                problem = "a value is listed twice"
        if problem:
            problems.append((path, problem))
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


def _values(scenario: Scenario, path: str) -> tuple[float, ...] | None:
    """The scenario's own value(s) at ``path``; None if it has no such section (or item)."""
    m = _PATH.match(path)
    assert m is not None
    owner = getattr(scenario, m["section"])
    if owner is None or owner == []:
        return None
    items = owner if isinstance(owner, list) else [owner]
    if m["index"] is not None:
        i = int(m["index"])
        if i >= len(items):
            return None
        items = [items[i]]
    return tuple(float(getattr(item, m["field"])) for item in items)


@dataclass(frozen=True)
class Block:
    """The uncertain inputs of a comparison, joined from its scenarios' blocks."""

    inputs: dict[str, Dist]
    problems: list[str]
    """One line each: inputs the scenarios disagree on (nothing may run)."""
    notes: list[str]
    """One line each: what ``defaults`` left out, and why."""


def comparison_block(scenarios: Sequence[Scenario]) -> Block:
    """The one block of the scenarios of a comparison.

    An input is a fact about the world, so it takes the same value in every scenario that has
    its section; an input of one option's section (the outside coach's quality) varies only
    there. Two scenarios giving one input different distributions is a problem, and so is an
    input whose own value differs between the scenarios: it is what the options choose, not
    something uncertain. ``uncertain: defaults`` leaves such inputs at each scenario's value."""
    given: dict[str, tuple[Dist, str]] = {}
    defaults: dict[str, Dist] = {}
    problems: list[str] = []
    for s in scenarios:
        name = s.name or "scenario"
        if s.uncertain == "defaults":
            defaults.update(defaults_block(s))
            continue
        for path, dist in (s.uncertain or {}).items():
            if path in given and given[path][0] != dist:
                problems.append(
                    f"uncertain: {path}: {given[path][1]} and {name} give it different "
                    "distributions; it is one fact about the world, so give it once"
                )
            given.setdefault(path, (dist, name))
    inputs = {**defaults, **{p: d for p, (d, _) in given.items()}}
    notes = []
    levers = []
    for path in sorted(inputs):
        own = {s.name: v for s in scenarios if (v := _values(s, path)) is not None}
        if len(set(own.values())) <= 1:
            continue
        if path in given:
            shown = ", ".join(f"{'/'.join(f'{x:g}' for x in v)} in {n}" for n, v in own.items())
            problems.append(
                f"uncertain: {path}: the scenarios set it differently ({shown}), so it is what "
                "they choose, not something uncertain; leave it out of uncertain:"
            )
        else:
            levers.append(path)
        del inputs[path]
    if levers:
        notes.append(
            "kept at each scenario's own value, as the scenarios differ in them: "
            + ", ".join(levers)
        )
    return Block(inputs, problems, notes)


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
    sobol_n: int = 0
    """A Saltelli design for Sobol indices (:func:`make_sobol_design`): its base sample size;
    0: not one."""

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
    values = np.column_stack([dist.ppf(units[:, i]) for i, dist in enumerate(dists)])
    return Design(paths, values, reps_per_draw, dists, sobol_n=n)


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


def make_design(block: dict[str, Dist], draws: int, reps_per_draw: int, seed: int) -> Design:
    """``draws`` draws of ``block`` from a scrambled Sobol design seeded by ``seed``."""
    paths = tuple(sorted(block))
    dists = tuple(block[p] for p in paths)
    if not paths:
        return Design(paths, np.zeros((draws, 0)), reps_per_draw)
    u = unit_design(draws, len(paths), seed)
    values = np.column_stack([d.ppf(u[:, i]) for i, d in enumerate(dists)])
    return Design(paths, values.reshape(draws, len(paths)), reps_per_draw, dists)
