"""Checks that need several fields at once, and the one validation every scenario goes through.

:func:`semantic_problems` finds what pydantic cannot see field by field (a stage named in a
scope that does not exist or is listed twice, a week too full for its admin, selling and
meetings, a programme that starts after the horizon, a concentration no ability spread gives);
:func:`validate_scenario` runs the schema and these checks and reports every problem at its
position; :func:`load_scenario` reads a file and validates it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sim.clock import DAYS_PER_WEEK
from sim.scenario.ability import SpreadError, ability_sigma
from sim.scenario.fields import label_key
from sim.scenario.loader import load_mapping
from sim.scenario.problems import Document, ScenarioError
from sim.scenario.programmes import Programme, group_counts
from sim.scenario.schema import Scenario
from sim.scenario.team import free_coaching_hours
from sim.scenario.uncertain import check_block, check_correlated, check_sweep

Loc = tuple[str | int, ...]
OVERFULL_WEEK: Loc = ("managers", "admin_hours_per_week")
"""Where a week too full for its admin, selling, other work and meetings is reported."""
CALIBRATED = ("team.top20_revenue_share", "team.ability_lead_elasticity", "stages")
"""Inputs of the ability spread's solve (the one check that takes long: about 0.1 s a value)."""


Found = list[tuple[Loc, str]]
"""Problems a check found, as (location, message) pairs."""


def semantic_problems(s: Scenario, spread: bool = True) -> Found:
    """Checks that need several fields at once, as (location, message) pairs, always in the same
    order; ``spread`` False leaves out the one that solves for the ability spread."""
    return [
        *_stage_names(s),
        *_listed_stages(s, ("coaching", "scope"), s.coaching.scope),
        *(_ability_spread(s) if spread else []),
        *_week_has_room(s),
        *_programme_dates(s),
        *_outside_coach(s),
        *_manager_groups(s),
        *_training(s),
        *_blocks(s),
    ]


def _stage_names(s: Scenario) -> Found:
    """Each stage named once, however its name is written."""
    out: Found = []
    seen: dict[str, str] = {}
    for i, n in enumerate(s.stage_names()):
        first = seen.get(label_key(n))
        if first == n:
            out.append((("stages", i, "name"), f"stage {n!r} is defined twice"))
        elif first is not None:
            out.append(
                (("stages", i, "name"), f"stage {n!r} is {first!r} again, written differently")
            )
        seen.setdefault(label_key(n), n)
    return out


def _listed_stages(s: Scenario, loc: Loc, stages: list[str] | None) -> Found:
    """A list of stages (a scope, a training's stages) names stages that exist, each once, and
    at least one (null means all)."""
    names = s.stage_names()
    out: Found = []
    listed: set[str] = set()
    for j, n in enumerate(stages or []):
        if n not in names:
            out.append(((*loc, j), f"no stage named {n!r}; stages are {', '.join(names)}"))
        elif n in listed:
            out.append(((*loc, j), f"stage {n!r} is listed twice"))
        listed.add(n)
    if stages is not None and not stages:
        out.append((loc, "must name at least one stage (or be null for all)"))
    return out


def _ability_spread(s: Scenario) -> Found:
    """Some spread of rep ability gives the team's revenue concentration."""
    try:
        ability_sigma(
            s.team.top20_revenue_share,
            [st.base_conversion for st in s.stages],
            s.team.ability_lead_elasticity,
        )
    except SpreadError as exc:
        return [(("team", "top20_revenue_share"), str(exc))]
    return []


def _week_has_room(s: Scenario) -> Found:
    """A manager's admin, own selling, other work and expected meetings fit in the week."""
    m = s.managers
    if free_coaching_hours(m) >= -1e-9:
        return []
    meetings = m.meetings_per_week * m.meeting_mean_hours
    planned = m.admin_hours_per_week + m.selling_hours_per_week + m.other_hours_per_week
    return [
        (
            OVERFULL_WEEK,
            f"admin ({m.admin_hours_per_week:g} h) + own selling "
            f"({m.selling_hours_per_week:g} h) + other work ({m.other_hours_per_week:g} h) "
            f"+ expected meetings ({meetings:g} h) = {planned + meetings:g} h exceeds "
            f"the {m.hours_per_day * DAYS_PER_WEEK:g}-hour week "
            f"({DAYS_PER_WEEK} x hours_per_day)",
        )
    ]


def _programme_dates(s: Scenario) -> Found:
    """The managers' and the outside coach's programmes: some tier weighted, and a start
    within the horizon."""
    out: Found = []
    for section, prog in (("coaching", s.coaching), ("outside_coach", s.outside_coach)):
        if prog is None:
            continue
        f = prog.focus
        if f.policy == "tier" and f.tier_weights.A + f.tier_weights.B + f.tier_weights.C == 0:
            out.append(((section, "focus", "tier_weights"), "all tier weights are zero"))
        if prog.start_week >= s.weeks and prog.sessions_per_rep_per_week > 0:
            out.append(((section, "start_week"), f"starts after the {s.weeks}-week horizon"))
    return out


def _outside_coach(s: Scenario) -> Found:
    """The outside coach's scope, one fee, an end after its start, no more teams than there
    are."""
    oc = s.outside_coach
    if oc is None:
        return []
    out = _listed_stages(s, ("outside_coach", "scope"), oc.scope)
    fees = (oc.fee_per_hour_usd is not None) + (oc.fee_per_rep_per_month_usd is not None)
    if fees != 1:
        out.append(
            (
                ("outside_coach", "fee_per_hour_usd"),
                "set exactly one of fee_per_hour_usd and fee_per_rep_per_month_usd "
                "(null the other)",
            )
        )
    if oc.end_week is not None and oc.end_week <= oc.start_week:
        out.append((("outside_coach", "end_week"), "must be after start_week"))
    if oc.teams is not None and oc.teams > s.team.managers:
        out.append(
            (
                ("outside_coach", "teams"),
                f"{oc.teams} teams, but the team has {s.team.managers} managers",
            )
        )
    return out


def _manager_groups(s: Scenario) -> Found:
    """Groups of managers: their coaching's scope, every programme's end after its start, and
    shares that add up to at most 1 and give each group a manager."""
    out: Found = []
    programmes: list[tuple[Loc, Programme]] = [(("coaching",), s.coaching)]
    for i, g in enumerate(s.manager_groups):
        if g.coaching is not None:
            programmes.append((("manager_groups", i, "coaching"), g.coaching))
            out += _listed_stages(s, ("manager_groups", i, "coaching", "scope"), g.coaching.scope)
    for loc, c in programmes:
        if c.end_week is not None and c.end_week <= c.start_week:
            out.append(((*loc, "end_week"), "must be after start_week"))
    if sum(g.share for g in s.manager_groups) > 1.0 + 1e-9:
        out.append((("manager_groups",), "the groups' shares add up to more than 1"))
        return out
    counts = group_counts([g.share for g in s.manager_groups], s.team.managers)
    for i, (g, size) in enumerate(zip(s.manager_groups, counts, strict=True)):
        if size == 0:
            out.append(
                (
                    ("manager_groups", i, "share"),
                    f"{g.share:g} of {s.team.managers} managers is no manager",
                )
            )
    return out


def _training(s: Scenario) -> Found:
    """Each training's stages, and a start within the horizon."""
    out: Found = []
    for i, t in enumerate(s.training):
        out += _listed_stages(s, ("training", i, "stages"), t.stages)
        if t.start_week >= s.weeks:
            out.append((("training", i, "start_week"), f"starts after the {s.weeks}-week horizon"))
    return out


def _blocks(s: Scenario) -> Found:
    """The uncertain:, correlated: and sweep: blocks, each checked against the scenario."""
    out: Found = []
    if isinstance(s.uncertain, dict):
        out.extend((("uncertain", path), msg) for path, msg in check_block(s.uncertain, s))
    if s.correlated:
        out.extend((("correlated", i), msg) for i, msg in check_correlated(s.correlated, s))
    if s.sweep:
        out.extend((("sweep", path), msg) for path, msg in check_sweep(s.sweep, s))
    return out


def validate_scenario(doc: Document, data: dict[str, Any], prefix: Loc = ()) -> Scenario:
    """``data`` (found at ``prefix`` in ``doc``) as a Scenario, or every problem with it.

    The one validation every scenario goes through, read from a file or from a run's record."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(doc.pydantic_problems(exc, Scenario, prefix)) from None
    problems = semantic_problems(scenario)
    if problems:
        raise ScenarioError([doc.problem((*prefix, *loc), msg) for loc, msg in problems])
    return scenario


def load_scenario(path: str) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Raises :class:`ScenarioError` listing every problem with file:line:column and field.
    """
    doc = load_mapping(path, settings=tuple(Scenario.model_fields))
    scenario = validate_scenario(doc, doc.data)
    if scenario.name is None:
        scenario = scenario.model_copy(update={"name": doc.default_name})
    return scenario
