"""The model's arithmetic, as pure functions: no SimPy, no random streams, no state.

Each rule has a name, a docstring and unit tests (tests/unit/test_rules.py):

- :func:`coaching_sessions_that_fit`: how many sessions a manager's week holds;
- :func:`ramp_progress` and :func:`ramped_quality`: coach-the-coach, a manager's coaching
  quality rising from untrained to trained over the outside coach's ramp;
- :func:`coach_the_coach_hours` and :func:`outside_fee_usd`: what the outside coach bills;
  :func:`coached_to_coach`: which managers it trains to coach;
- :func:`lead_rates_per_day`: better sellers build more pipeline, the team's mean unchanged;
- :func:`tiers`: A, B and C players by ability (top 20%, middle 60%, bottom 20%);
- :func:`training_hours_lost`: the selling hours each rep loses to training, week by week;
- :func:`correlated_readiness` and :func:`rep_ceiling`: who benefits from coaching, readiness
  and room to grow as they depend on ability;
- :func:`manager_groups`: which managers coach in their own way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import betaincinv, ndtr

from sim.clock import DAYS
from sim.model.recorder import TIERS, Tier
from sim.scenario import Scenario
from sim.scenario.programmes import ManagerGroup, OutsideCoach, Training, group_counts
from sim.scenario.team import Managers, free_coaching_hours


def coaching_sessions_that_fit(managers: Managers, session_hours: float) -> int:
    """Sessions of ``session_hours`` a manager's week holds after admin, own selling and the
    meetings expected (:func:`~sim.scenario.team.free_coaching_hours`); never negative."""
    return max(0, math.floor(free_coaching_hours(managers) / session_hours + 1e-9))


def coached_to_coach(coach: OutsideCoach | None, manager: int) -> bool:
    """Whether the outside coach trains manager ``manager`` to coach: with coach-the-coach, every
    manager, or the first ``teams`` when the coach covers only those teams (a pilot)."""
    if coach is None or not coach.coach_the_coach:
        return False
    return coach.teams is None or manager < coach.teams


def ramp_progress(t_days: float, warmup_weeks: int, coach: OutsideCoach | None) -> float:
    """Share of the coach-the-coach ramp completed at simulation time ``t_days``: 0 before the
    engagement starts (or without coach-the-coach), rising linearly over
    ``coach_the_coach_ramp_weeks``, held where it stands once the engagement ends
    (``end_week``), never above 1."""
    if coach is None or not coach.coach_the_coach:
        return 0.0
    end = coach.end_week if coach.end_week is not None else math.inf
    weeks = min(t_days / DAYS - warmup_weeks, end) - coach.start_week
    return min(1.0, max(0.0, weeks / coach.coach_the_coach_ramp_weeks))


def ramped_quality(untrained: float, trained: float, progress: float) -> float:
    """Coaching quality of a manager ``progress`` of the way from untrained to trained."""
    return untrained + (trained - untrained) * progress


def lowest_quality(s: Scenario) -> float:
    """The lowest coaching quality any coach of ``s`` can have: untrained and trained managers
    (and the coach-the-coach ramp between them), manager groups, the outside coach."""
    qualities = [s.managers.quality_untrained, s.managers.quality_trained]
    qualities += [g.quality for g in s.manager_groups if g.quality is not None]
    if s.outside_coach is not None:
        qualities.append(s.outside_coach.quality)
    return min(qualities)


def coach_the_coach_hours(coach: OutsideCoach, report_week: int, managers: int) -> float:
    """Outside-coach hours spent training the managers in ``report_week``: the hours per manager
    while the ramp lasts (from the engagement's start), none without coach-the-coach."""
    if coach.coach_the_coach and report_week - coach.start_week < coach.coach_the_coach_ramp_weeks:
        return coach.coach_the_coach_hours_per_manager_per_week * managers
    return 0.0


def outside_fee_usd(coach: OutsideCoach, billed_hours: float, enrolled_reps: int) -> float:
    """The outside coach's fee for a week: billed hours at the hourly fee, or, with a monthly fee
    per rep, a week's share of it (12/52 of a month) for every rep the focus enrols."""
    if coach.fee_per_hour_usd is not None:
        return billed_hours * coach.fee_per_hour_usd
    fee = coach.fee_per_rep_per_month_usd or 0.0
    return enrolled_reps * fee * 12.0 / 52.0


def lead_rates_per_day(
    per_week: float, elasticity: float, sigma: float, abilities: Sequence[float]
) -> list[float]:
    """Each rep's nominal lead rate per day: ``per_week`` scaled by ``exp(elasticity * ability)``
    and by ``exp(-(elasticity * sigma)^2 / 2)``, the lognormal factor that keeps the team's mean
    rate at ``per_week`` for abilities normal with spread ``sigma``."""
    rate = per_week / DAYS * math.exp(-0.5 * (elasticity * sigma) ** 2)
    return [rate * math.exp(elasticity * a) for a in abilities]


def tiers(z: np.ndarray) -> tuple[list[Tier], list[float]]:
    """(tier, percentile) of each rep from its ability draws ``z``: the top 20% by ability are
    A players, the bottom 20% C, the rest B (20% of the team rounded, ties in draw order); the
    percentile is the rank over n - 1 (0 for the weakest, 1 for the strongest)."""
    n = len(z)
    order = np.argsort(z, kind="stable")
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    edge = round(0.2 * n)
    top, middle, bottom = TIERS
    labels = [bottom if r < edge else (top if r >= n - edge else middle) for r in rank]
    return labels, [float(r / max(1, n - 1)) for r in rank]


def training_hours_lost(
    trainings: Sequence[Training], selling_hours_per_week: float, warmup_weeks: int, weeks: int
) -> list[float]:
    """Selling hours a rep loses to training in each of ``weeks`` simulation weeks: each
    training's ``days_out_of_field``, a week's worth of days at a time from its start week, at
    the rep's selling hours per day."""
    per_day = selling_hours_per_week / DAYS
    out = [0.0] * weeks
    for t in trainings:
        days, w = t.days_out_of_field, t.start_week + warmup_weeks
        while days > 0 and w < weeks:
            out[w] += min(days, DAYS) * per_day
            days -= DAYS
            w += 1
    return out


def correlated_readiness(
    z: np.ndarray, noise: np.ndarray, correlation: float, alpha: float, beta: float
) -> np.ndarray:
    """Each rep's readiness to be coached: Beta(``alpha``, ``beta``) distributed, with Spearman-
    like dependence on ability through a Gaussian copula. ``z`` are the reps' standardised
    abilities and ``noise`` independent standard normals; the latent ``correlation * z +
    sqrt(1 - correlation**2) * noise`` is standard normal, so readiness keeps its Beta
    distribution whatever the correlation, and at 0 does not depend on ability at all."""
    latent = correlation * z + math.sqrt(1.0 - correlation * correlation) * noise
    # The Beta quantile of the normal's probability (scipy.stats' beta.ppf and norm.cdf, without
    # the second it takes to import scipy.stats).
    return np.asarray(betaincinv(alpha, beta, ndtr(latent)), dtype=float)


def rep_ceiling(
    ceiling: float, slope: float, z: float, fundamentals_sd: float | None = None
) -> float:
    """A rep's ceiling of learned skill: ``ceiling * (1 - slope * z)`` for a rep ``z`` standard
    deviations above the team's mean ability, kept between 0 and twice the ceiling. A positive
    slope leaves stronger reps less room to grow; 0 gives every rep the same ceiling.

    With ``fundamentals_sd``, coaching sticks only with reps who have the fundamentals: the
    ceiling is 0 for a rep at or below ``fundamentals_sd - 1``, whole from ``fundamentals_sd`` up,
    and in proportion between."""
    room = min(2.0, max(0.0, 1.0 - slope * z))
    if fundamentals_sd is not None:
        room *= min(1.0, max(0.0, z - fundamentals_sd + 1.0))
    return ceiling * room


def manager_groups(groups: Sequence[ManagerGroup], managers: int) -> list[ManagerGroup | None]:
    """Each manager's group (``None``: none), groups taking managers in order
    (:func:`~sim.scenario.programmes.group_counts`)."""
    out: list[ManagerGroup | None] = [None] * managers
    start = 0
    for g, n in zip(groups, group_counts([g.share for g in groups], managers), strict=True):
        out[start : start + n] = [g] * n
        start += n
    return out
