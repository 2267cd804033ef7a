"""``coachsim init``: a scenario from what a sales leader knows, without a CRM export.

The answers (:class:`Business`) become the figures a CRM would show (:func:`business_figures`):
each stage's conversion scaled so that together they give the win rate, each stage's days
scaled so that together they give the sales cycle, opportunities a week, the booked deal. The
settings that reproduce them are then fitted by simulation exactly as for a CRM export
(:func:`sim.calibration.fit.fit_figures`), and the coaching cadence follows from the share of a
manager's week spent coaching. The stages and everything a leader is not asked are the base
scenario's (the reference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sim.analysis.crm import Estimate
from sim.calibration.fit import NONE, Figures, Fitted, fit_figures, shape_stages
from sim.calibration.simulated import START, crm_stage
from sim.scenario import Scenario
from sim.scenario.template import scenario_yaml
from sim.scenario.uncertain import apply_draw

WEEKS_PER_MONTH = 52 / 12
WORKING_DAYS_PER_WEEK = 5
FIT_WEEKS = 52
"""Weeks simulated while fitting: a year of the team's deals."""


@dataclass(frozen=True)
class Question:
    """One thing ``init`` asks: its prompt, default and bounds (a share may be given in %)."""

    prompt: str
    default: float
    low: float
    high: float
    share: bool = False
    whole: bool = False


QUESTIONS: dict[str, Question] = {
    "managers": Question("Sales managers", 3, 1, 1000, whole=True),
    "reps_per_manager": Question("Reps per manager", 7, 1, 100, whole=True),
    "deal_usd": Question("Average booked deal, USD", 45_000, 1, 1e9),
    "win_rate": Question(
        "Win rate: share of new opportunities that are won", 0.2, 0.001, 0.99, True
    ),
    "cycle_days": Question("Sales cycle: calendar days from new opportunity to won", 90, 5, 2000),
    "opportunities_per_month": Question("New opportunities per rep per month", 10, 0.1, 1000),
    "coaching_share": Question(
        "Share of a manager's week spent coaching today", 0.1, 0.0, 0.9, True
    ),
    "months": Question("Horizon of the business case, months", 24, 1, 120, whole=True),
}
"""What a sales leader is asked, in order."""


@dataclass(frozen=True)
class Business:
    """A sales leader's answers (see :data:`QUESTIONS`)."""

    managers: int
    reps_per_manager: int
    deal_usd: float
    win_rate: float
    cycle_days: float
    opportunities_per_month: float
    coaching_share: float
    months: int


def answer(name: str, text: str) -> float:
    """An answer to question ``name`` as a number within its bounds, or ValueError saying why
    (one line). A share may be written as 0.25 or 25%."""
    q = QUESTIONS[name]
    raw = text.strip().replace(",", "").replace("$", "")
    percent = raw.endswith("%")
    try:
        value = float(raw.rstrip("%"))
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None
    if q.share and percent:
        value /= 100
    elif q.share and value > 1:
        raise ValueError(
            f"{name}: {text!r} is ambiguous for a share: write {value:g}% or "
            f"{value / 100:g} for {value:g} per cent"
        )
    if q.whole and value != int(value):
        raise ValueError(f"{name}: {text!r} should be a whole number")
    if not (q.low <= value <= q.high) or not math.isfinite(value):
        shown = f"{q.low:.1%} to {q.high:.0%}" if q.share else f"{q.low:g} to {q.high:g}"
        raise ValueError(f"{name}: {text!r} is outside {shown}")
    return value


def business_figures(b: Business, base: Scenario) -> Figures:
    """The figures a CRM of the team ``b`` describes would show, on ``base``'s stages."""
    working_cycle = b.cycle_days * WORKING_DAYS_PER_WEEK / 7
    conversions, days = shape_stages(base, b.win_rate, working_cycle)
    reps = b.managers * b.reps_per_manager

    def given(value: float) -> Estimate:
        return Estimate(value, math.nan, math.nan, 1)

    return Figures(
        stages=[crm_stage(st.name) for st in base.stages],
        conversion=[given(c) for c in conversions],
        days_in_stage=[given(d) for d in days],
        days_to_advance=[given(d) for d in days],
        leads_per_rep_per_week=given(b.opportunities_per_month / WEEKS_PER_MONTH),
        deal_mean_usd=given(b.deal_usd),
        deal_cv=given(base.deal_value.cv),
        top20_share=NONE,
        top20_share_seen=math.nan,
        reps=reps,
        managers=b.managers,
        manager_leads_per_week=math.nan,
        deals=0,
        win_rate=math.prod(conversions[1:]),
        cycle_days=working_cycle,
    )


def coaching_cadence(b: Business, base: Scenario) -> tuple[float, str | None]:
    """Sessions per rep per week that fill ``coaching_share`` of a manager's week at the base
    scenario's session length, and a warning if the programme's limit cuts them."""
    m, c = base.managers, base.coaching
    hours = b.coaching_share * m.hours_per_day * WORKING_DAYS_PER_WEEK
    sessions = hours * 60 / (c.minutes_per_session * b.reps_per_manager)
    if sessions > c.max_sessions_per_rep_per_week:
        return float(c.max_sessions_per_rep_per_week), (
            f"coaching {b.coaching_share:.0%} of a manager's week is {sessions:.1f} sessions of "
            f"{c.minutes_per_session:.0f} minutes per rep a week; the model allows "
            f"{c.max_sessions_per_rep_per_week}"
        )
    return sessions, None


def init_scenario(
    b: Business, base: Scenario, name: str, seed: int = 1
) -> tuple[Fitted, list[str]]:
    """The fitted scenario of ``b``, and warnings."""
    sessions, warning = coaching_cadence(b, base)
    start = apply_draw(base, {"coaching.sessions_per_rep_per_week": round(sessions, 3)})
    start = start.model_copy(update={"weeks": round(b.months * WEEKS_PER_MONTH)})
    end = date.fromordinal(START.toordinal() + 7 * FIT_WEEKS)
    fitted = fit_figures(business_figures(b, start), start, name, START, end, seed)
    return fitted, [warning] if warning else []


def init_text(fitted: Fitted, b: Business) -> str:
    """The scenario file ``init`` writes: every setting with its description, the ones derived
    from the answers with the answer beside them."""
    s, data = fitted.scenario, fitted.data
    notes = {
        "weeks": f"from {b.months} months",
        "team.managers": "your answer",
        "team.reps_per_manager": "your answer",
        "leads.per_rep_per_week": f"fitted: {b.opportunities_per_month:g} new opportunities a "
        "month are the leads coaching and training leave time for",
        "deal_value.mean_usd": f"fitted to an average booked deal of ${b.deal_usd:,.0f}",
        "coaching.sessions_per_rep_per_week": f"{b.coaching_share:.0%} of a manager's week",
    }
    for k, st in enumerate(data.stages):
        notes[f"stages[{k}].base_conversion"] = (
            f"fitted: {data.conversion[k].value:.3f} of the team's deals leave {st} forward"
        )
        notes[f"stages[{k}].duration_mean_days"] = (
            f"fitted: {data.days_in_stage[k].value:.1f} working days in {st}"
        )
    header = (
        "# yaml-language-server: $schema=scenario.schema.json\n"
        f"# Written by coachsim init from a sales leader's figures: {b.managers} managers x "
        f"{b.reps_per_manager} reps, a ${b.deal_usd:,.0f} deal, win rate {b.win_rate:.0%},\n"
        f"# a {b.cycle_days:.0f}-day cycle, {b.opportunities_per_month:g} new opportunities "
        f"per rep a month, {b.coaching_share:.0%} of managers' time coaching.\n"
        "# Settings with a comment are fitted by simulation so that the simulated team shows\n"
        "# those figures; the stages' shape, coaching quality, the managers' weeks and skill\n"
        "# dynamics are the reference's. With a CRM export, coachsim calibrate does better.\n"
    )
    return scenario_yaml(s, header, notes, ("uncertain", "correlated", "sweep"))


def comparison(fitted: Fitted, b: Business) -> list[tuple[str, str, str]]:
    """(figure, your answer, the fitted scenario's simulated team) for the command's table."""
    sim = fitted.simulated
    won = math.prod(c.value for c in sim.conversion)
    cycle = sum(d.value for d in sim.days_in_stage) * 7 / WORKING_DAYS_PER_WEEK
    return [
        ("win rate of new opportunities", f"{b.win_rate:.1%}", f"{won:.1%}"),
        ("sales cycle, calendar days", f"{b.cycle_days:.0f}", f"{cycle:.0f}"),
        (
            "new opportunities per rep a month",
            f"{b.opportunities_per_month:.1f}",
            f"{sim.leads_per_rep_per_week.value * WEEKS_PER_MONTH:.1f}",
        ),
        ("average booked deal, USD", f"{b.deal_usd:,.0f}", f"{sim.deal_mean_usd.value:,.0f}"),
    ]


def business(values: dict[str, float]) -> Business:
    """A :class:`Business` from checked answers."""
    v = values
    return Business(
        managers=int(v["managers"]),
        reps_per_manager=int(v["reps_per_manager"]),
        deal_usd=v["deal_usd"],
        win_rate=v["win_rate"],
        cycle_days=v["cycle_days"],
        opportunities_per_month=v["opportunities_per_month"],
        coaching_share=v["coaching_share"],
        months=int(v["months"]),
    )
