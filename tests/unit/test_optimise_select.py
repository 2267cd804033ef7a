"""Ranking and selection (sim.optimise.select): Kim and Nelson's procedure with the screen, held
to its stated confidence on planted-best problems with common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.optimise.select import (
    best_by_draw,
    kn_constants,
    kn_select,
    most_draws,
    prob_best,
    screen,
    select_best,
)


def _planted(
    seed: int, k: int, draws: int, delta: float, sigma: float, rho: float, best: int
) -> np.ndarray:
    """Draws x plans in the slippage configuration (the hardest for the guarantee): every plan
    alike but ``best``, which is ``delta`` better; each draw shares a common part (correlation
    ``rho``, as common random numbers give) and the plans' own parts differ in spread."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0.0, sigma * np.sqrt(rho), (draws, 1))
    spread = sigma * np.sqrt(1 - rho) * rng.uniform(0.5, 1.5, k)
    x = common + rng.normal(0.0, 1.0, (draws, k)) * spread
    x[:, best] += delta
    return x


def _select(x: np.ndarray, n0: int, delta: float, alpha: float) -> int:
    sel = select_best(x, np.full(x.shape[1], x.shape[0]), n0, delta, alpha, x.shape[0])
    assert sel.finished, "the draws given always suffice here"
    return sel.survivors[0]


def test_the_constants_match_the_worked_figure() -> None:
    # DECISIONS.md: alpha 0.05, n0 10, k 10 gives h2 = 15.46
    _, h2 = kn_constants(10, 10, 0.05)
    assert h2 == pytest.approx(15.46, abs=0.01)
    assert most_draws(1.0, 1.0, h2) == 16


@pytest.mark.parametrize("rho", [0.0, 0.8])
def test_a_planted_best_plan_is_found_at_the_stated_confidence(rho: float) -> None:
    """200 seeds of 20 plans, one 1 sd better: the procedure promises 95%; the count must reach
    the binomial's lower 1% point for 95% (182 of 200), and the best may sit anywhere."""
    delta, sigma, k, n0 = 1.0, 2.0, 20, 16
    found = 0
    for seed in range(200):
        best = seed % k
        x = _planted(seed, k, 2000, delta, sigma, rho, best)
        found += _select(x, n0, delta, 0.05) == best
    assert found >= 182


def test_common_random_numbers_need_fewer_draws() -> None:
    """The same problem with the luck shared (rho 0.9) and not (rho 0): the procedure works on
    differences, so shared luck cancels and it ends sooner."""
    used = {}
    for rho in (0.0, 0.9):
        total = 0
        for seed in range(20):
            x = _planted(seed, 10, 3000, 1.0, 2.0, rho, 3)
            sel = kn_select(x, np.full(10, 3000), 16, 1.0, 0.05)
            total += sel.draws_seen
        used[rho] = total
    assert used[0.9] < 0.5 * used[0.0]


def test_the_order_of_the_plans_does_not_matter() -> None:
    """A pair index that went wrong for l < i (as DECISIONS.md found in a library) would treat
    the columns differently: reversing them must reverse the answer and nothing else."""
    x = _planted(7, 8, 500, 1.0, 2.0, 0.5, 2)
    a = kn_select(x, np.full(8, 500), 16, 1.0, 0.05)
    b = kn_select(x[:, ::-1], np.full(8, 500), 16, 1.0, 0.05)
    assert [7 - i for i in b.survivors] == list(a.survivors)
    assert {7 - i: r for i, r in b.eliminated_at.items()} == a.eliminated_at
    assert a.draws_seen == b.draws_seen


def test_the_answer_does_not_depend_on_how_the_draws_arrived() -> None:
    """Run in one go, or a draw at a time as the search feeds it: the same eliminations."""
    x = _planted(3, 6, 400, 1.0, 2.0, 0.5, 4)
    whole = kn_select(x, np.full(6, 400), 16, 1.0, 0.05)
    have = np.full(6, 16)
    part = np.where(np.arange(400)[:, None] < have, x, np.nan)
    while True:
        sel = kn_select(part, have, 16, 1.0, 0.05)
        if sel.finished:
            break
        for j in sel.survivors:
            have[j] += 1
        part = np.where(np.arange(400)[:, None] < have, x, np.nan)
    assert sel.survivors == whole.survivors
    assert sel.eliminated_at == whole.eliminated_at


def test_the_screen_drops_a_far_worse_plan_the_first_look_of_kn_keeps() -> None:
    """A plan far behind but swinging wildly against the best: KN's first look keeps it (its
    continuation region is wide), the screen's t bound drops it."""
    rng = np.random.default_rng(0)
    best = rng.normal(10.0, 1.0, 32)
    wild = best - 6.0 + rng.normal(0.0, 8.0, 32)
    x = np.column_stack([best, wild])
    assert list(screen(x, 32, 0.5, 0.025)) == [True, False]
    first = kn_select(x, np.full(2, 32), 32, 0.5, 0.025)
    assert first.survivors == (0, 1)


def test_the_screen_keeps_the_best_at_its_confidence() -> None:
    kept = 0
    for seed in range(300):
        x = _planted(seed, 30, 16, 1.0, 2.0, 0.3, seed % 30)
        kept += bool(screen(x, 16, 1.0, 0.05)[seed % 30])
    assert kept >= 300 * 0.95 - 8  # 95% promised; about 2.5 sd of slack


def test_prob_best_and_best_by_draw() -> None:
    x = np.column_stack(
        [np.zeros(100), np.full(100, 1.0) + np.random.default_rng(1).normal(0, 0.1, 100)]
    )
    assert prob_best(x, [1, 0], 100)[0] == pytest.approx(1.0)
    assert best_by_draw(x, 100).tolist() == pytest.approx([0.0, 1.0])
    tied = np.zeros((10, 2))
    assert best_by_draw(tied, 10).tolist() == pytest.approx([0.5, 0.5])


def test_refusals() -> None:
    x = np.zeros((10, 3))
    with pytest.raises(ValueError, match="first 16 draws"):
        kn_select(x, np.full(3, 10), 16, 1.0, 0.05)
    with pytest.raises(ValueError, match="indifference zone"):
        kn_select(x, np.full(3, 10), 4, 0.0, 0.05)


def test_the_last_screen_rules_out_at_the_cap_what_kn_still_keeps() -> None:
    """At the most draws the search allows, a plan far behind but swinging wildly is still in
    KN's continuation region; the last screen, on all those draws, drops it. Before the cap it
    does nothing."""
    rng = np.random.default_rng(4)  # a seed where the first screen keeps it too
    best = rng.normal(10.0, 1.0, 128)
    wild = best - 3.0 + rng.normal(0.0, 8.0, 128)
    near = best - 0.05 + rng.normal(0.0, 0.1, 128)
    x = np.column_stack([best, wild, near])
    kn = kn_select(x, np.full(3, 128), 32, 0.25, 0.05 / 3)
    assert 1 in kn.survivors
    early = select_best(x, np.full(3, 100), 32, 0.25, 0.05, 128)
    assert 1 in early.survivors
    done = select_best(x, np.full(3, 128), 32, 0.25, 0.05, 128)
    assert 1 not in done.survivors
    assert done.eliminated_at[1] == 128


def test_plans_that_do_the_same_are_settled_not_run_to_the_end() -> None:
    """Two plans with the same result in every draw (a choice that changes nothing there): W is
    0 at once and their means are equal, so without a rule for ties neither would ever go out
    and the search would run to its last draw. The first of them is kept."""
    x = _planted(5, 4, 200, 1.0, 2.0, 0.5, 1)
    x[:, 2] = x[:, 1]
    sel = kn_select(x, np.full(4, 200), 16, 1.0, 0.05)
    assert sel.finished
    assert sel.survivors == (1,)
    assert prob_best(x, [1, 2], 200).tolist() == pytest.approx([0.5, 0.5])
