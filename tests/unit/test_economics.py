"""Business-case maths against hand-worked examples, and properties for any inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.analysis import economics as eco

money = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False)
positive = st.floats(min_value=1.0, max_value=1e7, allow_nan=False)


def test_phillips_worked_example() -> None:
    # Phillips: a programme costing 80,000 that returns 240,000 of benefits.
    assert eco.roi_pct(240_000, 80_000) == pytest.approx(200.0)
    assert eco.bcr(240_000, 80_000) == pytest.approx(3.0)
    assert eco.roi_pct(60_000, 80_000) == pytest.approx(-25.0)


def test_cost_share_of_gain() -> None:
    # 000 article: fees under 1% of the revenue increase
    assert eco.cost_share_of_gain(9_000, 1_000_000) == pytest.approx(0.009)
    assert math.isnan(eco.cost_share_of_gain(9_000, 0.0))
    assert math.isnan(eco.cost_share_of_gain(9_000, -5.0))
    assert math.isnan(eco.cost_share_of_gain(-100.0, 1_000_000))


def test_payback_worked_example() -> None:
    # cost 100 in week 0; 50 a week of benefit from week 2: cumulative net -100, -100, -50, 0, 50
    assert eco.payback_week([0, 0, 50, 50, 50], [100, 0, 0, 0, 0]) == 3.0
    # covered, then uncovered again by a later cost: payback is when it is covered for good
    assert eco.payback_week([60, 60, 0, 100], [100, 0, 50, 0]) == 3.0
    assert eco.payback_week([10, 10], [0, 5]) == 0.0


def test_no_payback_is_reported_as_none_not_a_number() -> None:
    assert eco.payback_week([0, 10, 10], [100, 0, 0]) == math.inf
    assert math.isnan(eco.payback_week([5, 5], [0, 0]))


def test_npv_worked_example() -> None:
    # 100 now and 110 in a year at 10% a year: 100 + 110 / 1.1 = 200
    flows = [100.0] + [0.0] * 51 + [110.0]
    assert eco.npv(flows, 0.10) == pytest.approx(200.0)
    assert eco.npv([1.0] * 10, 0.0) == pytest.approx(10.0)


@given(money, positive)
def test_roi_and_bcr_are_consistent(benefit: float, cost: float) -> None:
    assert eco.roi_pct(benefit, cost) == pytest.approx(
        (eco.bcr(benefit, cost) - 1.0) * 100.0, rel=1e-9, abs=1e-6
    )
    assert (eco.roi_pct(benefit, cost) > 0) == (benefit > cost)


@given(money, st.floats(min_value=-1e6, max_value=0.0))
def test_zero_or_negative_cost_has_no_roi(benefit: float, cost: float) -> None:
    assert math.isnan(eco.roi_pct(benefit, cost))
    assert math.isnan(eco.bcr(benefit, cost))


@given(
    st.lists(
        st.tuples(st.floats(min_value=0, max_value=1e4), st.floats(min_value=0, max_value=1e4)),
        min_size=1,
        max_size=60,
    )
)
def test_payback_week_is_when_it_stays_covered(flows: list[tuple[float, float]]) -> None:
    benefit = [b for b, _ in flows]
    cost = [c for _, c in flows]
    week = eco.payback_week(benefit, cost)
    net = np.cumsum(benefit) - np.cumsum(cost)
    if sum(cost) == 0:
        assert math.isnan(week)
    elif net[-1] < 0:
        assert week == math.inf
    else:
        w = int(week)
        assert np.all(net[w:] >= 0)
        if w > 0:
            assert net[w - 1] < 0


@given(
    st.lists(st.floats(min_value=-1e4, max_value=1e4), min_size=1, max_size=100),
    st.floats(min_value=0.0, max_value=0.5),
)
def test_discounting_shrinks_magnitudes(flows: list[float], rate: float) -> None:
    undiscounted = eco.npv(flows, 0.0)
    assert eco.npv([abs(x) for x in flows], rate) <= sum(abs(x) for x in flows) + 1e-6
    assert undiscounted == pytest.approx(sum(flows), abs=1e-6)


def test_paired_interval_from_differences() -> None:
    alt = [11.0, 12.0, 13.0, 14.0]
    base = [10.0, 11.0, 12.0, 13.0]
    m, lo, hi = eco.paired_ci(alt, base)
    assert (m, lo, hi) == (1.0, 1.0, 1.0)
    m2, lo2, hi2 = eco.unpaired_ci(alt, base)
    assert m2 == pytest.approx(1.0)
    assert lo2 < 0 < hi2
