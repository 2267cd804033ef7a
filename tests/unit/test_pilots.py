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
