"""The search space: the choices a sales leader controls, and the plans made of them.

A search space is a YAML file beside the scenario it varies::

    choices:                                   # setting: the values to try
      outside_coach.hours_per_week: [5, 10, 20, 30]
      outside_coach.format: [in_person, virtual]
      outside_coach.style: [micro, formal]
      outside_coach.coach_the_coach: [false, true]
      coaching.focus.policy: [uniform, tier, readiness]
      managers.coaching_protection: [0.0, 0.5]
    plans: 40                                  # how many to try (the whole grid if no more)
    budget:
      fees_per_year_usd: 300000                # a year of the coach at the hours bought

A plan is the option scenario with one value of each choice. With no more combinations than
``plans`` every one is tried; otherwise ``plans`` of them are picked by a Latin hypercube over the
choices (each value of each choice about equally often; ``scipy.stats.qmc``), always with the
option as written. A plan the scenario's own checks refuse, whose managers' week leaves no time
to coach, or whose outside coach costs more a year than the budget, is left out, and the notes
say how many and why.

Only the levers of a plan may be chosen: the sections :data:`LEVERS`. What describes the team or
the world (skills, leads, deal values, money) is not a choice, and neither is an uncertain input
(a draw would overwrite it).
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, ValidationError
from scipy.stats import qmc

from sim.scenario import Scenario, semantic_problems
from sim.scenario.checks import OVERFULL_WEEK
from sim.scenario.fields import Strict
from sim.scenario.loader import load_record
from sim.scenario.problems import Problem, ScenarioError, plain_message

LEVERS = ("outside_coach", "coaching", "managers", "training")
"""Sections whose settings a plan may choose."""
WEEKS_PER_YEAR = 52.0
DEFAULT_PLANS = 40
MAX_PLANS = 400
MAX_VALUES = 50

Value = bool | int | float | str


class Budget(Strict):
    """What a plan may cost."""

    fees_per_year_usd: float | None = Field(
        default=None,
        ge=0.0,
        le=1e10,
        description="Most a year of the outside coach may cost at the hours bought (the fee per "
        "hour x hours a week x 52, or the fee per rep per month x reps x 12); null: no limit.",
    )


class SpaceFile(Strict):
    """A search space file."""

    choices: dict[str, list[Value]] = Field(
        min_length=1,
        description="Setting (a dotted path such as outside_coach.hours_per_week) -> the values "
        "to try.",
    )
    plans: int = Field(
        default=DEFAULT_PLANS,
        ge=2,
        le=MAX_PLANS,
        description="How many plans to try: every combination if there are no more, otherwise "
        "a Latin hypercube of this many.",
    )
    budget: Budget = Field(default_factory=Budget, description="What a plan may cost.")


@dataclass(frozen=True)
class Plan:
    """One plan: the option with these choices."""

    name: str
    choices: dict[str, Value]
    scenario: Scenario
    fee_per_year: float
    """A year of the outside coach at the hours bought (0 without one)."""
    as_written: bool = False
    """The option as its file has it."""

    @property
    def label(self) -> str:
        """The plan in a few words: each choice's last name and value."""
        words = ", ".join(f"{p.rsplit('.', 1)[-1]} {shown(v)}" for p, v in self.choices.items())
        return words + ("; the option as written" if self.as_written else "")


@dataclass(frozen=True)
class Space:
    """A search space read from its file and checked against the option."""

    file: str
    choices: dict[str, list[Value]]
    plans: int
    budget: float | None


def shown(v: Value) -> str:
    """A choice's value in words: yes or no, whole numbers without decimals."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def fee_per_year(s: Scenario) -> float:
    """A year of ``s``'s outside coach at the hours bought: hours a week x 52 x the hourly fee,
    or the monthly fee per rep x the reps it coaches x 12; 0 without an outside coach."""
    c = s.outside_coach
    if c is None:
        return 0.0
    if c.fee_per_hour_usd is not None:
        return c.hours_per_week * WEEKS_PER_YEAR * c.fee_per_hour_usd
    teams = c.teams if c.teams is not None else s.team.managers
    return (c.fee_per_rep_per_month_usd or 0.0) * teams * s.team.reps_per_manager * 12.0


def with_choices(option: Scenario, choices: dict[str, Value], name: str) -> Scenario:
    """``option`` with each dotted path set to its value, checked as a scenario file is
    (raises ``ValidationError``)."""
    data = option.model_dump()
    for path, value in choices.items():
        *parents, last = path.split(".")
        node = data
        for p in parents:
            node = node[p]
        node[last] = value
    data["name"] = name
    return Scenario.model_validate(data)


def _path_problem(path: str, option: Scenario, uncertain: Sequence[str]) -> str | None:
    section = path.split(".", 1)[0]
    if section not in LEVERS:
        return (
            f"{section} describes the team or the world, not a plan; a plan chooses settings of "
            f"{', '.join(LEVERS)}"
        )
    if path in uncertain:
        return "is an uncertain input of the scenarios: a draw would overwrite the plan's value"
    node: Any = option.model_dump()
    for p in path.split("."):
        if not isinstance(node, dict) or p not in node:
            if section == "outside_coach" and option.outside_coach is None:
                return "the option has no outside_coach section to vary"
            return f"no setting {path} in the option (see coachsim schema)"
        node = node[p]
    if isinstance(node, (dict, list)):
        return f"{path} is a section, not a setting: name one of its settings"
    return None


def read_space(path: str | os.PathLike[str], option: Scenario, uncertain: Sequence[str]) -> Space:
    """The search space in ``path``, checked against ``option``; a :class:`ScenarioError` with
    one line per problem (file:line:column, the choice, what is wrong)."""
    doc = load_record(path)
    try:
        parsed = SpaceFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(doc.pydantic_problems(exc, SpaceFile)) from None
    problems: list[Problem] = []
    for p, values in parsed.choices.items():
        where = ("choices", p)
        problem = _path_problem(p, option, uncertain)
        if problem:
            problems.append(doc.problem(where, problem, key=True))
            continue
        if not values:
            problems.append(doc.problem(where, "give at least one value"))
        elif len(values) > MAX_VALUES:
            problems.append(doc.problem(where, f"at most {MAX_VALUES} values"))
        elif len({(type(v) is bool, v) for v in values}) < len(values):
            problems.append(doc.problem(where, "a value is given twice"))
        for i, v in enumerate(values):
            try:
                with_choices(option, {p: v}, "check")
            except ValidationError as exc:
                msg = plain_message(exc.errors(include_url=False)[0])
                problems.append(doc.problem((*where, i), f"{v!r} cannot be used: {msg}"))
    if problems:
        raise ScenarioError(problems)
    return Space(str(doc.top_file), parsed.choices, parsed.plans, parsed.budget.fees_per_year_usd)


def combinations(space: Space, seed: int) -> list[dict[str, Value]]:
    """The combinations of choices to try: all of them if there are no more than
    ``space.plans``, else that many distinct ones from a scrambled Latin hypercube (seeded)."""
    paths = list(space.choices)
    sizes = [len(space.choices[p]) for p in paths]
    total = math.prod(sizes)
    if total <= space.plans:
        picks = list(itertools.product(*(range(n) for n in sizes)))
    else:
        sampler = qmc.LatinHypercube(d=len(paths), seed=np.random.default_rng([seed, 28]))
        seen: dict[tuple[int, ...], None] = {}
        for _ in range(100):
            u = sampler.random(space.plans)
            for row in np.minimum((u * sizes).astype(int), np.array(sizes) - 1):
                seen.setdefault(tuple(int(i) for i in row), None)
                if len(seen) == space.plans:
                    break
            if len(seen) == space.plans:
                break
        picks = list(seen)
    return [{p: space.choices[p][i] for p, i in zip(paths, pick, strict=True)} for pick in picks]


def as_given(option: Scenario, space: Space) -> dict[str, Value]:
    """The option's own value of each choice."""
    data: Any = option.model_dump()
    out = {}
    for p in space.choices:
        node = data
        for part in p.split("."):
            node = node[part]
        out[p] = node
    return out


def make_plans(option: Scenario, space: Space, seed: int) -> tuple[list[Plan], list[str]]:
    """The plans to try (the option as written first) and notes on the ones left out."""
    given = as_given(option, space)
    combos = [given, *(c for c in combinations(space, seed) if c != given)]
    plans: list[Plan] = []
    refused: dict[str, int] = {}
    seen: set[str] = set()
    for combo in combos:
        name = f"plan-{len(plans) + 1:02d}"
        try:
            s = with_choices(option, combo, name)
        except ValidationError as exc:
            why = plain_message(exc.errors(include_url=False)[0])
            refused[f"refused by the scenario's checks ({why})"] = (
                refused.get(f"refused by the scenario's checks ({why})", 0) + 1
            )
            continue
        problems = semantic_problems(s, spread=False)
        if any(loc == OVERFULL_WEEK for loc, _ in problems):
            key = "the managers' week leaves no time to coach"
            refused[key] = refused.get(key, 0) + 1
            continue
        if problems:
            key = f"refused by the scenario's checks ({problems[0][1]})"
            refused[key] = refused.get(key, 0) + 1
            continue
        fee = fee_per_year(s)
        if space.budget is not None and fee > space.budget:
            key = f"over the budget of ${space.budget:,.0f} a year"
            refused[key] = refused.get(key, 0) + 1
            continue
        if s.digest() in seen:
            key = "the same settings as another plan"
            refused[key] = refused.get(key, 0) + 1
            continue
        seen.add(s.digest())
        plan = Plan(name, combo, s, fee, as_written=combo is given)
        described = f"A plan searched by coachsim optimise: {plan.label}."
        plans.append(replace(plan, scenario=s.model_copy(update={"description": described})))
    notes = [f"{n} plan(s) left out: {why}" for why, n in refused.items()]
    return plans, notes


def plan_file(plan: Plan, option_file: Path, folder: Path) -> str:
    """A scenario file for ``plan``: the option's file extended with the plan's choices, written
    to ``folder`` (the path to the option is relative to it), ready for ``coachsim compare``."""
    rel = os.path.relpath(option_file.resolve(), folder.resolve())
    lines = [
        "# yaml-language-server: $schema=scenario.schema.json",
        "# Written by coachsim optimise.",
        f"extends: {_yaml_scalar(Path(rel).as_posix())}",
        f"name: {plan.name}",
        f"description: {_yaml_scalar(plan.scenario.description or '')}",
    ]
    tree: dict[str, Any] = {}
    for path, value in plan.choices.items():
        *parents, last = path.split(".")
        node = tree
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value

    def emit(node: dict[str, Any], indent: int) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                lines.append(" " * indent + f"{key}:")
                emit(value, indent + 2)
            else:
                lines.append(" " * indent + f"{key}: {_yaml_scalar(value)}")

    emit(tree, 0)
    return "\n".join(lines) + "\n"


def _yaml_scalar(v: Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
