"""Distributions of uncertain inputs, and their draws (a scenario's ``uncertain:`` block).

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
into one (an input is one fact about the world, the same in every scenario that has it);
:mod:`sim.scenario.designs` draws them.
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
    "Dist",
    "apply_draw",
    "check_block",
    "check_correlated",
    "check_sweep",
    "comparison_block",
    "defaults_block",
]


def from_evidence(path: str) -> Triangular:
    """The default distribution of ``path``: triangular over its evidence range, mode at the
    likely value."""
    e = evidence()[path]
    return Triangular(triangular=[e.low, e.likely, e.high])


# Where an uncertain value goes: "section.field" (every item of a list section, such as
# training.gain) or "section[i].field" (one item, such as stages[2].base_conversion).
_PATH = re.compile(r"^(?P<section>[a-z_]+)(\[(?P<index>\d+)\])?\.(?P<field>[a-z_0-9]+)$")


Pair = tuple[str, str]
"""Two inputs, in alphabetical order."""


def _section_model(section: str) -> type[BaseModel] | None:
    info = Scenario.model_fields.get(section)
    if info is None:
        return None
    for arg in (info.annotation, *get_args(info.annotation)):
        for inner in (arg, *get_args(arg)):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def is_share_path(path: str) -> bool:
    """Whether ``path`` names a share: a number bounded within 0 to 1 (``10%`` may be given)."""
    try:
        low, high = field_bounds(path)
    except KeyError:
        return False
    return low >= 0.0 and high <= 1.0


def is_whole_path(path: str) -> bool:
    """Whether ``path`` names a whole-number setting (managers, weeks, sessions a week)."""
    m = _PATH.match(path)
    model = _section_model(m["section"]) if m else None
    info = model.model_fields.get(m["field"]) if model is not None and m else None
    if info is None:
        return False
    kinds = (info.annotation, *get_args(info.annotation))
    return int in kinds and float not in kinds


def not_whole(path: str, value: float) -> str | None:
    """Why ``value`` cannot be given for ``path`` (a fraction for a whole-number setting), or
    None."""
    if is_whole_path(path) and float(value) != round(float(value)):
        return f"{value:g} is not a whole number ({path} counts whole units)"
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
        with np.errstate(all="ignore"):  # a tail beyond floats is inf, and out of bounds
            lo, hi = (float(v) for v in dist.ppf(np.array([0.001, 0.999])))
        if not (low <= lo and hi <= high):  # nan fails too
            problems.append(
                (path, f"the distribution reaches {lo:g} to {hi:g}, outside [{low:g}, {high:g}]")
            )
    return problems


def check_correlated(
    pairs: Sequence[tuple[str, str, float]], scenario: Scenario
) -> list[tuple[int, str]]:
    """(index, problem) for every correlation that names an input the scenario's uncertain:
    does not have, pairs an input with itself, or repeats a pair."""
    block = (
        defaults_block(scenario)
        if scenario.uncertain == "defaults"
        else dict(scenario.uncertain or {})
    )
    problems: list[tuple[int, str]] = []
    seen: set[Pair] = set()
    for i, (a, b, _) in enumerate(pairs):
        missing = [p for p in (a, b) if p not in block]
        pair: Pair = (min(a, b), max(a, b))
        if missing:
            problems.append((i, f"{missing[0]} is not in uncertain:"))
        elif a == b:
            problems.append((i, "an input cannot be correlated with itself"))
        elif pair in seen:
            problems.append((i, f"{a} and {b} are correlated twice"))
        seen.add(pair)
    if not problems and pairs:
        paths = sorted({p for a, b, _ in pairs for p in (a, b)})
        target = np.eye(len(paths))
        for a, b, rho in pairs:
            i, j = paths.index(a), paths.index(b)
            target[i, j] = target[j, i] = rho
        if np.linalg.eigvalsh(target).min() <= 1e-9:
            problems.append(
                (0, "these correlations cannot hold together (no joint distribution has them)")
            )
    return problems


def check_sweep(block: Mapping[str, Sequence[float]], scenario: Scenario) -> list[tuple[str, str]]:
    """(path, problem) for every swept field that names no numeric field, that no part of
    ``scenario`` uses, or with a value outside the field's bounds."""
    problems = []
    for path, values in block.items():
        problem, bounds = path_problem(path, scenario)
        if problem is None:
            problem = values_problem(path, values, bounds)
        if problem is None and len(set(values)) != len(values):
            problem = "a value is listed twice"
        if problem:
            problems.append((path, problem))
    return problems


def values_problem(path: str, values: Sequence[float], bounds: tuple[float, float]) -> str | None:
    """What is wrong with setting ``path`` to each of ``values`` (a sweep's or ``--set``'s),
    given the field's ``bounds``: a value outside them, or a fraction for a whole number."""
    low, high = bounds
    outside = [v for v in values if not low <= v <= high]
    if outside:
        return f"{outside[0]:g} is outside [{low:g}, {high:g}]"
    return next((why for v in values if (why := not_whole(path, v))), None)


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
        whole = is_whole_path(path)
        for item in items:
            item[m["field"]] = round(v) if whole or isinstance(item[m["field"]], int) else v
    return Scenario.model_validate(data)


NOT_BY_DEFAULT = frozenset(
    {
        "stages.base_conversion",
        "coaching.sessions_per_rep_per_week",
        "outside_coach.fee_per_hour_usd",
    }
)
"""Evidence records that ``uncertain: defaults`` leaves alone: the stages' record bounds the win
rate of forecast deals, a product of two stages' conversions, not one value of one field; the
managers' coaching cadence is the team's choice, and the outside coach's fee its quote, known
when deciding, not facts about the world (the report's acceptability curve shows every fee)."""


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


def value_at(scenario: Scenario, path: str) -> tuple[float, ...] | None:
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
    correlated: dict[Pair, float]
    """Rank correlations between inputs, by pair."""
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
    correlated: dict[Pair, float] = {}
    for s in scenarios:
        for a, b, rho in s.correlated or []:
            pair: Pair = (min(a, b), max(a, b))
            if correlated.get(pair, rho) != rho:
                problems.append(
                    f"correlated: {a} and {b}: the scenarios give different correlations; give "
                    "it once"
                )
            correlated[pair] = rho
    notes = []
    levers = []
    for path in sorted(inputs):
        own = {s.name: v for s in scenarios if (v := value_at(s, path)) is not None}
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
    correlated = {k: v for k, v in correlated.items() if k[0] in inputs and k[1] in inputs}
    return Block(inputs, problems, correlated, notes)
