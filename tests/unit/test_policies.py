"""Focus policies and the allocation of whole sessions."""

from __future__ import annotations

import typing

from hypothesis import given
from hypothesis import strategies as st

from sim.model.focus import POLICIES, FocusParams, RepView, allocate, capped_shares, focus_weights
from sim.scenario import PolicyName

REPS = [
    RepView("A", 0.9, 1.0),
    RepView("B", 0.2, 0.6),
    RepView("B", 0.6, 0.4),
    RepView("C", 0.5, 0.0),
]
PARAMS = FocusParams({"A": 0.5, "B": 2.0, "C": 0.0}, 0.0)


def test_registry_matches_schema() -> None:
    assert set(POLICIES) == set(typing.get_args(PolicyName))


def test_policy_weights() -> None:
    assert focus_weights("uniform", REPS, PARAMS) == [1.0, 1.0, 1.0, 1.0]
    assert focus_weights("tier", REPS, PARAMS) == [0.5, 2.0, 2.0, 0.0]
    assert focus_weights("readiness", REPS, PARAMS) == [0.9, 0.2, 0.6, 0.5]
    w = focus_weights("bottom_first", REPS, PARAMS)
    assert w == sorted(w)  # weakest (last) gets the most


def test_readiness_threshold_excludes() -> None:
    params = FocusParams({"A": 1.0, "B": 1.0, "C": 1.0}, 0.55)
    assert focus_weights("uniform", REPS, params) == [1.0, 0.0, 1.0, 0.0]


def test_capped_shares_water_fill() -> None:
    assert capped_shares([1.0, 1.0, 2.0], 8.0, 3.0) == [2.5, 2.5, 3.0]
    assert capped_shares([1.0, 0.0], 10.0, 3.0) == [3.0, 0.0]


@given(
    st.lists(st.floats(min_value=0.0, max_value=5.0), min_size=1, max_size=12),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=30),
)
def test_allocation_is_exact_and_fair_over_time(
    weights: list[float], budget: int, cap: int, weeks: int
) -> None:
    shares = capped_shares(weights, budget, cap)
    sessions = round(sum(shares))
    credit = [0.0] * len(weights)
    totals = [0] * len(weights)
    for _ in range(weeks):
        counts = allocate(shares, credit, sessions)
        assert sum(counts) == sessions
        assert all(n >= 0 for n in counts)
        assert all(n == 0 for n, w in zip(counts, weights, strict=True) if w == 0.0)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    for total, share in zip(totals, shares, strict=True):
        assert abs(total - share * weeks) < 1.0 + 1e-6
