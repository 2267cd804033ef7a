"""The closed-form power of a pilot randomised by team, against the table computed in
../shared/DECISIONS.md (two-sided 5%, 8 reps per team, no baseline adjustment)."""

from __future__ import annotations

import pytest

from sim.analysis.pilots import cluster_power, design_effect

# (coached, other teams) -> {(icc, d): power}, from DECISIONS.md section 1
TABLE = {
    (2, 6): {(0.05, 0.2): 0.08, (0.10, 0.2): 0.07, (0.20, 0.2): 0.07, (0.05, 0.5): 0.24,
             (0.10, 0.5): 0.20, (0.20, 0.5): 0.16, (0.05, 0.8): 0.52, (0.10, 0.8): 0.43,
             (0.20, 0.8): 0.33},
    (4, 4): {(0.05, 0.2): 0.09, (0.10, 0.2): 0.08, (0.20, 0.2): 0.07, (0.05, 0.5): 0.31,
             (0.10, 0.5): 0.25, (0.20, 0.5): 0.19, (0.05, 0.8): 0.63, (0.10, 0.8): 0.54,
             (0.20, 0.8): 0.41},
}  # fmt: skip


@pytest.mark.parametrize("arms", list(TABLE))
def test_cluster_power_reproduces_the_decisions_table(arms: tuple[int, int]) -> None:
    for (icc, d), power in TABLE[arms].items():
        assert cluster_power(*arms, 8, icc, d) == pytest.approx(power, abs=0.006), (arms, icc, d)


def test_power_rises_with_the_effect_and_a_baseline_and_falls_with_clustering() -> None:
    assert cluster_power(4, 4, 8, 0.1, 0.0) == pytest.approx(0.05)
    assert cluster_power(4, 4, 8, 0.1, 0.8) > cluster_power(4, 4, 8, 0.1, 0.5)
    assert cluster_power(4, 4, 8, 0.1, 0.5, baseline_r=0.7) > cluster_power(4, 4, 8, 0.1, 0.5)
    assert cluster_power(4, 4, 8, 0.2, 0.5) < cluster_power(4, 4, 8, 0.05, 0.5)
    assert design_effect(8, 0.1) == pytest.approx(1.7)
    with pytest.raises(ValueError, match="each arm"):
        cluster_power(0, 8, 8, 0.1, 0.5)


@pytest.mark.parametrize("rho", [0.0, 0.1, 0.3])
def test_icc1_recovers_the_intra_cluster_correlation_of_random_effects(rho: float) -> None:
    import numpy as np

    from sim.analysis.pilots import icc1

    rng = np.random.default_rng(7)
    teams, size = 2000, 8  # the estimate's standard error is under 0.01 at rho 0.3
    team_effect = rng.normal(0.0, np.sqrt(rho), teams)
    values = np.repeat(team_effect, size) + rng.normal(0.0, np.sqrt(1.0 - rho), teams * size)
    labels = np.repeat(np.arange(teams), size)
    assert icc1(values, labels) == pytest.approx(rho, abs=0.03)


def test_icc1_with_unequal_teams_and_its_limits() -> None:
    from sim.analysis.pilots import icc1

    # two teams that differ completely, nothing within: 1
    assert icc1([1.0, 1.0, 1.0, 5.0, 5.0], ["a", "a", "a", "b", "b"]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="two teams"):
        icc1([1.0, 2.0], ["a", "a"])
