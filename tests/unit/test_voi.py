"""Value of information and the variance split against known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.voi import (
    acceptability,
    break_even,
    break_even_interval,
    evpi,
    evppi,
    learnable_evpi,
    normal_evpi,
    sobol,
    variance_split,
)
from sim.scenario.designs import make_sobol_design
from sim.scenario.uncertain import DISTRIBUTION


@given(st.floats(min_value=-2.0, max_value=2.0), st.floats(min_value=0.2, max_value=3.0))
@settings(max_examples=25, deadline=None)
def test_evpi_of_a_normal_incremental_benefit_matches_the_closed_form(
    mean: float, sd: float
) -> None:
    inb = np.random.default_rng(1).normal(mean, sd, 200_000)
    table = np.column_stack([np.zeros_like(inb), inb])
    assert evpi(table) == pytest.approx(normal_evpi(mean, sd), abs=0.01 * sd + 1e-3)


def test_an_option_that_always_wins_is_worth_nothing_to_learn_about() -> None:
    rng = np.random.default_rng(2)
    base = rng.normal(0, 1, 5000)
    table = np.column_stack([base, base + 0.5 + rng.uniform(0, 1, 5000)])
    assert evpi(table) == pytest.approx(0.0, abs=1e-9)
    assert evppi(table, rng.uniform(size=5000)) == pytest.approx(0.0, abs=1e-9)


def test_evppi_finds_the_parameter_that_decides() -> None:
    rng = np.random.default_rng(3)
    quality, noise = rng.uniform(0, 1, 4000), rng.uniform(0, 1, 4000)
    inb = 10 * (quality - 0.5) + rng.normal(0, 0.5, 4000)  # pays when quality > 0.5
    table = np.column_stack([np.zeros(4000), inb])
    total = evpi(table)
    assert evppi(table, quality) == pytest.approx(total, rel=0.1)
    assert evppi(table, noise) < 0.05 * total
    # E[max(10 (q - 0.5), 0)] for q ~ U(0, 1) is 10 / 8 = 1.25, and E[inb] = 0.
    assert evppi(table, quality) == pytest.approx(1.25, rel=0.05)


def test_the_variance_split_recovers_a_planted_split() -> None:
    rng = np.random.default_rng(4)
    truth = rng.normal(0, 2.0, 3000)  # the parameters' part: variance 4
    values = truth[:, None] + rng.normal(0, 3.0, (3000, 4))  # luck: variance 9
    split = variance_split(values)
    assert split.parameters == pytest.approx(4.0, rel=0.08)
    assert split.luck == pytest.approx(9.0, rel=0.03)
    assert split.share_parameters == pytest.approx(4 / 13, rel=0.08)


def test_the_variance_split_needs_replications() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        variance_split(np.zeros((5, 1)))


def test_the_acceptability_curve_falls_as_the_fee_rises() -> None:
    rng = np.random.default_rng(5)
    npv = rng.normal(100.0, 80.0, (400, 2))
    fees_pv = np.full((400, 2), 50.0)  # the fees' present value at a fee of 200
    probs, means = acceptability(npv, fees_pv, 200.0, np.array([100.0, 200.0, 400.0, 800.0]))
    assert (np.diff(probs) <= 0).all()
    assert means == pytest.approx(npv.mean() - 50.0 * (np.array([0.5, 1, 2, 4]) - 1))
    assert probs[1] == pytest.approx((npv.mean(axis=1) > 0).mean())


def test_break_even_recovers_a_planted_threshold() -> None:
    rng = np.random.default_rng(6)
    quality = rng.uniform(0, 1, 3000)
    net = 40 * (quality - 0.62) + rng.normal(0, 5, 3000)
    found = break_even(net, quality)
    assert found is not None
    assert found == pytest.approx(0.62, abs=0.02)
    assert break_even(net + 100, quality) is None  # pays everywhere: no break-even


def test_the_break_even_interval_covers_a_planted_threshold_and_narrows_with_draws() -> None:
    rng = np.random.default_rng(7)

    def interval(n: int) -> tuple[float, float]:
        quality = rng.uniform(0, 1, n)
        net = 40 * (quality - 0.62) + rng.normal(0, 5, n)
        found = break_even_interval(net, quality, seed=1, resamples=200)
        assert found is not None
        return found

    # A 95% interval: over 20 data sets it should miss about once; allow four misses.
    covered = [lo <= 0.62 <= hi for lo, hi in (interval(1000) for _ in range(20))]
    assert sum(covered) >= 16
    wide, narrow = interval(250), interval(4000)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    flat = rng.uniform(0, 1, 300)
    assert break_even_interval(rng.normal(0, 5, 300) + 100, flat, seed=1, resamples=50) is None


def _planted(n: int) -> tuple[np.ndarray, np.ndarray]:
    """A Saltelli design of three uniform inputs and f = 2 x0 + x1**2 (x2 does nothing): first
    and total order both 0.79, 0.21, 0 (Var 2x0 = 1/3, Var x1**2 = 4/45)."""
    block = {k: DISTRIBUTION.validate_python({"uniform": [0, 1]}) for k in "abc"}
    x = make_sobol_design(block, n, 1, seed=3).values
    return x, 2 * x[:, 0] + x[:, 1] ** 2


def test_sobol_indices_recover_a_planted_split_and_agree_with_scipy() -> None:
    from scipy.stats import sobol_indices

    n = 512
    _, f = _planted(n)
    found = sobol(f, n, 3, seed=0)
    truth = np.array([(1 / 3) / (1 / 3 + 4 / 45), (4 / 45) / (1 / 3 + 4 / 45), 0.0])
    assert found.first == pytest.approx(truth, abs=0.05)
    assert found.total == pytest.approx(truth, abs=0.05)
    assert (found.total_interval[:2, 0] <= truth[:2]).all()
    assert (found.total_interval[:2, 1] >= truth[:2]).all()
    ref = sobol_indices(
        func={"f_A": f[None, :n], "f_B": f[None, n : 2 * n], "f_AB": f[2 * n :].reshape(3, 1, n)},
        n=n,
    )
    assert found.first == pytest.approx(np.ravel(ref.first_order), abs=1e-12)
    assert found.total == pytest.approx(np.ravel(ref.total_order), abs=1e-12)


def test_sobol_takes_the_luck_of_a_noisy_simulation_out_of_the_total_order() -> None:
    n, reps, sd = 512, 2, 0.5
    _, f = _planted(n)
    noisy = f + np.random.default_rng(1).normal(0, sd, (len(f), reps)).mean(axis=1)
    raw = sobol(noisy, n, 3, seed=0)
    fixed = sobol(noisy, n, 3, seed=0, noise=sd**2 / reps)
    assert raw.total[2] > 0.1  # the input that does nothing looks as if it did
    assert abs(fixed.total[2]) < 0.06
    assert abs(fixed.total[0] - 0.79) < abs(raw.total[0] - 0.79)


# --- EVSI: the value of a study's data (issue 27's groundwork) --------------------------------


def test_normal_evsi_grows_with_the_data_from_nothing_to_evpi() -> None:
    from sim.analysis.voi import normal_evsi

    assert normal_evsi(100.0, 400.0, 800.0, 0) == 0.0
    values = [normal_evsi(100.0, 400.0, 800.0, n) for n in (1, 4, 16, 64, 10**7)]
    assert values == sorted(values)
    assert values[-1] == pytest.approx(normal_evpi(100.0, 400.0), rel=1e-4)
    # n0 = (800 / 400)^2 = 4 observations' worth of prior: with n = 4 the preposterior sd is
    # 400 * sqrt(1 / 2)
    assert values[1] == pytest.approx(normal_evpi(100.0, 400.0 / np.sqrt(2.0)))


def _normal_normal(n: int, draws: int = 20000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prior theta ~ N(100, 400); a study's mean of n observations of sd 800; NB = theta."""
    rng = np.random.default_rng(11)
    theta = rng.normal(100.0, 400.0, draws)
    summary = rng.normal(theta, 800.0 / np.sqrt(n))
    net = np.column_stack([np.zeros(draws), theta])
    return net, theta, summary


@pytest.mark.parametrize("n", [1, 4, 16])
def test_the_regression_evsi_and_the_gaussian_approximation_meet_the_closed_form(n: int) -> None:
    from sim.analysis.voi import evsi, gaussian_evsi, normal_evsi

    net, theta, summary = _normal_normal(n)
    exact = normal_evsi(100.0, 400.0, 800.0, n)
    assert evsi(net, summary) == pytest.approx(exact, rel=0.08)
    assert gaussian_evsi(net, theta, n, (800.0 / 400.0) ** 2) == pytest.approx(exact, rel=0.08)


def test_evsi_is_at_most_evppi_at_most_evpi() -> None:
    from sim.analysis.voi import evsi

    net, theta, summary = _normal_normal(4)
    noise = np.random.default_rng(3).normal(0.0, 300.0, len(theta))  # luck in each draw's NB
    noisy = net + np.column_stack([np.zeros_like(noise), noise])
    sample, partial, perfect = evsi(noisy, summary), evppi(noisy, theta), evpi(noisy)
    assert 0.0 < sample <= partial <= perfect
    assert evsi(noisy, np.random.default_rng(4).random(len(theta))) < 0.05 * sample


@pytest.mark.parametrize(
    ("mean", "sd", "luck", "reps"), [(0.8, 1.0, 0.6, 2), (0.0, 1.0, 1.0, 2), (1.0, 0.8, 0.5, 4)]
)
def test_the_learnable_evpi_takes_the_replications_luck_out(
    mean: float, sd: float, luck: float, reps: int
) -> None:
    # Each draw's true net benefit g ~ N(mean, sd); each replication adds luck ~ N(0, luck).
    rng = np.random.default_rng(5)
    g = rng.normal(mean, sd, 100_000)
    values = g[:, None] + rng.normal(0.0, luck, (len(g), reps))
    truth = normal_evpi(mean, sd)
    with_luck = evpi(np.column_stack([np.zeros(len(g)), values.mean(axis=1)]))
    assert with_luck == pytest.approx(
        normal_evpi(mean, float(np.hypot(sd, luck / np.sqrt(reps)))), rel=0.03, abs=1e-3 * sd
    )
    learnt = learnable_evpi(values)
    assert learnt is not None
    # Within a fifth of the luck's excess (the jackknife leaves a bias of order 1/reps^2), or 1%
    # of the truth: the excess itself would fail.
    assert abs(learnt - truth) <= max(0.2 * (with_luck - truth), 0.01 * truth)


def test_the_learnable_evpi_needs_replications_and_is_nothing_when_the_decision_is_sure() -> None:
    rng = np.random.default_rng(6)
    assert learnable_evpi(rng.normal(0.0, 1.0, (100, 1))) is None
    sure = 5.0 + rng.uniform(0.0, 1.0, (2000, 3))
    assert learnable_evpi(sure) == pytest.approx(0.0, abs=1e-9)


def test_evsi_at_most_evppi_of_what_the_study_informs_at_most_the_learnable_evpi() -> None:
    """One yardstick: a study informs one of two inputs; each draw's net benefit is their sum,
    plus the luck of two replications. The pilot's estimator (a cubic of NB on the study's
    result, less what shuffled results give) and the EVPPI sit under the EVPI of what can be
    learnt, which sits under the EVPI with the luck left in."""
    from sim.analysis.voi import smooth
    from sim.pilot.value import _chance, _gain_of_knowing

    rng = np.random.default_rng(7)
    draws = 20_000
    informed, other = rng.normal(100.0, 400.0, draws), rng.normal(0.0, 300.0, draws)
    summary = rng.normal(informed, 800.0 / 2.0)  # the study's mean of 4 observations
    values = (informed + other)[:, None] + rng.normal(0.0, 300.0, (draws, 2))
    nb = values.mean(axis=1)
    net = np.column_stack([np.zeros(draws), nb])
    chance, _ = _chance(summary, nb)
    sample = _gain_of_knowing(smooth(summary, nb, 0)) - chance
    partial = evppi(net, informed)
    learnt = learnable_evpi(values)
    assert learnt is not None
    assert 0.0 < sample <= partial <= learnt <= evpi(net)
    assert learnt == pytest.approx(normal_evpi(100.0, 500.0), rel=0.05)
    assert partial == pytest.approx(normal_evpi(100.0, 400.0), rel=0.05)
