"""A team's figures from its CRM deals, with intervals that cover the truth (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.crm import concentration, deal_size, lead_rate, lognormal_top20, stage_estimates
from tests.unit.test_stages import _deals


def test_deal_size_recovers_a_lognormal_mean_and_spread() -> None:
    rng = np.random.default_rng(3)
    mean, cv = 45_000.0, 0.8
    sigma = np.sqrt(np.log1p(cv**2))
    amounts = rng.lognormal(np.log(mean) - sigma**2 / 2, sigma, 2_000)
    m, spread = deal_size(np.concatenate([amounts, [np.nan, -5.0, 0.0]]))
    assert m.n == 2_000  # blank, negative and zero amounts are not deals' sizes
    assert m.low < mean < m.high
    assert m.value == pytest.approx(mean, rel=0.05)
    assert spread.low < cv < spread.high
    with pytest.raises(ValueError, match="at least two won deals"):
        deal_size(np.array([np.nan, 3.0]))


def test_lead_rate_counts_working_weeks_and_resamples_owners() -> None:
    rng = np.random.default_rng(4)
    start, end = np.datetime64("2026-01-05"), np.datetime64("2026-07-06")  # 26 working weeks
    owners, created = [], []
    for rep, rate in enumerate([2.0, 3.0, 4.0, 3.0] * 5):
        k = rng.poisson(rate * 26)
        owners += [f"rep{rep}"] * k
        created += list(start + rng.integers(0, 182, k).astype("timedelta64[D]"))
    owners += ["early"]
    created += [np.datetime64("2025-12-01")]  # before the window: not counted, not an owner
    found = lead_rate(np.array(owners), np.array(created, dtype="datetime64[D]"), start, end)
    assert found.n == 20
    assert found.value == pytest.approx(3.0, rel=0.06)
    assert found.low < 3.0 < found.high
    assert found.high - found.low > 0.2  # four kinds of rep: the owners' spread shows


def test_stage_estimates_cover_a_planted_conversion_and_duration() -> None:
    days, outcome = _deals(3_000, p=0.55, win_days=15, loss_days=60, seed=5)
    conv, dur, in_stage = stage_estimates(days, outcome)
    assert conv.n == 3_000
    assert conv.low < 0.55 < conv.high
    assert conv.high - conv.low < 0.06
    assert dur.low < 15 < dur.high
    assert in_stage.low < 0.55 * 15 + 0.45 * 60 < in_stage.high  # either outcome's wait


def _team(reps: int, deals_each: int, sigma: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Won deals dealt to reps in proportion to a lognormal ability, amounts lognormal."""
    rng = np.random.default_rng(seed)
    ability = rng.lognormal(0, sigma, reps)
    n = reps * deals_each
    owners = rng.choice(reps, n, p=ability / ability.sum())
    return owners, rng.lognormal(np.log(40_000), 0.8, n)


def test_concentration_sees_through_the_luck_of_a_small_team() -> None:
    # every rep equal: luck alone puts the top 20% well above 0.2 in the data
    owners, amounts = _team(15, 10, sigma=0.0, seed=1)
    equal, raw = concentration(owners, amounts)
    assert raw > 0.27
    assert equal.value < 0.21
    # a real spread (the top 20% of a whole population earn 40.5%) is found
    owners, amounts = _team(30, 20, sigma=0.6, seed=2)
    spread, _ = concentration(owners, amounts)
    assert spread.n == 30
    assert spread.value == pytest.approx(float(lognormal_top20(0.6)), abs=0.06)
    assert spread.low < float(lognormal_top20(0.6)) < spread.high
    assert float(lognormal_top20(0.0)) == pytest.approx(0.2)
