"""The ability spread that gives a target revenue concentration."""

from __future__ import annotations

import pytest

from sim.scenario.ability import SpreadError, ability_sigma, top20_share

BASE = [0.45, 0.70, 0.72, 0.72]


def test_no_spread_means_no_concentration() -> None:
    assert top20_share(0.0, BASE, 0.5) == pytest.approx(0.2, abs=1e-3)
    assert ability_sigma(0.2, BASE, 0.5) == 0.0


@pytest.mark.parametrize("target", [0.3, 0.5, 0.8, 0.95])
def test_sigma_hits_target(target: float) -> None:
    sigma = ability_sigma(target, BASE, 0.5)
    assert top20_share(sigma, BASE, 0.5) == pytest.approx(target, abs=1e-6)


def test_share_rises_with_spread_when_pipeline_scales() -> None:
    shares = [top20_share(s, BASE, 0.5) for s in (0.2, 0.5, 1.0, 2.0, 4.0)]
    assert shares == sorted(shares)


def test_conversion_alone_cannot_reach_pareto() -> None:
    with pytest.raises(SpreadError, match="most these stages reach"):
        ability_sigma(0.8, BASE, 0.0)
