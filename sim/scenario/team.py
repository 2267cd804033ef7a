"""The sales team and its process: stages, reps, leads, deal values, skill, managers' week."""

from __future__ import annotations

from pydantic import Field

from sim.clock import DAYS
from sim.scenario.fields import MIN_CONVERSION, MIN_HOURS, Strict


class Stage(Strict):
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


def default_stages() -> list[Stage]:
    """The reference sales process: prospecting, discovery, proposal, closing."""
    return [
        Stage(name="prospecting", base_conversion=0.45, duration_mean_days=10.0),
        Stage(name="discovery", base_conversion=0.70, duration_mean_days=15.0),
        Stage(name="proposal", base_conversion=0.72, duration_mean_days=20.0),
        Stage(name="closing", base_conversion=0.72, duration_mean_days=15.0),
    ]


class Team(Strict):
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
        'split and the Pareto claim of 0.8 in "Sales and coaching fails".',
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
        description="Alpha of the Beta distribution of rep readiness to be coached (not "
        'everybody is ready to be coached, say "Sales and coaching fails"; assumption: Beta(2, 2), '
        "mean 0.5).",
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


class Leads(Strict):
    """How new opportunities arrive."""

    per_rep_per_week: float = Field(
        default=3.0,
        ge=0.0,
        le=500.0,
        description="Leads a rep gets in a week with all selling hours available (Poisson; "
        "thinned by the share of selling time left that week). Assumption.",
    )


class DealValue(Strict):
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


class Skill(Strict):
    """Learning, forgetting and reinforcement (see sim.model.skill)."""

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
        'tailored coaching (coaching that is too generic fails, says "What stops sales managers '
        'from coaching?"; size is an assumption).',
    )


class Managers(Strict):
    """The sales managers' week."""

    hours_per_day: float = Field(
        default=10.0,
        ge=1.0,
        le=24.0,
        description="Working hours in a manager's day (a 50-hour week, as in "
        '"Micro-coaching" (2014)).',
    )
    admin_hours_per_week: float = Field(
        default=12.0,
        ge=0.0,
        le=120.0,
        description="Reports and other admin, hours per week (admin is the top strain on "
        'managers\' time, says "Micro-coaching" (2014); size is an assumption).',
    )
    selling_hours_per_week: float = Field(
        default=10.0,
        ge=0.0,
        le=120.0,
        description="Hours per week the manager plans for their own deals (the player/coach of "
        '"Micro-coaching" (2014); assumption).',
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
        description="Leadership meetings per week, Poisson arrivals (meetings strain managers' "
        'time most, says "Micro-coaching" (2014); assumption).',
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
        "coaching wins and the meeting waits (coaching is the first meeting cancelled, says "
        '"The silent paradox of sales coaching": the culture lever).',
    )
    trained_share: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share of managers trained to coach at the start (few are, says "
        '"Why B2B sales people fail").',
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


def free_coaching_hours(managers: Managers) -> float:
    """Hours of a manager's week left for coaching after admin, own selling and the meetings
    expected (negative when those alone overfill the week)."""
    m = managers
    return (
        DAYS * m.hours_per_day
        - m.admin_hours_per_week
        - m.selling_hours_per_week
        - m.meetings_per_week * m.meeting_mean_hours
    )
