"""Coaching and training programmes: cadence, style, scope, focus, the outside coach, training."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, model_validator

from sim.scenario.evidence import cited
from sim.scenario.fields import MAX_WEEKS, MIN_HOURS, Label, Strict


class TierWeights(Strict):
    """Relative share of sessions per tier for the ``tier`` focus policy."""

    A: float = Field(default=1.0, ge=0.0, le=1000.0, description="Weight of A-players (top 20%).")
    B: float = Field(
        default=1.0, ge=0.0, le=1000.0, description="Weight of B-players (middle 60%)."
    )
    C: float = Field(
        default=1.0, ge=0.0, le=1000.0, description="Weight of C-players (bottom 20%)."
    )


PolicyName = Literal["uniform", "tier", "readiness", "bottom_first"]


class Focus(Strict):
    """Who gets the limited sessions."""

    policy: PolicyName = Field(
        default="uniform",
        description="Focus policy: uniform, tier (by tier_weights; the best managers focus on "
        'B-players, says "Micro-coaching" (2014)), readiness (most coachable first, as "Sales '
        'and coaching fails" advises), bottom_first (the weakest first: the wrong priority, says '
        '"Micro-coaching" (2014)).',
    )
    tier_weights: TierWeights = Field(
        default_factory=TierWeights, description="Weights for the tier policy."
    )
    readiness_threshold: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Reps with readiness below this get no sessions (coach only those ready "
        'to change, says "Sales and coaching fails").',
    )


class Programme(Strict):
    """A coaching programme: cadence, style, scope and focus."""

    sessions_per_rep_per_week: float = Field(
        default=1.0,
        ge=0.0,
        le=20.0,
        description="Sessions planned per rep per week (fractions spread over weeks). One "
        "50-minute session a week for each of 6 reps is about 10% of a 50-hour week, as "
        "frontline sales managers give to developing their reps (9%, Gartner 2019), and 3.6 "
        "hours per rep a month. See docs/evidence.md.",
        json_schema_extra=cited("coaching.sessions_per_rep_per_week"),
    )
    minutes_per_session: float = Field(
        default=50.0, ge=1.0, le=480.0, description="Length of a session, minutes."
    )
    style: Literal["micro", "formal"] = Field(
        default="formal",
        description="micro: each session centres on one open deal in scope, boosts it and "
        'reinforces its stage ("Micro-coaching" (2014)); formal: a one-to-one that reinforces '
        "every stage in scope and boosts no deal. The managers and the outside coach both "
        "default to formal.",
    )
    scope: list[str] | None = Field(
        default=None,
        max_length=20,
        description="Stages this coach coaches; null = all (coaching only near the close is "
        'too limited, says "What stops sales managers from coaching?").',
    )
    tailored: bool = Field(
        default=False,
        description="Tied to this team's sales process (fit 1) or generic (fit = "
        'skill.generic_fit; too generic coaching fails, says "What stops sales managers from '
        'coaching?"). The managers and the outside coach both default to generic.',
    )
    deal_boost: float = Field(
        default=0.3,
        ge=0.0,
        le=5.0,
        description="Logit added to the coached deal's current stage by a micro-session of "
        "effect 1 (assumption).",
        json_schema_extra=cited("coaching.deal_boost"),
    )
    full_effect_minutes: float = Field(
        default=30.0,
        ge=1.0,
        le=480.0,
        description="Minutes on one stage that give a full dose; a formal session splits its "
        "minutes over the stages in scope (assumption).",
    )
    rep_time_share: float = Field(
        default=0.4,
        ge=0.0,
        le=1.0,
        description="Share of session time taken out of the rep's selling hours: 0.4 if a "
        "session displaces the rep's activities in proportion (reps sell about 40% of their "
        "time, CSO Insights); 1 if every minute of coaching is a minute less selling.",
        json_schema_extra=cited("coaching.rep_time_share"),
    )
    focus: Focus = Field(default_factory=Focus, description="Who gets the sessions.")
    start_week: int = Field(
        default=0, ge=0, le=MAX_WEEKS, description="First week of the programme."
    )
    end_week: int | None = Field(
        default=None,
        ge=1,
        le=MAX_WEEKS,
        description="Week the programme ends (exclusive); null = the horizon.",
    )
    max_sessions_per_rep_per_week: int = Field(
        default=5, ge=1, le=50, description="No rep gets more sessions than this in a week."
    )


class ManagerGroup(Strict):
    """Some of the managers, who coach in their own way."""

    name: Label = Field(default="group", min_length=1, max_length=100, description="Label.")
    share: float = Field(
        gt=0.0,
        le=1.0,
        description="Share of the managers in this group (rounded to whole managers; groups "
        "take managers in order, the rest follow coaching and managers.quality_*).",
    )
    coaching: Programme | None = Field(
        default=None,
        description="This group's coaching, written out in full (keys not given take the "
        "schema defaults, not the scenario's coaching); null = the scenario's coaching.",
    )
    quality: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Coaching quality of this group's managers, trained or not; null = as "
        "managers.quality_* and trained_share say.",
    )


def group_counts(shares: list[float], managers: int) -> list[int]:
    """Managers in each group: the groups take managers in order, group ``g`` ending at its
    cumulative share of the team rounded half up, so shares that add up to 1 leave nobody out."""
    counts, start, total = [], 0, 0.0
    for share in shares:
        total += share
        end = min(managers, math.floor(total * managers + 0.5 + 1e-9))
        counts.append(max(0, end - start))
        start = max(start, end)
    return counts


FEES = ("fee_per_hour_usd", "fee_per_rep_per_month_usd")
"""The outside coach's two ways of charging: a scenario sets one (see OutsideCoach)."""


class OutsideCoach(Programme):
    """A professional coach from outside: no manager time, a fee, a quality of its own.

    Its defaults are favourable to it: tailored coaching (fit 1), micro sessions that boost a
    deal each, quality 0.9; the managers' coaching defaults to generic, formal sessions and a
    quality of 0.5 to 0.75. A scenario that compares the two on equal terms sets them alike.
    """

    @model_validator(mode="before")
    @classmethod
    def _one_fee(cls, data: Any) -> Any:
        """A fee given alone replaces the other's default: a coach given only
        fee_per_rep_per_month_usd charges no hourly fee too."""
        if isinstance(data, dict):
            given = [f for f in FEES if data.get(f) is not None]
            if len(given) == 1:
                other = FEES[1 - FEES.index(given[0])]
                if other not in data:
                    return {**data, other: None}
        return data

    hours_per_week: float = Field(
        default=20.0,
        ge=MIN_HOURS,
        le=168.0,
        description="The coach's hours per week for this team.",
    )
    quality: float = Field(
        default=0.75,
        ge=0.0,
        le=1.0,
        description="Coaching quality of the professional: by default a trained manager's "
        "(0.75), since no study finds professional coaches better than trained managers "
        "(internal coaches did better than external ones in Jones, Woods and Guillaume 2016). "
        "A vendor's claim of better coaching belongs in the scenario, marked as the vendor's. "
        "See docs/evidence.md.",
        json_schema_extra=cited("outside_coach.quality"),
    )
    tailored: bool = Field(
        default=False,
        description="Tied to this team's sales process (fit 1) or generic (fit = "
        "skill.generic_fit). Generic by default, as the managers' coaching is; true if the "
        "coach learns and coaches to your process (a vendor's claim to check).",
    )
    style: Literal["micro", "formal"] = Field(
        default="formal",
        description="micro or formal sessions (see coaching.style). Formal one-to-ones by "
        "default, as the managers' coaching is; micro if the coach centres each session on a "
        "live deal.",
    )
    minutes_per_session: float = Field(
        default=30.0, ge=1.0, le=480.0, description="Length of a session, minutes."
    )
    sessions_per_rep_per_week: float = Field(
        default=1.0, ge=0.0, le=20.0, description="Sessions planned per rep per week."
    )
    format: Literal["in_person", "virtual"] = Field(
        default="in_person",
        description="in_person (travel cost and time per session) or virtual (none; as "
        'effective as face to face, says "The silent paradox of sales coaching").',
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
        default=297.0,
        ge=0.0,
        le=1e5,
        description="Fee per coaching hour, USD; set this or fee_per_rep_per_month_usd. "
        "Coaches in North America average $297 a session (ICF 2025; $234 worldwide). See "
        "docs/evidence.md.",
        json_schema_extra=cited("outside_coach.fee_per_hour_usd"),
    )
    fee_per_rep_per_month_usd: float | None = Field(
        default=None,
        ge=0.0,
        le=1e6,
        description="Fee per coached rep per month, USD (a rep counts while focus gives it "
        "sessions); set this or fee_per_hour_usd.",
    )
    teams: int | None = Field(
        default=None,
        ge=1,
        le=5000,
        description="Coach only the first N managers' teams, as a pilot does (the teams are "
        "alike but for chance, so the first N are a random N); null = every team. "
        "hours_per_week are then the hours for those teams, and coach_the_coach trains their "
        "managers only. coachsim pilot sets it.",
    )
    coach_the_coach: bool = Field(
        default=False,
        description="The coach also trains the managers to coach, raising their quality from "
        "untrained to trained over the ramp (few managers are trained to coach, says "
        '"Why B2B sales people fail").',
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


class Training(Strict):
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
        default=0.08,
        ge=0.0,
        le=5.0,
        description="Skill added on each trained stage, logit units, at most up to the ceiling: "
        "half the most coaching can add (skill.ceiling), as training's effect on results (d = "
        "0.62) is about half of coaching's (1.24). See docs/evidence.md.",
        json_schema_extra=cited("training.gain"),
    )
    transfer_floor: float = Field(
        default=0.35,
        ge=0.0,
        le=1.0,
        description="Share of the gain a training leaves for good, never forgotten: training "
        "professionals report 62%, 44% and 34% of employees applying training immediately, six "
        "months and a year after it (Saks and Belcourt 2006), a curve that levels off at about a "
        "third of the first transfer. 0 forgets everything. See docs/evidence.md.",
        json_schema_extra=cited("training.transfer_floor"),
    )
    dip_depth: float = Field(
        default=0.3,
        ge=0.0,
        le=5.0,
        description="Logit lost by every stage right after training while new habits bed in (a "
        'slight dip right after training, says "Why B2B sales people fail"; size is an '
        "assumption).",
        json_schema_extra=cited("training.dip_depth"),
    )
    dip_recovery_days: float = Field(
        default=10.0,
        ge=0.1,
        le=10_000.0,
        description="Time constant of recovery from the dip, working days (assumption).",
        json_schema_extra=cited("training.dip_recovery_days"),
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
