"""The inlined hot path of the model agrees with the pure definitions in sim.model.skill."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from sim.model import skill as dyn
from sim.model.pipeline import Deal
from sim.model.replication import Replication
from sim.model.skill_lists import session_steps
from tests.sim.helpers import small

REP = Replication(small(), 0, 0).reps[0]

nonneg = st.floats(min_value=0.0, max_value=1.0)
times = st.floats(min_value=0.0, max_value=500.0)


@given(nonneg, nonneg, times, st.floats(min_value=1.0, max_value=300.0), times)
def test_learned_is_sim_dynamics_learned(
    cons: float, fresh: float, t_last: float, stability: float, later: float
) -> None:
    REP.set_state(1, (cons, fresh, t_last, stability))
    t = t_last + later
    assert math.isclose(REP.learned(1, t), dyn.learned(REP.state(1), t), abs_tol=1e-12)


@given(
    nonneg,
    nonneg,
    st.floats(min_value=0.0, max_value=40.0),
    st.floats(min_value=1.0, max_value=300.0),
    st.floats(min_value=0.0, max_value=40.0),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=1.0, max_value=30.0),
    st.floats(min_value=0.5, max_value=20.0),
    st.sampled_from([-1e-6, 1e-6]),
)
def test_a_stage_end_advances_exactly_when_the_score_beats_the_uniform(
    cons: float,
    fresh: float,
    t_last: float,
    stability: float,
    t_train: float,
    depth: float,
    recovery: float,
    duration: float,
    margin: float,
) -> None:
    """The stage-end decision in Pipeline.advance_to (learned skill from SkillLists.learned, the
    dip from Pipeline.dip) is sim.model.skill's probability."""
    rep = Replication(small(), 0, 0, settle=False).reps[0]
    rep.set_state(1, (cons, fresh, t_last, stability))
    rep.t_train_days, rep.dip_depth, rep.dip_recovery_days = t_train, depth, recovery
    opened = max(t_last, t_train)
    t = opened + 0.0 + duration  # the end of stage 1, as the pipeline adds it up
    score = (
        rep.run.base_logits[1]
        + rep.ability
        + dyn.learned(rep.state(1), t)
        - dyn.dip(depth, t_train, recovery, t)
    )
    # Stage 0 always passes and ends at once; stage 1 is decided at t; stage 2 ends later.
    deal = Deal(opened, [0.0, duration, 50.0, 50.0], [-math.inf, score + margin], 0, 1.0)
    rep.schedule(deal, 0, opened + 0.0)
    rep.advance_to(t + 1e-9)
    assert (deal.stage == 2) == (margin < 0), "advanced although the uniform was above the score"
    assert len(rep.pending) == (1 if margin < 0 else 0)


@given(
    st.floats(min_value=1e-9, max_value=1 - 1e-9),
    st.floats(min_value=-8, max_value=8),
    st.floats(min_value=0.05, max_value=0.95),
    st.floats(min_value=-1, max_value=1),
)
def test_logit_space_decision_is_the_conversion_probability(
    u: float, ability: float, base: float, skill: float
) -> None:
    score = dyn.logit(base) + ability + skill
    p = dyn.conversion_probability(dyn.logit(base), ability, skill, 0.0, 0.0)
    if abs(u - p) > 1e-9:  # away from the knife edge, where rounding may differ
        assert (math.log(u / (1 - u)) < score) == (u < p)


four_states = st.lists(
    st.tuples(nonneg, st.floats(-1.0, 1.0), times, st.floats(1.0, 300.0)), min_size=4, max_size=4
)
"""Skill states of four stages, fresh skill below zero too (after harmful sessions)."""


def _set_states(states: list[dyn.SkillState], later: float) -> float:
    """Give REP these states; return a time ``later`` after the last refresh among them."""
    for k, state in enumerate(states):
        REP.set_state(k, state)
    return max(state[2] for state in states) + later


@given(
    four_states,
    times,
    st.floats(min_value=0.0, max_value=3.0),
    st.tuples(st.floats(0.0, 2.0), st.floats(0.0, 1.0), st.floats(0.0, 2.0), st.floats(0.0, 1.0)),
    st.sets(st.integers(0, 3), min_size=1),
)
def test_reinforce_is_coach_on_each_stage(
    states: list[dyn.SkillState],
    later: float,
    effect: float,
    params: tuple[float, float, float, float],
    stages: set[int],
) -> None:
    t = _set_states(states, later)
    REP.reinforce(sorted(stages), t, effect, params)
    for k, state in enumerate(states):
        expected = dyn.coach(state, t, effect, *params) if k in stages else state
        assert REP.state(k) == expected


@given(
    four_states,
    times,
    st.floats(min_value=0.0, max_value=2.0),
    st.floats(min_value=-2.0, max_value=0.0),
    st.sets(st.integers(0, 3), min_size=1),
)
def test_harm_is_sim_dynamics_harm_on_each_stage(
    states: list[dyn.SkillState], later: float, step: float, floor: float, stages: set[int]
) -> None:
    t = _set_states(states, later)
    REP.harm(sorted(stages), t, step, floor)
    for k, state in enumerate(states):
        expected = dyn.harm(state, t, step, 1.0, floor) if k in stages else state
        assert REP.state(k) == expected


@given(
    st.lists(st.tuples(nonneg, nonneg), min_size=4, max_size=4),
    times,
    st.floats(1.0, 300.0),
    times,
    st.floats(min_value=0.0, max_value=3.0),
    st.tuples(st.floats(0.0, 2.0), st.floats(0.0, 1.0), st.floats(0.0, 2.0), st.floats(0.0, 1.0)),
)
def test_reinforce_shares_the_decay_only_between_stages_that_share_it(
    skills: list[tuple[float, float]],
    t_last: float,
    stability: float,
    later: float,
    effect: float,
    params: tuple[float, float, float, float],
) -> None:
    """Stages refreshed together share one decay; a stage refreshed apart gets its own."""
    states = [(c, f, t_last, stability) for c, f in skills]
    states[1] = (*states[1][:3], stability * 1.5)  # refreshed together, then spaced apart
    states[2] = (*states[2][:2], t_last / 2, stability)  # refreshed apart
    for k, state in enumerate(states):
        REP.set_state(k, state)
    t = t_last + later
    REP.reinforce(range(4), t, effect, params)
    for k, state in enumerate(states):
        assert REP.state(k) == dyn.coach(state, t, effect, *params)


@given(st.lists(st.tuples(nonneg, nonneg), min_size=4, max_size=4), times, st.floats(1.0, 300.0))
def test_add_learned_is_sim_dynamics_learned_on_each_stage(
    skills: list[tuple[float, float]], t_last: float, stability: float
) -> None:
    """The weekly skill sample; stages 0 and 3 share their decay, 1 and 2 do not."""
    states = [(c, f, t_last, stability) for c, f in skills]
    states[1] = (*states[1][:3], stability * 1.5)
    states[2] = (*states[2][:2], t_last / 2, stability)
    for k, state in enumerate(states):
        REP.set_state(k, state)
    t = t_last + 7.0
    total = [1.0] * 4
    REP.add_learned(total, t)
    assert total == [1.0 + dyn.learned(state, t) for state in states]


@given(
    st.tuples(nonneg, nonneg, times, st.floats(1.0, 300.0)),
    st.lists(st.floats(min_value=0.0, max_value=40.0), min_size=1, max_size=4),
    st.floats(min_value=0.0, max_value=3.0),
    st.tuples(st.floats(0.0, 2.0), st.floats(0.0, 1.0), st.floats(0.0, 2.0), st.floats(0.0, 1.0)),
)
def test_reinforce_all_works_out_alike_stages_once_with_the_same_result(
    state: dyn.SkillState,
    gaps: list[float],
    effect: float,
    params: tuple[float, float, float, float],
) -> None:
    """Sessions on every stage of a rep whose stages are alike, then on one stage only, then on
    every stage again: each stage ends as sim.model.skill.coach says."""
    for k in range(4):
        REP.set_state(k, state)
    REP.check_alike()
    assert REP.alike
    expected = [state] * 4
    t = state[2]
    steps = session_steps(effect, params) if effect > 0.0 else None
    for i, gap in enumerate(gaps):
        t += gap
        only_one = i == 1
        if steps is None:
            continue
        if only_one:
            REP.reinforce_by((2,), t, steps)
        else:
            REP.reinforce_all(t, steps)
        expected = [
            dyn.coach(st_k, t, effect, *params) if not only_one or k == 2 else st_k
            for k, st_k in enumerate(expected)
        ]
        assert [REP.state(k) for k in range(4)] == expected
