"""Stage conversions and durations from deals some of which are still open (issue 14)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.stages import (
    ADVANCED,
    LOST,
    OPEN,
    competing_risks,
    skipped_spells,
    stage_fit,
    stage_spells,
)


def _deals(n: int, p: float, win_days: float, loss_days: float, seed: int):  # type: ignore[no-untyped-def]
    """Deals that advance with probability ``p`` after exponential times (mean ``win_days``)
    or are lost after slower ones (mean ``loss_days``), entering the stage evenly over a year
    and exported at its end: the late ones are still open."""
    rng = np.random.default_rng(seed)
    wins = rng.random(n) < p
    exit_days = np.where(wins, rng.exponential(win_days, n), rng.exponential(loss_days, n))
    observed = rng.uniform(0, 365, n)  # days from entering the stage to the export
    outcome = np.where(exit_days <= observed, np.where(wins, ADVANCED, LOST), OPEN)
    return np.minimum(exit_days, observed), outcome


def test_open_deals_do_not_bias_the_conversion_as_the_naive_rate_does() -> None:
    days, outcome = _deals(20_000, p=0.6, win_days=20, loss_days=90, seed=1)
    fit = stage_fit(days, outcome)
    assert fit.open > 1000  # a real share of the deals is still open
    assert fit.conversion == pytest.approx(0.6, abs=0.015)
    assert fit.naive_conversion > 0.63  # closed deals are mostly the fast wins
    assert fit.mean_days_to_advance == pytest.approx(20, rel=0.05)
    assert fit.median_days_to_advance == pytest.approx(20 * np.log(2), rel=0.08)


def test_with_nothing_open_it_is_the_plain_share_and_the_incidences_add_up() -> None:
    days = np.array([3.0, 5.0, 5.0, 8.0, 10.0, 12.0])
    outcome = np.array([ADVANCED, LOST, ADVANCED, ADVANCED, LOST, ADVANCED])
    fit = stage_fit(days, outcome)
    assert fit.conversion == pytest.approx(4 / 6)
    assert fit.unresolved == pytest.approx(0.0, abs=1e-12)
    inc = competing_risks(days, outcome)
    assert inc.advanced[-1] + inc.lost[-1] == pytest.approx(1.0)
    assert fit.mean_days_to_advance == pytest.approx((3 + 5 + 8 + 12) / 4)


def test_one_outcome_only_reduces_to_kaplan_meier() -> None:
    """Without losses the incidence of advancing is one less the Kaplan-Meier survival."""
    from scipy.stats import CensoredData, ecdf

    days, outcome = _deals(500, p=1.0, win_days=30, loss_days=1, seed=2)
    inc = competing_risks(days, outcome)
    km = ecdf(CensoredData(uncensored=days[outcome == ADVANCED], right=days[outcome == OPEN]))
    assert inc.advanced == pytest.approx(km.cdf.evaluate(inc.times), abs=1e-12)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="not negative"):
        competing_risks(np.array([-1.0]), np.array([ADVANCED]))
    with pytest.raises(ValueError, match="OPEN, ADVANCED or LOST"):
        competing_risks(np.array([1.0]), np.array([7]))
    fit = stage_fit(np.array([4.0, 9.0]), np.array([OPEN, OPEN]))
    assert np.isnan(fit.conversion)
    assert fit.unresolved == 1.0


def test_a_stage_history_becomes_working_days_and_outcomes() -> None:
    d = pd.Timestamp
    history = pd.DataFrame(
        [
            ("won", "Qualify", d("2026-03-02")),  # Monday
            ("won", "Propose", d("2026-03-09")),  # 5 working days later
            ("won", "Close", d("2026-03-16")),
            ("lost", "Qualify", d("2026-03-02")),
            ("lost", "Propose", d("2026-03-04")),
            ("lost", "Qualify", d("2026-03-05")),  # back a stage: a new visit to Qualify
            ("open", "Qualify", d("2026-03-23")),
            ("skip", "Qualify", d("2026-03-02")),
            ("skip", "Close", d("2026-03-03")),  # Propose skipped: it says nothing of Propose
        ],
        columns=["deal", "stage", "date"],
    )
    closes = pd.DataFrame(
        [
            ("won", True, d("2026-03-20")),
            ("lost", False, d("2026-03-13")),
            ("skip", False, d("2026-03-10")),
        ],
        columns=["deal", "won", "date"],
    )
    spells = stage_spells(
        history, closes, ["Qualify", "Propose", "Close"], np.datetime64("2026-03-27")
    )
    q_days, q_out = spells["Qualify"]
    assert sorted(zip(q_days.tolist(), q_out.tolist(), strict=True)) == [
        (1.0, ADVANCED),  # skip: Qualify to Close in a day
        (2.0, ADVANCED),  # lost: to Propose on Wednesday
        (4.0, OPEN),  # open since Monday 23rd, exported Friday 27th
        (5.0, ADVANCED),  # won
        (6.0, LOST),  # lost: back in Qualify from the 5th, lost on the 13th
    ]
    p_days, p_out = spells["Propose"]
    assert sorted(zip(p_days.tolist(), p_out.tolist(), strict=True)) == [
        (1.0, OPEN),  # lost: in Propose from the 4th, stepped back on the 5th (undecided)
        (5.0, ADVANCED),
    ]
    c_days, c_out = spells["Close"]
    assert sorted(zip(c_days.tolist(), c_out.tolist(), strict=True)) == [
        (4.0, ADVANCED),  # won: Close on the 16th, won on the 20th
        (5.0, LOST),  # skip: lost on the 10th
    ]
    skips = skipped_spells(history, closes, ["Qualify", "Propose", "Close"])
    flagged = dict(zip(q_days.tolist(), skips["Qualify"].tolist(), strict=True))
    assert flagged == {1.0: True, 2.0: False, 4.0: False, 5.0: False, 6.0: False}
    assert not skips["Propose"].any()
    assert not skips["Close"].any()
    early = pd.DataFrame([("w", "Qualify", d("2026-03-02"))], columns=["deal", "stage", "date"])
    won_early = pd.DataFrame([("w", True, d("2026-03-06"))], columns=["deal", "won", "date"])
    assert skipped_spells(early, won_early, ["Qualify", "Close"])["Qualify"].tolist() == [True]
    with pytest.raises(ValueError, match="not in the stage order: Nego"):
        stage_spells(
            pd.DataFrame([("x", "Nego", d("2026-03-02"))], columns=["deal", "stage", "date"]),
            closes,
            ["Qualify"],
            np.datetime64("2026-03-27"),
        )


def test_the_mean_time_in_a_stage_counts_both_outcomes() -> None:
    """Exits after exponential times of rate 1/20 (advance) + 1/60 (loss): a mean of 15 days."""
    rng = np.random.default_rng(8)
    n = 20_000
    advance, loss = rng.exponential(20, n), rng.exponential(60, n)
    exit_days = np.minimum(advance, loss)
    outcome = np.where(advance < loss, ADVANCED, LOST)
    fit = stage_fit(exit_days, outcome)
    assert fit.mean_days_in_stage == pytest.approx(15, rel=0.03)
    assert fit.conversion == pytest.approx(0.75, abs=0.01)  # 60 / (20 + 60)


def test_weights_count_a_row_as_that_many_deals() -> None:
    days, outcome = _deals(500, p=0.6, win_days=20, loss_days=90, seed=7)
    days = np.round(days)  # working days: many deals share a (days, outcome) pair
    w = np.random.default_rng(8).integers(0, 4, len(days))
    repeated = stage_fit(np.repeat(days, w), np.repeat(outcome, w))
    weighted = stage_fit(days, outcome, w)
    assert weighted.deals == repeated.deals == w.sum()
    for field in ("conversion", "mean_days_to_advance", "mean_days_in_stage", "unresolved"):
        assert getattr(weighted, field) == pytest.approx(getattr(repeated, field), rel=1e-12)
