"""The model's arithmetic (sim.model.rules) and the features that had no test of their own:
the coach-the-coach ramp, monthly fees per rep, end_week, days out of the field, trained_share,
generic_fit and the Wilson interval."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis.paired import wilson
from sim.model import rules
from sim.model.replication import Replication
from sim.scenario import Managers, OutsideCoach, Training
from sim.scenario.team import free_coaching_hours
from tests.sim.helpers import small

WEEK = 5.0


def test_sessions_that_fit_in_a_managers_week() -> None:
    m = Managers(
        admin_hours_per_week=12,
        selling_hours_per_week=10,
        other_hours_per_week=0,
        meetings_per_week=5,
    )
    assert free_coaching_hours(m) == pytest.approx(50 - 12 - 10 - 7.5)
    other = m.model_copy(update={"other_hours_per_week": 4.5})
    assert free_coaching_hours(other) == pytest.approx(50 - 12 - 10 - 4.5 - 7.5)
    assert rules.coaching_sessions_that_fit(m, 50 / 60) == 24  # 20.5 h of 50-minute sessions
    assert rules.coaching_sessions_that_fit(m, 20.5) == 1  # exactly one, despite rounding
    full = Managers(admin_hours_per_week=30, selling_hours_per_week=20, meetings_per_week=0)
    assert rules.coaching_sessions_that_fit(full, 0.5) == 0


def test_the_coach_the_coach_ramp() -> None:
    oc = OutsideCoach(coach_the_coach=True, start_week=4, coach_the_coach_ramp_weeks=10, end_week=9)
    warm = 2
    at = [rules.ramp_progress((w + warm) * WEEK, warm, oc) for w in (0, 4, 6, 9, 14, 40)]
    # nothing before the start, linear over the ramp, held where it stood once the engagement
    # ended in week 9 (5 of the 10 ramp weeks done)
    assert at == pytest.approx([0.0, 0.0, 0.2, 0.5, 0.5, 0.5])
    long = oc.model_copy(update={"end_week": None})
    assert rules.ramp_progress((40 + warm) * WEEK, warm, long) == 1.0
    assert rules.ramp_progress(99.0, warm, None) == 0.0
    assert rules.ramp_progress(99.0, warm, oc.model_copy(update={"coach_the_coach": False})) == 0
    assert rules.ramped_quality(0.5, 0.75, 0.0) == 0.5
    assert rules.ramped_quality(0.5, 0.75, 0.5) == pytest.approx(0.625)
    assert rules.ramped_quality(0.5, 0.75, 1.0) == 0.75


def test_coach_the_coach_hours_last_for_the_ramp() -> None:
    oc = OutsideCoach(
        coach_the_coach=True,
        start_week=2,
        coach_the_coach_ramp_weeks=3,
        coach_the_coach_hours_per_manager_per_week=1.5,
    )
    assert [rules.coach_the_coach_hours(oc, w, 4) for w in range(2, 7)] == [6, 6, 6, 0, 0]
    assert rules.coach_the_coach_hours(oc.model_copy(update={"coach_the_coach": False}), 2, 4) == 0


def test_fees_by_the_hour_or_per_rep_per_month() -> None:
    hourly = OutsideCoach(fee_per_hour_usd=200)
    assert rules.outside_fee_usd(hourly, 7.5, enrolled_reps=10) == 1500
    monthly = OutsideCoach(fee_per_hour_usd=None, fee_per_rep_per_month_usd=520)
    # 12 months over 52 weeks: a rep at $520 a month costs $120 a week, whatever the hours
    assert rules.outside_fee_usd(monthly, 99.0, enrolled_reps=3) == pytest.approx(360)
    assert rules.outside_fee_usd(monthly, 0.0, enrolled_reps=0) == 0.0


@given(st.lists(st.floats(-3, 3), min_size=1, max_size=40), st.floats(0, 2), st.floats(0, 2))
def test_lead_rates_keep_the_team_mean_for_normal_abilities(
    abilities: list[float], elasticity: float, sigma: float
) -> None:
    rates = rules.lead_rates_per_day(3.0, elasticity, sigma, abilities)
    assert all(r > 0 for r in rates)
    order = np.argsort(abilities, kind="stable")
    assert all(rates[i] <= rates[j] * (1 + 1e-12) for i, j in itertools.pairwise(order))


def test_lead_rates_average_to_the_nominal_rate() -> None:
    z = np.random.default_rng(1).standard_normal(200_000)
    rates = rules.lead_rates_per_day(3.0, 0.5, 0.8, list(0.8 * z))
    assert np.mean(rates) == pytest.approx(3.0 / WEEK, rel=5e-3)


def test_tiers_are_the_top_and_bottom_fifths_by_ability() -> None:
    labels, pct = rules.tiers(np.array([0.3, -1.0, 2.0, 0.1, 0.2, -0.5, 1.0, 0.0, -2.0, 0.5]))
    assert labels == ["B", "C", "A", "B", "B", "B", "A", "B", "C", "B"]
    assert pct[2] == 1.0
    assert pct[8] == 0.0
    assert rules.tiers(np.array([0.0]))[0] == ["B"]  # a team of one: no top or bottom fifth
    assert rules.tiers(np.array([1.0, 1.0, 1.0, 1.0, 1.0]))[0] == ["C", "B", "B", "B", "A"]


def test_days_out_of_the_field_are_taken_week_by_week() -> None:
    trainings = [Training(start_week=1, days_out_of_field=7), Training(start_week=4)]
    lost = rules.training_hours_lost(trainings, 30.0, warmup_weeks=2, weeks=8)
    per_day = 30.0 / WEEK
    assert lost == pytest.approx([0, 0, 0, 5 * per_day, 2 * per_day, 0, 2 * per_day, 0])
    # a training past the horizon costs nothing, and none is cut short silently
    assert rules.training_hours_lost([Training(start_week=9)], 30.0, 0, 8) == [0.0] * 8


def test_wilson_interval() -> None:
    lo, hi = wilson(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson(10, 10)
    assert hi == pytest.approx(1.0)
    assert lo == pytest.approx(0.7225, abs=1e-4)
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(1 - hi)
    assert lo == pytest.approx(0.2366, abs=1e-4)
    assert all(math.isnan(x) for x in wilson(0, 0))


def test_trained_share_decides_which_managers_coach_at_the_trained_quality() -> None:
    def qualities(share: float, replication: int = 0) -> list[float]:
        s = small(
            team={"managers": 10, "reps_per_manager": 1},
            managers={"trained_share": share, "quality_trained": 0.9},
        )
        return [m.quality(0.0) for m in Replication(s, 3, replication).managers]

    assert qualities(0.0) == [0.5] * 10
    assert qualities(1.0) == [0.9] * 10
    trained = [q == 0.9 for r in range(20) for q in qualities(0.3, r)]
    assert set(qualities(0.3)) <= {0.5, 0.9}
    assert 0.2 < sum(trained) / len(trained) < 0.4  # 200 managers, each trained with p = 0.3


def test_generic_coaching_is_worth_generic_fit_of_tailored() -> None:
    def fits(tailored: bool, generic_fit: float) -> float:
        s = small(coaching={"tailored": tailored}, skill={"generic_fit": generic_fit})
        return Replication(s, 0, 0).managers[0].fit

    assert fits(True, 0.3) == 1.0
    assert fits(False, 0.3) == 0.3
    assert fits(False, 0.8) == 0.8


def test_an_engagement_stops_at_its_end_week() -> None:
    s = small(outside_coach={"format": "virtual", "start_week": 2, "end_week": 5})
    weekly, _ = Replication(s, 0, 0).run()
    held = weekly.set_index("week")["outside_sessions_held"]
    assert held.loc[:1].sum() == 0
    assert (held.loc[2:4] > 0).all()
    assert held.loc[5:].sum() == 0
    fees = weekly.set_index("week")["outside_fees_usd"]
    assert fees.loc[5:].sum() == 0
    assert fees.loc[2:4].gt(0).all()


@given(
    st.floats(min_value=-0.95, max_value=0.95),
    st.floats(min_value=0.2, max_value=20.0),
    st.floats(min_value=0.2, max_value=20.0),
)
@settings(max_examples=40, deadline=None)
def test_correlated_readiness_keeps_its_beta_distribution(
    correlation: float, alpha: float, beta: float
) -> None:
    rng = np.random.default_rng(3)
    z, noise = rng.standard_normal(4000), rng.standard_normal(4000)
    ready = rules.correlated_readiness(z, noise, correlation, alpha, beta)
    assert ((ready >= 0.0) & (ready <= 1.0)).all()
    # The same distribution whatever the correlation (Kolmogorov-Smirnov, loose at 4000 draws).
    assert stats.kstest(ready, "beta", args=(alpha, beta)).pvalue > 1e-4
    rank = stats.spearmanr(z, ready).statistic
    if correlation > 0.3:
        assert rank > 0.1
    elif correlation < -0.3:
        assert rank < -0.1


def test_readiness_at_zero_correlation_does_not_depend_on_ability() -> None:
    noise = np.random.default_rng(0).standard_normal(50)
    a = rules.correlated_readiness(np.zeros(50), noise, 0.0, 2.0, 2.0)
    b = rules.correlated_readiness(np.full(50, 3.0), noise, 0.0, 2.0, 2.0)
    assert (a == b).all()


@given(
    st.floats(min_value=0.0, max_value=5.0),
    st.floats(min_value=-1.0, max_value=1.0),
    st.floats(min_value=-6.0, max_value=6.0),
    st.floats(min_value=0.0, max_value=6.0),
)
def test_rep_ceiling_stays_within_twice_the_ceiling_and_falls_with_ability_for_a_positive_slope(
    ceiling: float, slope: float, z: float, more: float
) -> None:
    c = rules.rep_ceiling(ceiling, slope, z)
    assert 0.0 <= c <= 2.0 * ceiling
    higher = rules.rep_ceiling(ceiling, slope, z + more)
    assert (higher <= c) if slope >= 0 else (higher >= c)
    assert rules.rep_ceiling(ceiling, 0.0, z) == ceiling


@given(st.floats(min_value=-3.0, max_value=3.0), st.floats(min_value=-6.0, max_value=6.0))
def test_without_the_fundamentals_a_rep_learns_nothing(fundamentals: float, z: float) -> None:
    c = rules.rep_ceiling(0.2, 0.0, z, fundamentals)
    if z <= fundamentals - 1.0:
        assert c == 0.0
    elif z >= fundamentals:
        assert c == pytest.approx(0.2)
    else:
        assert 0.0 <= c <= 0.2 + 1e-12
    assert rules.rep_ceiling(0.2, 0.0, z + 0.5, fundamentals) >= c


def test_the_managers_programme_ends_at_its_end_week() -> None:
    weekly, _ = Replication(small(coaching={"start_week": 2, "end_week": 7}), 0, 0).run()
    planned = weekly.set_index("week")["sessions_planned"]
    assert (planned.loc[:1] == 0).all()
    assert (planned.loc[2:6] > 0).all()
    assert (planned.loc[7:] == 0).all()


def test_manager_groups_take_managers_in_order() -> None:
    from sim.scenario import ManagerGroup

    a, b = ManagerGroup(name="a", share=0.25), ManagerGroup(name="b", share=0.5)
    assert rules.manager_groups([a, b], 8) == [a, a, b, b, b, b, None, None]
    half = ManagerGroup(name="c", share=0.5)
    assert rules.manager_groups([half, b], 3) == [half, half, b]
    third = ManagerGroup(name="t", share=1 / 3)
    assert rules.manager_groups([third] * 3, 7).count(None) == 0  # shares adding to 1: all
    assert rules.manager_groups([half, half], 5).count(None) == 0


@given(
    st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=1, max_size=6),
    st.integers(min_value=1, max_value=60),
)
def test_group_counts_never_exceed_the_team_and_fill_it_when_shares_add_to_one(
    shares: list[float], managers: int
) -> None:
    from sim.scenario.programmes import group_counts

    total = sum(shares)
    scaled = [x / total for x in shares] if total > 1 else shares
    counts = group_counts(scaled, managers)
    assert all(c >= 0 for c in counts)
    assert sum(counts) <= managers
    if math.isclose(sum(scaled), 1.0):
        assert sum(counts) == managers


def test_a_group_that_does_not_coach_plans_no_sessions() -> None:
    quiet = {"name": "quiet", "share": 0.5, "coaching": {"sessions_per_rep_per_week": 0}}
    both, _ = Replication(small(), 0, 0).run()
    half, _ = Replication(small(manager_groups=[quiet]), 0, 0).run()
    assert half["sessions_planned"].sum() == pytest.approx(both["sessions_planned"].sum() / 2)
    weak = {"name": "weak", "share": 1.0, "quality": 0.0}
    no_harm = {"harm_threshold": 0.0}
    none, _ = Replication(small(manager_groups=[weak], skill=no_harm), 0, 0).run()
    assert none["sessions_held"].sum() > 0
    assert none.filter(like="skill_").to_numpy().max() == 0.0  # quality 0 teaches nothing
    harmed, _ = Replication(small(manager_groups=[weak]), 0, 0).run()
    assert harmed.filter(like="skill_").to_numpy().max() < 0.0  # and below the threshold harms
