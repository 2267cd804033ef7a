"""The scenario: a static description of a sales team, its coaching and its economics.

A scenario file is YAML validated against :class:`Scenario` (pydantic, unknown keys forbidden,
a description with units and a source or "assumption" on every field). Defaults describe the
reference team: 8 managers of 6 reps each who coach informally about 20% of their time, no
training, no outside coach, 104 weeks. Loading, ``extends:`` and error reporting live in
:mod:`sim.loader`; the checks that need several fields at once are in
:func:`semantic_problems`.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from sim.calibration import CalibrationError, ability_sigma
from sim.loader import Document, Problem, ScenarioError, load_mapping

MAX_WEEKS = 2000
"""The longest horizon, weeks (about 38 years); programme weeks are bounded by it too."""
MIN_CONVERSION = 1e-4
"""Base conversions stay this far from 0 and 1, so logits and the ability calibration are finite."""
MIN_HOURS = 1.0 / 60.0
"""The shortest meeting and the fewest outside-coach hours: one minute."""


def _control_characters(value: str, allowed: str = "") -> str:
    """``value`` unchanged, or a ValueError naming the first control character in it."""
    for i, ch in enumerate(value):
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            raise ValueError(f"control character U+{ord(ch):04X} at position {i + 1}")
    return value


Label = Annotated[str, AfterValidator(_control_characters)]
"""A name shown on one line in tables, terminals and reports: no control characters."""
Text = Annotated[str, AfterValidator(lambda v: _control_characters(v, allowed="\n\t"))]
"""Free text: newlines and tabs, but no other control characters."""


class _Strict(BaseModel):
    """Base of every section: unknown keys are errors, numbers are not parsed from strings, and
    every number is finite (each field also has an upper bound, so no input overflows)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, validate_default=True, allow_inf_nan=False
    )


class Stage(_Strict):
    """One stage of the sales process."""

    name: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Stage name, lower case letters, digits and _ (used in column names).",
    )
    base_conversion: float = Field(
        ge=MIN_CONVERSION,
        le=1.0 - MIN_CONVERSION,
        description="Probability that an average rep's deal advances past this stage. Defaults "
        "are calibrated so qualified deals (past prospecting) are won about 47% of the time "
        "(CSO Insights 2015: 47.1% win rate on forecast deals).",
    )
    duration_mean_days: float = Field(
        ge=0.01,
        le=2500.0,
        description="Mean working days a deal spends in this stage (assumption).",
    )
    duration_cv: float = Field(
        default=0.5,
        ge=0.0,
        le=5.0,
        description="Coefficient of variation of the lognormal stage duration (assumption).",
    )


def _default_stages() -> list[Stage]:
    return [
        Stage(name="prospecting", base_conversion=0.45, duration_mean_days=10.0),
        Stage(name="discovery", base_conversion=0.70, duration_mean_days=15.0),
        Stage(name="proposal", base_conversion=0.72, duration_mean_days=20.0),
        Stage(name="closing", base_conversion=0.72, duration_mean_days=15.0),
    ]


class Team(_Strict):
    """Who is on the team."""

    managers: int = Field(default=8, ge=1, le=5000, description="Number of sales managers.")
    reps_per_manager: int = Field(
        default=6,
        ge=1,
        le=200,
        description="Reps reporting to each manager (CSO Insights: about 6 reps per manager).",
    )
    top20_revenue_share: float = Field(
        default=0.5,
        ge=0.2,
        lt=0.99,
        description="Expected share of rep revenue produced by the top 20% of reps by ability; "
        "sets the spread of ability (0.2 = all reps alike). Assumption: 0.5, between an even "
        "split and the 003 article's Pareto claim of 0.8.",
    )
    ability_lead_elasticity: float = Field(
        default=0.5,
        ge=0.0,
        le=5.0,
        description="How much more pipeline better sellers build: a rep's lead rate scales with "
        "exp(elasticity * ability), team mean unchanged. Assumption; without it win rates "
        "saturate and the top 20% cannot produce much more than half the revenue.",
    )
    readiness_alpha: float = Field(
        default=2.0,
        ge=0.01,
        le=1000.0,
        description="Alpha of the Beta distribution of rep readiness to be coached (003 "
        "article: not everybody is ready to be coached; assumption: Beta(2, 2), mean 0.5).",
    )
    readiness_beta: float = Field(
        default=2.0,
        ge=0.01,
        le=1000.0,
        description="Beta of the Beta distribution of readiness (assumption).",
    )
    selling_hours_per_week: float = Field(
        default=30.0,
        gt=0.0,
        le=100.0,
        description="Hours a rep spends selling in a normal week; coaching sessions and training "
        "days are taken out of it (assumption).",
    )


class Leads(_Strict):
    """How new opportunities arrive."""

    per_rep_per_week: float = Field(
        default=3.0,
        ge=0.0,
        le=500.0,
        description="Leads a rep gets in a week with all selling hours available (Poisson; "
        "thinned by the share of selling time left that week). Assumption.",
    )


class DealValue(_Strict):
    """What a won deal books."""

    mean_usd: float = Field(
        default=25_000.0,
        ge=1.0,
        le=1e9,
        description="Mean list value of a deal, USD (assumption).",
    )
    cv: float = Field(
        default=0.8, ge=0.0, le=10.0, description="Coefficient of variation (lognormal)."
    )
    base_discount: float = Field(
        default=0.10,
        ge=0.0,
        lt=1.0,
        description="Share of list value given away at close by a rep with no closing skill "
        "(assumption).",
    )
    discount_skill_sensitivity: float = Field(
        default=1.0,
        ge=0.0,
        le=100.0,
        description="How fast closing skill cuts discounting: discount = base * exp(-s * "
        "closing skill) (assumption).",
    )


class Skill(_Strict):
    """Learning, forgetting and reinforcement (see sim.dynamics)."""

    initial_stability_days: float = Field(
        default=40.0,
        ge=0.1,
        le=100_000.0,
        description="Time constant of forgetting after training, working days. 40 days leaves "
        "5% of a gain after 120 days (ES Research: a 90-120 day lift).",
    )
    ceiling: float = Field(
        default=0.35,
        gt=0.0,
        le=10.0,
        description="Most learned skill a rep can reach on a stage, logit units (assumption).",
    )
    consolidation: float = Field(
        default=0.6,
        ge=0.0,
        le=10.0,
        description="Share of retained fresh skill made permanent by a session of effect 1 "
        "(assumption).",
    )
    spacing_gain: float = Field(
        default=0.3,
        ge=0.0,
        le=10.0,
        description="Relative growth of stability per session of effect 1: spaced reinforcement "
        "slows forgetting (Kerfoot's spaced-education trials; size is an assumption).",
    )
    improvement: float = Field(
        default=0.08,
        ge=0.0,
        le=1.0,
        description="Share of the gap to the ceiling learned in a session of effect 1 "
        "(assumption).",
    )
    generic_fit: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Fit of generic coaching not tied to this team's process, against 1 for "
        "tailored coaching (002 article: too generic; size is an assumption).",
    )


class Managers(_Strict):
    """The sales managers' week."""

    hours_per_day: float = Field(
        default=10.0,
        ge=1.0,
        le=24.0,
        description="Working hours in a manager's day (004 article: a 50-hour week).",
    )
    admin_hours_per_week: float = Field(
        default=12.0,
        ge=0.0,
        le=120.0,
        description="Reports and other admin, hours per week (004: admin is the top time "
        "strain; size is an assumption).",
    )
    selling_hours_per_week: float = Field(
        default=10.0,
        ge=0.0,
        le=120.0,
        description="Hours per week the manager plans for their own deals (player/coach, 004; "
        "assumption).",
    )
    own_leads_per_week: float = Field(
        default=1.0,
        ge=0.0,
        le=500.0,
        description="Leads per week of the manager's own, when all planned selling hours are "
        "had (assumption).",
    )
    ability: float = Field(
        default=0.5,
        ge=-10.0,
        le=10.0,
        description="The manager's selling ability, logit units (promoted good sellers; "
        "assumption).",
    )
    meetings_per_week: float = Field(
        default=5.0,
        ge=0.0,
        le=200.0,
        description="Leadership meetings per week, Poisson arrivals (004: the top time strain; "
        "assumption).",
    )
    meeting_mean_hours: float = Field(
        default=1.5,
        ge=MIN_HOURS,
        le=24.0,
        description="Mean meeting length, hours (assumption).",
    )
    meeting_hours_cv: float = Field(
        default=0.5, ge=0.0, le=5.0, description="Coefficient of variation of meeting length."
    )
    coaching_protection: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share of clashes between a meeting and a coaching session in which "
        "coaching wins and the meeting waits (001: coaching is the first meeting cancelled; "
        "the culture lever).",
    )
    trained_share: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share of managers trained to coach at the start (000: few are).",
    )
    quality_untrained: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Coaching quality of a manager never trained to coach (assumption; quality "
        "effects are bounded by CEB's 83%-102% of goal spread).",
    )
    quality_trained: float = Field(
        default=0.75,
        ge=0.0,
        le=1.0,
        description="Coaching quality of a manager trained to coach (assumption).",
    )


class TierWeights(_Strict):
    """Relative share of sessions per tier for the ``tier`` focus policy."""

    A: float = Field(default=1.0, ge=0.0, le=1000.0, description="Weight of A-players (top 20%).")
    B: float = Field(
        default=1.0, ge=0.0, le=1000.0, description="Weight of B-players (middle 60%)."
    )
    C: float = Field(
        default=1.0, ge=0.0, le=1000.0, description="Weight of C-players (bottom 20%)."
    )


PolicyName = Literal["uniform", "tier", "readiness", "bottom_first"]


class Focus(_Strict):
    """Who gets the limited sessions."""

    policy: PolicyName = Field(
        default="uniform",
        description="Focus policy: uniform, tier (by tier_weights; 004: the best focus on "
        "B-players), readiness (most coachable first; 003), bottom_first (004: wrong priorities).",
    )
    tier_weights: TierWeights = Field(
        default_factory=TierWeights, description="Weights for the tier policy."
    )
    readiness_threshold: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Reps with readiness below this get no sessions (003: coach only those "
        "ready to change).",
    )


class Programme(_Strict):
    """A coaching programme: cadence, style, scope and focus."""

    sessions_per_rep_per_week: float = Field(
        default=2.0,
        ge=0.0,
        le=20.0,
        description="Sessions planned per rep per week (fractions spread over weeks).",
    )
    minutes_per_session: float = Field(
        default=50.0, ge=1.0, le=480.0, description="Length of a session, minutes."
    )
    style: Literal["micro", "formal"] = Field(
        default="formal",
        description="micro: each session centres on one open deal in scope, boosts it and "
        "reinforces its stage (004); formal: a one-to-one that reinforces every stage in scope "
        "and boosts no deal.",
    )
    scope: list[str] | None = Field(
        default=None,
        max_length=20,
        description="Stages this coach coaches; null = all (002: too limited when only "
        "near-close stages).",
    )
    tailored: bool = Field(
        default=False,
        description="Tied to this team's sales process (fit 1) or generic (fit = "
        "skill.generic_fit); 002: too generic.",
    )
    deal_boost: float = Field(
        default=0.3,
        ge=0.0,
        le=5.0,
        description="Logit added to the coached deal's current stage by a micro-session of "
        "effect 1 (assumption).",
    )
    full_effect_minutes: float = Field(
        default=30.0,
        ge=1.0,
        le=480.0,
        description="Minutes on one stage that give a full dose; a formal session splits its "
        "minutes over the stages in scope (assumption).",
    )
    rep_time_share: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Share of session time taken out of the rep's selling hours (MODEL.md: 1; "
        "lower if sessions are held in the rep's non-selling time).",
    )
    focus: Focus = Field(default_factory=Focus, description="Who gets the sessions.")
    start_week: int = Field(
        default=0, ge=0, le=MAX_WEEKS, description="First week of the programme."
    )
    max_sessions_per_rep_per_week: int = Field(
        default=5, ge=1, le=50, description="No rep gets more sessions than this in a week."
    )


class OutsideCoach(Programme):
    """A professional coach from outside: no manager time, a fee, a quality of its own."""

    hours_per_week: float = Field(
        default=20.0,
        ge=MIN_HOURS,
        le=168.0,
        description="The coach's hours per week for this team.",
    )
    quality: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="Coaching quality of the professional (assumption: above a trained manager).",
    )
    tailored: bool = Field(
        default=True, description="Tied to this team's sales process (fit 1) or generic."
    )
    style: Literal["micro", "formal"] = Field(
        default="micro", description="micro or formal sessions (see coaching.style)."
    )
    minutes_per_session: float = Field(
        default=30.0, ge=1.0, le=480.0, description="Length of a session, minutes."
    )
    sessions_per_rep_per_week: float = Field(
        default=1.0, ge=0.0, le=20.0, description="Sessions planned per rep per week."
    )
    format: Literal["in_person", "virtual"] = Field(
        default="in_person",
        description="in_person (travel cost and time per session) or virtual (none; 001: as "
        "effective as face to face).",
    )
    travel_cost_per_session_usd: float = Field(
        default=60.0,
        ge=0.0,
        le=1e6,
        description="Travel cost per in-person session, USD (assumption).",
    )
    travel_hours_per_session: float = Field(
        default=0.5,
        ge=0.0,
        le=24.0,
        description="Coach travel time per in-person session, hours, out of the coach's hours "
        "(assumption).",
    )
    fee_per_hour_usd: float | None = Field(
        default=200.0,
        ge=0.0,
        le=1e5,
        description="Fee per coaching hour, USD; set this or fee_per_rep_per_month_usd.",
    )
    fee_per_rep_per_month_usd: float | None = Field(
        default=None,
        ge=0.0,
        le=1e6,
        description="Fee per coached rep per month, USD (a rep counts while focus gives it "
        "sessions); set this or fee_per_hour_usd.",
    )
    end_week: int | None = Field(
        default=None,
        ge=1,
        le=MAX_WEEKS,
        description="Week the engagement ends (exclusive); null = horizon.",
    )
    coach_the_coach: bool = Field(
        default=False,
        description="The coach also trains the managers to coach, raising their quality from "
        "untrained to trained over the ramp (000: few managers are trained to coach).",
    )
    coach_the_coach_ramp_weeks: float = Field(
        default=12.0,
        ge=0.1,
        le=MAX_WEEKS,
        description="Weeks for a manager to reach the trained quality.",
    )
    coach_the_coach_hours_per_manager_per_week: float = Field(
        default=1.0,
        ge=0.0,
        le=40.0,
        description="Coach hours per manager per week during the ramp, billed and taken from "
        "the hours left for reps.",
    )


class Training(_Strict):
    """A dated training programme for every rep."""

    name: Label = Field(
        default="training",
        min_length=1,
        max_length=100,
        description="Label for reports.",
    )
    start_week: int = Field(
        default=13, ge=0, le=MAX_WEEKS, description="Week the training takes place."
    )
    stages: list[str] | None = Field(
        default=None, max_length=20, description="Stages trained; null = all."
    )
    gain: float = Field(
        default=0.15,
        ge=0.0,
        le=5.0,
        description="Fresh skill added on each trained stage, logit units (assumption).",
    )
    dip_depth: float = Field(
        default=0.3,
        ge=0.0,
        le=5.0,
        description="Logit lost by every stage right after training while new habits bed in "
        "(000: a slight dip right after training; size is an assumption).",
    )
    dip_recovery_days: float = Field(
        default=10.0,
        ge=0.1,
        le=10_000.0,
        description="Time constant of recovery from the dip, working days (assumption).",
    )
    days_out_of_field: float = Field(
        default=2.0, ge=0.0, le=50.0, description="Working days each rep spends in training."
    )
    cost_per_rep_usd: float = Field(
        default=1_500.0, ge=0.0, le=1e7, description="Cash cost per rep trained, USD (assumption)."
    )
    fixed_cost_usd: float = Field(
        default=10_000.0, ge=0.0, le=1e10, description="Fixed cash cost of the programme, USD."
    )


class Money(_Strict):
    """How results become money."""

    gross_margin: float = Field(
        default=0.6, gt=0.0, le=1.0, description="Gross profit per dollar of revenue."
    )
    manager_hourly_cost_usd: float = Field(
        default=90.0, ge=0.0, le=1e5, description="Loaded cost of a manager hour, USD (assumption)."
    )
    rep_hourly_cost_usd: float = Field(
        default=60.0, ge=0.0, le=1e5, description="Loaded cost of a rep hour, USD (assumption)."
    )
    annual_discount_rate: float = Field(
        default=0.08, ge=0.0, le=1.0, description="Discount rate for NPV, per year."
    )


class Scenario(_Strict):
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
        default_factory=_default_stages, min_length=1, max_length=20, description="Sales stages."
    )
    leads: Leads = Field(default_factory=Leads, description="Lead arrivals.")
    deal_value: DealValue = Field(default_factory=DealValue, description="Deal values.")
    skill: Skill = Field(default_factory=Skill, description="Skill dynamics.")
    managers: Managers = Field(default_factory=Managers, description="Managers' week.")
    coaching: Programme = Field(
        default_factory=Programme,
        description="The managers' own coaching of their reps (reference: informal one-to-ones, "
        "2 x 50 min per rep per week, about 20% of a 50-hour week).",
    )
    outside_coach: OutsideCoach | None = Field(
        default=None, description="An outside professional coach; null = none."
    )
    training: list[Training] = Field(
        default_factory=list, max_length=50, description="Training programmes."
    )
    money: Money = Field(default_factory=Money, description="Economics.")

    def stage_names(self) -> list[str]:
        """Names of the stages, in order."""
        return [s.name for s in self.stages]

    def canonical(self) -> dict[str, object]:
        """The fully resolved scenario as plain JSON data (what the manifest records)."""
        return self.model_dump(mode="json", exclude={"extends"})

    def digest(self) -> str:
        """A SHA-256 of the resolved settings, independent of names and descriptions."""
        data = self.model_dump(mode="json", exclude={"extends", "name", "description"})
        blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()


Loc = tuple[str | int, ...]


def scenario_json_schema() -> dict[str, object]:
    """The JSON Schema of scenario files (what ``coachsim schema`` prints)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "coachsim scenario"
    return schema


def semantic_problems(s: Scenario) -> list[tuple[Loc, str]]:
    """Checks that need several fields at once, as (location, message) pairs."""
    out: list[tuple[Loc, str]] = []
    names = s.stage_names()
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n in seen:
            out.append((("stages", i, "name"), f"stage {n!r} is defined twice"))
        seen.add(n)

    def check_stages(loc: Loc, stages: list[str] | None) -> None:
        listed: set[str] = set()
        for j, n in enumerate(stages or []):
            if n not in names:
                out.append(((*loc, j), f"no stage named {n!r}; stages are {', '.join(names)}"))
            elif n in listed:
                out.append(((*loc, j), f"stage {n!r} is listed twice"))
            listed.add(n)
        if stages is not None and not stages:
            out.append((loc, "must name at least one stage (or be null for all)"))

    check_stages(("coaching", "scope"), s.coaching.scope)
    try:
        ability_sigma(
            s.team.top20_revenue_share,
            [st.base_conversion for st in s.stages],
            s.team.ability_lead_elasticity,
        )
    except CalibrationError as exc:
        out.append((("team", "top20_revenue_share"), str(exc)))
    m = s.managers
    week_hours = m.hours_per_day * 5
    budget = (
        m.admin_hours_per_week
        + m.selling_hours_per_week
        + m.meetings_per_week * (m.meeting_mean_hours)
    )
    if budget > week_hours + 1e-9:
        out.append(
            (
                ("managers", "admin_hours_per_week"),
                f"admin ({m.admin_hours_per_week:g} h) + own selling "
                f"({m.selling_hours_per_week:g} h) + expected meetings "
                f"({m.meetings_per_week * m.meeting_mean_hours:g} h) = {budget:g} h exceeds the "
                f"{week_hours:g}-hour week (5 x hours_per_day)",
            )
        )
    for section, prog in (("coaching", s.coaching), ("outside_coach", s.outside_coach)):
        if prog is None:
            continue
        f = prog.focus
        if f.policy == "tier" and f.tier_weights.A + f.tier_weights.B + f.tier_weights.C == 0:
            out.append(((section, "focus", "tier_weights"), "all tier weights are zero"))
        if prog.start_week >= s.weeks and prog.sessions_per_rep_per_week > 0:
            out.append(((section, "start_week"), f"starts after the {s.weeks}-week horizon"))
    oc = s.outside_coach
    if oc is not None:
        check_stages(("outside_coach", "scope"), oc.scope)
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
    for i, t in enumerate(s.training):
        check_stages(("training", i, "stages"), t.stages)
        if t.start_week >= s.weeks:
            out.append((("training", i, "start_week"), f"starts after the {s.weeks}-week horizon"))
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


__all__ = [
    "DealValue",
    "Focus",
    "Leads",
    "Managers",
    "Money",
    "OutsideCoach",
    "Problem",
    "Programme",
    "Scenario",
    "ScenarioError",
    "Skill",
    "Stage",
    "Team",
    "TierWeights",
    "Training",
    "load_scenario",
    "scenario_json_schema",
    "semantic_problems",
    "validate_scenario",
]
