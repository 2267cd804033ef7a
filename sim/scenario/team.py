"""The sales team and its process: stages, reps, leads, deal values, skill, managers' week."""

from __future__ import annotations

from pydantic import Field

from sim.clock import DAYS
from sim.scenario.evidence import cited
from sim.scenario.fields import MIN_CONVERSION, MIN_HOURS, StageLabel, Strict


class Stage(Strict):
    """One stage of the sales process."""

    name: StageLabel = Field(
        description="Stage name, as your CRM writes it (any language; one line, at most 80 "
        "characters). Shown in reports and in column names (skill_<name>).",
    )
    base_conversion: float = Field(
        ge=MIN_CONVERSION,
        le=1.0 - MIN_CONVERSION,
        description="Probability that an average rep's deal advances past this stage. With the "
        "defaults the team wins about 48% of qualified deals, against 47% of forecast deals won "
        "in CSO Insights' surveys (2016-2019). See docs/evidence.md.",
        json_schema_extra=cited("stages.base_conversion"),
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
        default=0.55,
        ge=0.2,
        lt=0.99,
        description="Expected share of rep revenue produced by the top 20% of reps by ability; "
        "sets the spread of ability (0.2 = all reps alike). About 0.55 in compensation data "
        "(Xactly); 0.8 is folklore. See docs/evidence.md.",
        json_schema_extra=cited("team.top20_revenue_share"),
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
        description="Alpha of the Beta distribution of rep readiness to be coached "
        "(coachability moderates what coaching does: Shannahan, Bush and Shannahan 2013; its "
        "spread is an assumption: Beta(2, 2), mean 0.5).",
        json_schema_extra=cited("team.readiness_alpha"),
    )
    readiness_beta: float = Field(
        default=2.0,
        ge=0.01,
        le=1000.0,
        description="Beta of the Beta distribution of readiness (assumption).",
    )
    readiness_ability_correlation: float = Field(
        default=0.0,
        ge=-0.95,
        le=0.95,
        description="How readiness to be coached goes with ability (Gaussian copula; readiness "
        "keeps its Beta distribution). 0: independent, as peer-reviewed studies find for "
        "experience; positive: weaker reps are less ready (CEB: coaching does little for the "
        "weakest). See docs/evidence.md.",
        json_schema_extra=cited("team.readiness_ability_correlation"),
    )
    selling_hours_per_week: float = Field(
        default=20.0,
        gt=0.0,
        le=100.0,
        description="Hours a rep spends selling in a normal week; coaching sessions and training "
        "days are taken out of it. Reps sell 22-46% of their time (CSO Insights, HubSpot, Pace): "
        "about 20 of 45-50 hours. See docs/evidence.md.",
        json_schema_extra=cited("team.selling_hours_per_week"),
    )


class Leads(Strict):
    """How new opportunities arrive."""

    per_rep_per_week: float = Field(
        default=3.0,
        ge=0.0,
        le=500.0,
        description="Leads a rep gets in a week with all selling hours available (Poisson; "
        "thinned by the share of selling time left that week). Assumption.",
        json_schema_extra=cited("leads.per_rep_per_week"),
    )


class DealValue(Strict):
    """What a won deal books."""

    mean_usd: float = Field(
        default=25_000.0,
        ge=1.0,
        le=1e9,
        description="Average booked deal, USD, as a CRM reports it: what a rep with no learned "
        "closing skill books after the base discount (list values average mean_usd / (1 - "
        "base_discount); closing skill cuts the discount, so better reps book more).",
    )
    cv: float = Field(
        default=0.8, ge=0.0, le=10.0, description="Coefficient of variation (lognormal)."
    )
    base_discount: float = Field(
        default=0.15,
        ge=0.0,
        lt=1.0,
        description="Share of list value given away at close by a rep with no learned closing "
        "skill; closing skill cuts it. B2B discounts often reach 20-30% (BCG 2015). See "
        "docs/evidence.md.",
        json_schema_extra=cited("deal_value.base_discount"),
    )
    discount_skill_sensitivity: float = Field(
        default=1.0,
        ge=0.0,
        le=100.0,
        description="How fast closing skill cuts discounting: discount = base * exp(-s * "
        "closing skill) (assumption).",
    )

    @property
    def list_mean_usd(self) -> float:
        """Mean list value of a deal: the average booked deal before the base discount."""
        return self.mean_usd / (1.0 - self.base_discount)


class Skill(Strict):
    """Learning, forgetting and reinforcement (see sim.model.skill)."""

    initial_stability_days: float = Field(
        default=80.0,
        ge=0.1,
        le=100_000.0,
        description="Time constant of forgetting after training, working days. Evidence "
        "conflicts: sales-industry claims give 10-45 days (centre 21), peer-reviewed transfer "
        "and skill-decay studies 200-430 (centre 293); 80 is the geometric middle of the two "
        "centres. See docs/evidence.md.",
        json_schema_extra=cited("skill.initial_stability_days"),
    )
    ceiling: float = Field(
        default=0.15,
        gt=0.0,
        le=10.0,
        description="Most learned skill a rep can reach on a stage, logit units. 0.15 on every "
        "stage is +23% revenue for an average rep: the gap between the worst and best coaching of "
        "core performers (83% against 102% of goal, CEB). See docs/evidence.md.",
        json_schema_extra=cited("skill.ceiling"),
    )
    ceiling_ability_slope: float = Field(
        default=0.0,
        ge=-1.0,
        le=1.0,
        description="How a rep's ceiling changes with ability: ceiling * (1 - slope * z) for a "
        "rep z standard deviations above the mean, kept in [0, 2 * ceiling]. 0: the same room "
        "for everyone; positive: stronger reps have less room (CEB: coaching does little for "
        "stars). See docs/evidence.md.",
        json_schema_extra=cited("skill.ceiling_ability_slope"),
    )
    fundamentals_ability_sd: float | None = Field(
        default=None,
        ge=-5.0,
        le=5.0,
        description="If set, coaching and training stick only with reps who have the "
        "fundamentals: a rep this many standard deviations of ability below or above the mean "
        "learns fully, one a standard deviation lower learns nothing, in proportion between. "
        "null: every rep can learn, as peer-reviewed studies find no moderation by experience "
        "(Pousa et al. 2017); CEB reports coaching does little for the weakest, the bottom 10% "
        "mostly a poor fit for the role (Dixon and Adamson 2011): -0.28, so that the bottom 10% "
        "learn nothing.",
    )
    consolidation: float = Field(
        default=0.6,
        ge=0.0,
        le=10.0,
        description="Share of retained fresh skill made permanent by a session of effect 1 "
        "(assumption).",
        json_schema_extra=cited("skill.consolidation"),
    )
    spacing_gain: float = Field(
        default=0.3,
        ge=0.0,
        le=10.0,
        description="Relative growth of stability per session of effect 1: spaced reinforcement "
        "slows forgetting (Kerfoot's spaced-education trials; size is an assumption).",
        json_schema_extra=cited("skill.spacing_gain"),
    )
    improvement: float = Field(
        default=0.5,
        ge=0.0,
        le=20.0,
        description="Share of the gap to the ceiling learned in a session of effect 1 (quality x "
        "readiness x fit x dose; the step is at most the whole gap). Calibrated so coaching's "
        "gains level off at 3-5 hours per rep per month, as practitioner studies find (make "
        "derive-improvement). See docs/evidence.md.",
        json_schema_extra=cited("skill.improvement"),
    )
    generic_fit: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Fit of generic coaching not tied to this team's process, against 1 for "
        'tailored coaching (coaching that is too generic fails, says "What stops sales managers '
        'from coaching?"; size is an assumption).',
        json_schema_extra=cited("skill.generic_fit"),
    )
    harm_threshold: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="Coaching quality below which a session harms: it moves the rep's skill "
        "toward a floor below zero instead of up (poor coaching hurts performance, CEB; frequent "
        "coaching by unskilled managers lowers goal attainment, Dahling et al. 2016; "
        "'Always-on' managers -8%, Gartner 2019). 0: no coaching harms. Assumption bounded by "
        "the evidence: above 0, below an untrained manager's 0.5, since the meta-analyses find "
        "typical workplace coaching helps. See docs/evidence.md.",
        json_schema_extra=cited("skill.harm_threshold"),
    )
    harm_ratio: float = Field(
        default=2.0,
        ge=0.0,
        le=10.0,
        description="How far below zero poor coaching can take a rep's skill, in ceilings: the "
        "floor is -harm_ratio * ceiling. 2: poor coaching hurts nearly twice as much as good "
        "coaching helps (CEB, as reported by Challenger). See docs/evidence.md.",
        json_schema_extra=cited("skill.harm_ratio"),
    )


class Managers(Strict):
    """The sales managers' week."""

    hours_per_day: float = Field(
        default=10.0,
        ge=1.0,
        le=24.0,
        description="Working hours in a manager's day (a 50-hour week, as in "
        '"Micro-coaching" (2014)).',
        json_schema_extra=cited("managers.hours_per_day"),
    )
    admin_hours_per_week: float = Field(
        default=13.0,
        ge=0.0,
        le=120.0,
        description="Reports and other admin, hours per week: 24-31% of a 50-hour week "
        "(Sales Management Association; Alexander Group). See docs/evidence.md.",
        json_schema_extra=cited("managers.admin_hours_per_week"),
    )
    selling_hours_per_week: float = Field(
        default=10.0,
        ge=0.0,
        le=120.0,
        description="Hours per week the manager plans for their own deals (the player/coach of "
        '"Micro-coaching" (2014); assumption).',
        json_schema_extra=cited("managers.selling_hours_per_week"),
    )
    other_hours_per_week: float = Field(
        default=5.0,
        ge=0.0,
        le=120.0,
        description="Other management work planned per week: forecasting, hiring, deal reviews, "
        "email (forecasting alone takes 10-15 hours a month, Vantage Point). Hours the week "
        "leaves after everything else go to this work too: a manager is never idle.",
        json_schema_extra=cited("managers.other_hours_per_week"),
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
        'time most, says "Micro-coaching" (2014); assumption: 2-12 plausible, the high end '
        "Gartner's 35% of a frontline manager's day in meetings). See docs/evidence.md.",
        json_schema_extra=cited("managers.meetings_per_week"),
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
        default=0.27,
        ge=0.0,
        le=1.0,
        description="Share of managers trained to coach at the start: 27% (73% of sales "
        "managers have had no coaching training, Sales Readiness Group 2017).",
        json_schema_extra=cited("managers.trained_share"),
    )
    quality_untrained: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Coaching quality of a manager never trained to coach (assumption; quality "
        "effects are bounded by CEB's 83%-102% of goal spread).",
        json_schema_extra=cited("managers.quality_untrained"),
    )
    quality_trained: float = Field(
        default=0.75,
        ge=0.0,
        le=1.0,
        description="Coaching quality of a manager trained to coach (assumption).",
        json_schema_extra=cited("managers.quality_trained"),
    )


def free_coaching_hours(managers: Managers) -> float:
    """Hours of a manager's week left for coaching after admin, own selling, other management
    work and the meetings expected (negative when those alone overfill the week)."""
    m = managers
    return (
        DAYS * m.hours_per_day
        - m.admin_hours_per_week
        - m.selling_hours_per_week
        - m.other_hours_per_week
        - m.meetings_per_week * m.meeting_mean_hours
    )
