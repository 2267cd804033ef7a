"""Skill dynamics: exact values, and properties for any parameters (Hypothesis)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from sim.model import skill as dyn

pos = st.floats(min_value=0.0, max_value=5.0, allow_nan=False)
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
times = st.floats(min_value=0.0, max_value=1000.0, allow_nan=False)
stab = st.floats(min_value=1.0, max_value=500.0, allow_nan=False)
ceil = st.floats(min_value=0.05, max_value=3.0, allow_nan=False)


@st.composite
def states(draw: st.DrawFn) -> tuple[dyn.SkillState, float]:
    c = draw(ceil)
    cons = draw(st.floats(min_value=0.0, max_value=c))
    fresh = draw(st.floats(min_value=0.0, max_value=c - cons))
    return (cons, fresh, draw(times), draw(stab)), c


def test_forgetting_exact() -> None:
    state = (0.1, 0.2, 10.0, 40.0)
    assert dyn.learned(state, 10.0) == 0.1 + 0.2
    assert math.isclose(dyn.learned(state, 50.0), 0.1 + 0.2 * math.exp(-1.0))
    # 40-day stability: 5% of a training gain is left after 120 days (ES Research 90-120 days).
    assert math.isclose(dyn.retained_fresh(1.0, 0.0, 40.0, 120.0), math.exp(-3.0))


def test_training_then_coaching_exact() -> None:
    s = dyn.train((0.0, 0.0, 0.0, 40.0), 5.0, 0.15, 40.0, 0.35)
    assert s == (0.0, 0.15, 5.0, 40.0)
    kept = 0.15 * math.exp(-20.0 / 40.0)
    c = dyn.coach(s, 25.0, 0.5, 0.6, 0.3, 0.08, 0.35)
    moved = 0.3 * kept
    assert math.isclose(c[0], moved)
    gap = 0.35 - kept
    assert math.isclose(c[1], kept - moved + 0.04 * gap)
    assert c[2] == 25.0
    assert math.isclose(c[3], 40.0 * 1.15)


def test_dip_exact() -> None:
    assert dyn.dip(0.3, 10.0, 10.0, 9.0) == 0.0
    assert dyn.dip(0.3, 10.0, 10.0, 10.0) == 0.3
    assert math.isclose(dyn.dip(0.3, 10.0, 10.0, 20.0), 0.3 / math.e)


@given(states(), times, times)
def test_forgetting_never_raises_skill(
    sc: tuple[dyn.SkillState, float], a: float, b: float
) -> None:
    state, _ = sc
    t1, t2 = sorted((state[2] + a, state[2] + b))
    assert dyn.learned(state, t2) <= dyn.learned(state, t1) + 1e-12


@given(states(), unit, pos, pos, unit, st.floats(min_value=0.0, max_value=100.0))
def test_reinforcement_never_lowers_and_never_exceeds_ceiling(
    sc: tuple[dyn.SkillState, float],
    e: float,
    cons: float,
    spacing: float,
    imp: float,
    dt: float,
) -> None:
    state, c = sc
    t = state[2] + dt
    before = dyn.learned(state, t)
    after_state = dyn.coach(state, t, e, cons, spacing, imp, c)
    after = dyn.learned(after_state, t)
    assert after >= before - 1e-12
    assert after <= c + 1e-12
    assert after_state[3] >= state[3]  # stability never falls
    assert after_state[0] >= state[0]  # consolidated never falls


@given(states(), pos, st.floats(min_value=0.0, max_value=100.0))
def test_training_never_exceeds_ceiling(
    sc: tuple[dyn.SkillState, float], gain: float, dt: float
) -> None:
    state, c = sc
    t = state[2] + dt
    after = dyn.learned(dyn.train(state, t, gain, 40.0, c), t)
    assert dyn.learned(state, t) - 1e-12 <= after <= c + 1e-12


@given(
    states(), st.floats(min_value=0.01, max_value=1.0), st.floats(min_value=1.0, max_value=200.0)
)
def test_spacing_slows_forgetting(sc: tuple[dyn.SkillState, float], e: float, later: float) -> None:
    """After a session with consolidation and improvement off, skill decays more slowly."""
    state, c = sc
    t = state[2]
    coached = dyn.coach(state, t, e, 0.0, 0.5, 0.0, c)
    assert dyn.learned(coached, t + later) >= dyn.learned(state, t + later) - 1e-12


@given(states(), pos, unit, st.floats(min_value=0.0, max_value=100.0), times)
def test_a_training_leaves_its_floor_for_good(
    sc: tuple[dyn.SkillState, float], gain: float, floor: float, dt: float, later: float
) -> None:
    """The transfer floor: the same skill right after training whatever the floor, and long
    after it a share ``floor`` of what the training added is still there (none at floor 0, as
    before the floor existed)."""
    state, c = sc
    t = state[2] + dt
    before = dyn.learned(state, t)
    with_floor = dyn.train(state, t, gain, 40.0, c, floor)
    without = dyn.train(state, t, gain, 40.0, c)
    assert math.isclose(dyn.learned(with_floor, t), dyn.learned(without, t), abs_tol=1e-12)
    added = dyn.learned(without, t) - before
    assert math.isclose(with_floor[0] - state[0], floor * added, abs_tol=1e-12)
    forever = t + 1e6
    assert math.isclose(
        dyn.learned(with_floor, forever) - dyn.learned(without, forever),
        floor * added,
        abs_tol=1e-9,
    )
    assert dyn.learned(with_floor, t + later) >= dyn.learned(without, t + later) - 1e-12


def test_the_transfer_floor_exact() -> None:
    s = dyn.train((0.0, 0.0, 0.0, 40.0), 5.0, 0.15, 40.0, 0.35, 0.35)
    assert math.isclose(s[0], 0.0525)
    assert math.isclose(s[1], 0.0975)
    assert math.isclose(dyn.learned(s, 5.0 + 40.0), 0.0525 + 0.0975 / math.e)


def test_zero_effect_changes_nothing() -> None:
    state = (0.1, 0.05, 3.0, 40.0)
    assert dyn.coach(state, 10.0, 0.0, 0.6, 0.3, 0.08, 0.35) == state


@given(st.floats(min_value=-15, max_value=15))
def test_sigmoid_logit_inverse(x: float) -> None:
    p = dyn.sigmoid(x)
    assert 0.0 <= p <= 1.0
    if 1e-12 < p < 1 - 1e-12:
        assert math.isclose(dyn.logit(p), x, rel_tol=1e-6, abs_tol=1e-6)


def test_discount_falls_with_closing_skill() -> None:
    assert dyn.discount_share(0.1, 1.0, 0.0) == 0.1
    assert dyn.discount_share(0.1, 1.0, 0.3) < 0.1
    assert dyn.discount_share(0.1, 1.0, -1.0) == 0.1


@st.composite
def harmed_states(draw: st.DrawFn) -> tuple[dyn.SkillState, float, float]:
    """A state anywhere between a harm floor and the ceiling: (state, ceiling, floor)."""
    c = draw(ceil)
    floor = -draw(st.floats(min_value=0.0, max_value=3.0)) * c
    cons = draw(st.floats(min_value=0.0, max_value=c))
    fresh = draw(st.floats(min_value=floor - cons, max_value=c - cons))
    return (cons, fresh, draw(times), draw(stab)), c, floor


@given(harmed_states(), unit, unit, st.floats(min_value=0.0, max_value=100.0))
def test_harm_never_raises_skill_and_never_passes_the_floor(
    sc: tuple[dyn.SkillState, float, float], h: float, imp: float, dt: float
) -> None:
    state, _, floor = sc
    t = state[2] + dt
    before = dyn.learned(state, t)
    after_state = dyn.harm(state, t, h, imp, floor)
    after = dyn.learned(after_state, t)
    assert after <= before + 1e-12
    assert after >= min(before, floor) - 1e-12
    assert after_state[0] == state[0]  # nothing consolidated, nothing of it undone
    assert after_state[3] == state[3]  # stability unchanged


@given(
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.01, max_value=1.0),
    unit,
    unit,
    unit,
)
def test_session_harm_is_zero_at_or_above_the_threshold_and_falls_with_quality(
    q: float, threshold: float, readiness: float, fit: float, dose: float
) -> None:
    h = dyn.session_harm(q, threshold, readiness, fit, dose)
    if q >= threshold:
        assert h == 0.0
    else:
        assert 0.0 <= h <= readiness * fit * dose + 1e-12
        worse = dyn.session_harm(q / 2, threshold, readiness, fit, dose)
        assert worse >= h - 1e-12


def test_poor_coaching_at_quality_zero_hurts_twice_what_the_best_helps() -> None:
    """From no learned skill, the first session of quality 0 lowers skill twice as much as the
    first of quality 1 raises it (harm_ratio 2), and the floor is twice the ceiling below."""
    c, imp = 0.15, 0.5
    state: dyn.SkillState = (0.0, 0.0, 0.0, 60.0)
    good = dyn.learned(
        dyn.coach(state, 0.0, dyn.session_effect(1.0, 1.0, 1.0), 0.6, 0.3, imp, c), 0.0
    )
    h = dyn.session_harm(0.0, 0.25, 1.0, 1.0)
    bad = dyn.learned(dyn.harm(state, 0.0, h, imp, dyn.harm_floor(2.0, c)), 0.0)
    assert math.isclose(good, 0.075)
    assert math.isclose(bad, -0.15)
    at_once = daily = state
    for day in range(200):
        at_once = dyn.harm(at_once, 0.0, h, imp, dyn.harm_floor(2.0, c))
        daily = dyn.harm(daily, float(day), h, imp, dyn.harm_floor(2.0, c))
    assert math.isclose(dyn.learned(at_once, 0.0), -0.30, rel_tol=1e-9)
    # Sessions a day apart: forgetting between them holds skill a little above the floor.
    assert -0.30 < dyn.learned(daily, 199.0) < -0.29


@given(harmed_states(), unit, pos, pos, unit, st.floats(min_value=0.0, max_value=100.0))
def test_good_coaching_never_makes_harm_lasting(
    sc: tuple[dyn.SkillState, float, float],
    e: float,
    cons: float,
    spacing: float,
    imp: float,
    dt: float,
) -> None:
    """A helpful session after poor ones consolidates nothing while fresh skill is below zero."""
    state, c, _ = sc
    t = state[2] + dt
    after = dyn.coach(state, t, e, cons, spacing, imp, c)
    if dyn.retained_fresh(state[1], state[2], state[3], t) <= 0.0:
        assert after[0] == state[0]
    assert dyn.learned(after, t) >= dyn.learned(state, t) - 1e-12
