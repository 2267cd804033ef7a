"""The scenario: a static description of a sales team, its coaching and its economics.

A scenario file is YAML validated against :class:`Scenario` (pydantic, unknown keys forbidden,
a description with units and a source or "assumption" on every field). Defaults describe the
reference team: 8 managers of 6 reps each who coach informally about 10% of their time, no
training, no outside coach, 104 weeks. Loading, ``extends:`` and error reporting live in
:mod:`sim.scenario.loader`; the checks that need several fields at once are in
:mod:`sim.scenario.checks`. The sections are in :mod:`sim.scenario.team` and
:mod:`sim.scenario.programmes`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)

from sim.scenario.distributions import Distribution
from sim.scenario.evidence import cited
from sim.scenario.fields import MAX_WEEKS, Label, Strict, Text, as_share
from sim.scenario.programmes import (
    ManagerGroup,
    OutsideCoach,
    Programme,
    Training,
)
from sim.scenario.team import DealValue, Leads, Managers, Skill, Stage, Team, default_stages


class Money(Strict):
    """How results become money."""

    gross_margin: float = Field(
        default=0.6,
        gt=0.0,
        le=1.0,
        description="Gross profit per dollar of revenue.",
        json_schema_extra=cited("money.gross_margin"),
    )
    manager_hourly_cost_usd: float = Field(
        default=77.0,
        ge=0.0,
        le=1e5,
        description="Loaded cost of a manager hour worked, USD: median sales-manager pay (BLS, "
        "$135,160) loaded by employers' costs (ECEC 2026), over the 50-hour weeks a manager "
        "works. See docs/evidence.md.",
        json_schema_extra=cited("money.manager_hourly_cost_usd"),
    )
    rep_hourly_cost_usd: float = Field(
        default=60.0,
        ge=0.0,
        le=1e5,
        description="Loaded cost of a rep hour, USD (assumption).",
        json_schema_extra=cited("money.rep_hourly_cost_usd"),
    )
    annual_discount_rate: float = Field(
        default=0.08, ge=0.0, le=1.0, description="Discount rate for NPV, per year."
    )


def _uncertain_kind(value: Any) -> str | None:
    if value == "defaults":
        return "defaults"
    return "block" if isinstance(value, dict) else None


Uncertain = Annotated[
    Annotated[Literal["defaults"], Tag("defaults")]
    | Annotated[
        dict[Annotated[str, StringConstraints(max_length=200)], Distribution], Tag("block")
    ],
    Discriminator(
        _uncertain_kind,
        custom_error_type="uncertain",
        custom_error_message="write defaults, or a mapping of path: distribution, e.g. "
        "skill.improvement: {triangular: [0.2, 0.5, 1.0]}",
    ),
]
"""The ``uncertain:`` block: ``defaults`` or {path: distribution}."""


class Scenario(Strict):
    """A whole scenario. Every section is optional: omitted parts take the reference values."""

    name: Label | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Name in reports; not inherited through extends. Default: the file name.",
    )
    description: Text = Field(
        default="",
        max_length=2000,
        description="What this scenario is; not inherited.",
    )
    extends: str | None = Field(
        default=None,
        max_length=1000,
        description="Path (relative to this file) of a scenario whose settings this one "
        "starts from; mappings merge key by key, lists are replaced whole.",
    )
    weeks: int = Field(default=104, ge=1, le=MAX_WEEKS, description="Horizon, weeks.")
    warmup_weeks: int = Field(
        default=16,
        ge=0,
        le=520,
        description="Weeks simulated before week 0 so the pipeline is full when results start; "
        "no programme runs and nothing is recorded in them (assumption: longer than a typical "
        "sales cycle).",
    )
    team: Team = Field(default_factory=Team, description="Who is on the team.")
    stages: list[Stage] = Field(
        default_factory=default_stages, min_length=1, max_length=20, description="Sales stages."
    )
    leads: Leads = Field(default_factory=Leads, description="Lead arrivals.")
    deal_value: DealValue = Field(default_factory=DealValue, description="Deal values.")
    skill: Skill = Field(default_factory=Skill, description="Skill dynamics.")
    managers: Managers = Field(default_factory=Managers, description="Managers' week.")
    coaching: Programme = Field(
        default_factory=Programme,
        description="The managers' own coaching of their reps (reference: informal one-to-ones, "
        "one of 50 min per rep a week, about 10% of a 50-hour week).",
    )
    manager_groups: list[ManagerGroup] = Field(
        default_factory=list,
        max_length=20,
        description="Managers differ: groups of managers with their own coaching and quality "
        '(for "left to the manager": some coach, others do not). Empty: every manager coaches '
        "as coaching says.",
    )
    outside_coach: OutsideCoach | None = Field(
        default=None,
        description="An outside professional coach; null = none. Its defaults are a trained "
        "manager's coaching (quality 0.75, generic, formal sessions), since no study finds "
        "professional coaches better; a vendor's claims (better quality, tailored, micro "
        "sessions) are the scenario's to set and to mark as claims.",
    )
    training: list[Training] = Field(
        default_factory=list, max_length=50, description="Training programmes."
    )
    money: Money = Field(default_factory=Money, description="Economics.")
    uncertain: Uncertain | None = Field(
        default=None,
        description="Inputs we are not sure of, each a distribution by its path, e.g. "
        "skill.improvement: {triangular: [0.2, 0.5, 1.0]} or outside_coach.quality: {beta: "
        "{mean: 0.8, sd: 0.1}} (also uniform, normal, lognormal, range: a 90% interval, choice); "
        "or defaults: every input with a published range. compare then runs draws of them "
        "(see --uncertainty).",
    )

    def stage_names(self) -> list[str]:
        """Names of the stages, in order."""
        return [s.name for s in self.stages]

    correlated: (
        list[
            Annotated[
                tuple[
                    Annotated[str, StringConstraints(max_length=200)],
                    Annotated[str, StringConstraints(max_length=200)],
                    Annotated[float, Field(ge=-0.99, le=0.99)],
                ],
                BeforeValidator(lambda v: tuple(v) if isinstance(v, list) else v),
            ]
        ]
        | None
    ) = Field(
        default=None,
        max_length=50,
        description="Uncertain inputs that move together, each [path, path, rank correlation "
        "from -0.99 to 0.99], e.g. [outside_coach.quality, skill.improvement, 0.5]; both paths "
        "in uncertain:. Draws get these rank correlations (Iman-Conover). Default: independent.",
    )
    sweep: (
        dict[
            Annotated[str, StringConstraints(max_length=200)],
            Annotated[
                list[Annotated[float, Field(allow_inf_nan=False)]],
                Field(min_length=1, max_length=50),
            ],
        ]
        | None
    ) = Field(
        default=None,
        max_length=4,
        description="Settings of this scenario to try in turn, each a list of values by its "
        "path, e.g. outside_coach.hours_per_week: [5, 10, 20]; several make a grid. compare "
        "runs one comparison per point on the same random numbers (see --set).",
    )

    @model_validator(mode="before")
    @classmethod
    def _swept_percentages(cls, data: Any) -> Any:
        """A share swept as percentages (``[50%, 90%]``) as the numbers they mean, as the
        setting itself may be given."""
        sweep = data.get("sweep") if isinstance(data, dict) else None
        if not isinstance(sweep, dict):
            return data
        from sim.scenario.uncertain import is_share_path  # it reads this schema

        out = {}
        for path, values in sweep.items():
            if isinstance(path, str) and isinstance(values, list) and is_share_path(path):
                values = [as_share(v) for v in values]
            out[path] = values
        return {**data, "sweep": out}

    def _dump(self, exclude: set[str]) -> dict[str, Any]:
        # no uncertain or sweep block: the same record, and hash, as before there could be one
        unset = {k for k in ("uncertain", "correlated", "sweep") if getattr(self, k) is None}
        return self.model_dump(mode="json", exclude=exclude | unset)

    def canonical(self) -> dict[str, object]:
        """The fully resolved scenario as plain JSON data (what the manifest records)."""
        return self._dump({"extends"})

    def digest(self) -> str:
        """A SHA-256 of the resolved settings, independent of names and descriptions."""
        data = self._dump({"extends", "name", "description"})
        blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()


def scenario_json_schema() -> dict[str, object]:
    """The JSON Schema of scenario files (what ``coachsim schema`` prints)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "coachsim scenario"
    return schema


__all__ = ["Money", "Scenario", "scenario_json_schema"]
