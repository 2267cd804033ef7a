"""The figures of a scenario a sales leader would check before anything runs, and the workloads
that cannot be: what ``coachsim validate`` prints.

The sales figures are at the stages' base rates (an average rep before learned skill, coaching
and discounts cut by skill), so they are the scenario's starting point, not its results. The
weeks are planned hours: a manager's admin, own selling, other work and expected meetings, and
the coaching the programme asks for against the sessions that fit
(:func:`sim.model.rules.coaching_sessions_that_fit`: sessions beyond it go unscheduled, as in
the model); an outside coach's sessions against its hours (less coach-the-coach time, with
travel), as :class:`sim.model.coaches.OutsideCoach` plans them.
"""

from __future__ import annotations

import math

from sim.clock import DAYS, WEEKS_PER_YEAR
from sim.model.rules import coaching_sessions_that_fit
from sim.scenario import Scenario
from sim.scenario.programmes import Programme

CALENDAR_DAYS_PER_WORKING_DAY = 7 / DAYS
IMPLAUSIBLE_WIN_RATE = (0.01, 0.8)
"""Win rates of new opportunities outside this range are rare enough to be worth a second look."""


def _manager_sessions(s: Scenario, programme: Programme) -> tuple[float, int]:
    """(sessions a manager's programme asks for a week, sessions that fit the week)."""
    asked = programme.sessions_per_rep_per_week * s.team.reps_per_manager
    return asked, coaching_sessions_that_fit(s.managers, programme.minutes_per_session / 60)


def figures(s: Scenario) -> list[str]:
    """What a sales leader would check: the team, its sales at base rates, a manager's week,
    the outside coach's week."""
    reps = s.team.managers * s.team.reps_per_manager
    win = math.prod(st.base_conversion for st in s.stages)
    cycle = sum(st.duration_mean_days for st in s.stages)
    revenue = s.leads.per_rep_per_week * WEEKS_PER_YEAR * win * s.deal_value.mean_usd
    m = s.managers
    meetings = m.meetings_per_week * m.meeting_mean_hours
    asked, fit = _manager_sessions(s, s.coaching)
    coaching = min(asked, fit) * s.coaching.minutes_per_session / 60
    lines = [
        f"team: {s.team.managers} managers x {s.team.reps_per_manager} reps = {reps} reps, "
        f"{s.weeks} weeks ({s.weeks / WEEKS_PER_YEAR:.1f} years)",
        f"an average rep with no learned skill (the team's, with skill, do better; coachsim run "
        f"shows them): wins {win:.1%} of new opportunities, a won deal takes {cycle:.0f} working "
        f"days (~{cycle * CALENDAR_DAYS_PER_WORKING_DAY:.0f} calendar days), books "
        f"${revenue:,.0f} a year at full selling time",
        f"a manager's week of {DAYS * m.hours_per_day:g} h: meetings {meetings:g} h, coaching "
        f"{coaching:.1f} h ({min(asked, fit):.1f} of {asked:.1f} sessions asked), admin "
        f"{m.admin_hours_per_week:g} h, own selling {m.selling_hours_per_week:g} h, other work "
        f"{m.other_hours_per_week:g} h",
    ]
    oc = s.outside_coach
    if oc is not None:
        needed, fit_oc, hours = _outside_sessions(s)
        lines.append(
            f"outside coach: {needed:.1f} sessions a week asked, {fit_oc} fit its "
            f"{oc.hours_per_week:g} h ({hours:.2f} h each with travel)"
        )
    return lines


def _outside_sessions(s: Scenario) -> tuple[float, int, float]:
    oc = s.outside_coach
    assert oc is not None
    reps = s.team.managers * s.team.reps_per_manager
    per = oc.minutes_per_session / 60 + (
        oc.travel_hours_per_session if oc.format == "in_person" else 0.0
    )
    ctc = (
        oc.coach_the_coach_hours_per_manager_per_week * s.team.managers if oc.coach_the_coach else 0
    )
    fit = math.floor(max(0.0, oc.hours_per_week - ctc) / per + 1e-9)
    return oc.sessions_per_rep_per_week * reps, fit, per


def warnings(s: Scenario) -> list[str]:
    """Workloads the model will cut, and figures worth a second look (the file is valid)."""
    out = []
    programmes = [("coaching", s.coaching)] + [
        (f"manager_groups {g.name!r}", g.coaching) for g in s.manager_groups if g.coaching
    ]
    for where, p in programmes:
        asked, fit = _manager_sessions(s, p)
        if asked > fit + 1e-9:
            out.append(
                f"{where}: {asked:.1f} sessions a manager a week are asked but only {fit} fit "
                "after admin, own selling, other work and meetings: the rest go unscheduled"
            )
    if s.outside_coach is not None:
        needed, fit, _ = _outside_sessions(s)
        if needed > fit + 1e-9:
            out.append(
                f"outside_coach: {needed:.1f} sessions a week are asked but its "
                f"{s.outside_coach.hours_per_week:g} h hold {fit}: booked beyond its hours, the "
                f"other {needed - fit:.0f} go unscheduled each week"
            )
    win = math.prod(st.base_conversion for st in s.stages)
    low, high = IMPLAUSIBLE_WIN_RATE
    if not low <= win <= high:
        out.append(
            f"stages: an average rep winning {win:.1%} of new opportunities is unusual "
            f"(most B2B teams win {low:.0%} to {high:.0%}); check the conversions"
        )
    return out
