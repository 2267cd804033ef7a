"""Simulation-based calibration of coachsim learn (validation/learn_sbc.py): truths drawn from
the prior, each with its own simulated pilot, learnt from; the truth's rank among the posterior
draws is uniform and 90% intervals cover about 90%.

The criteria below were committed before the calibration was first computed."""

from __future__ import annotations

import pytest

from validation.learn_sbc import run

TRUTHS, DRAWS = 120, 256


@pytest.mark.slow
def test_learn_is_calibrated_on_120_simulated_pilots() -> None:
    cal = run(TRUTHS, DRAWS, seed=0)
    by_input = cal.by_input().set_index("input")
    # Every input: its 90% intervals cover the truth in 78-99% of the pilots (binomial sd of
    # the coverage of 120 pilots: 2.7 points), and its PIT is not far from uniform (a
    # Kolmogorov-Smirnov p of 0.001 or more: about 30 inputs are tested).
    assert (by_input["coverage_90"] >= 0.78).all(), by_input["coverage_90"].sort_values().head()
    assert (by_input["coverage_90"] <= 0.99).all(), by_input["coverage_90"].sort_values().tail()
    assert (by_input["pit_ks_p"] >= 0.001).all(), by_input["pit_ks_p"].sort_values().head()
    # All inputs together: 85-95%.
    assert 0.85 <= cal.table["covered"].mean() <= 0.95
    # The coach's quality: what the pilot learns moves with the truth that made it.
    assert by_input.loc["outside_coach.quality", "spearman_truth_posterior"] > 0
