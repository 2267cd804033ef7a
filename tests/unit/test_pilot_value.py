"""What a pilot is worth (sim.pilot.value), held to the normal-normal case where EVSI, the
Bayes decision rule and the best choice are known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.voi import normal_evsi
from sim.pilot.design import Plan
from sim.pilot.value import value_designs, what_it_teaches

MANAGERS, HORIZON = 8, 104


def _pilots(theta: np.ndarray, sample_sd: float, n: float, seed: int) -> pd.DataFrame:
    """A pilot of 4 teams for 26 weeks whose result is theta plus normal noise of sd
    ``sample_sd / sqrt(n)``, as a table of sim.pilot.design.simulate_pilots."""
    rng = np.random.default_rng(seed)
    se = sample_sd / math.sqrt(n)
    s = theta + rng.normal(0.0, se, len(theta))
    p = 2 * stats.norm.sf(np.abs(s) / se)
    return pd.DataFrame(
        {
            "draw": np.arange(len(theta)),
            "teams": 4,
            "weeks": 26,
            "stage_progress": s,
            "stage_progress_se": se,
            "stage_progress_p": p,
        }
    )


PLAN = Plan(sizes=(4,), lengths=(26,))


@pytest.mark.parametrize(
    ("mean", "sd", "sample_sd", "n"),
    [(0.0, 1.0, 1.0, 1.0), (0.3, 1.0, 2.0, 1.0), (-0.5, 1.0, 1.0, 4.0)],
)
def test_evsi_of_a_normal_pilot_matches_the_closed_form(
    mean: float, sd: float, sample_sd: float, n: float
) -> None:
    """N = theta ~ Normal(mean, sd), the pilot shows theta + Normal(0, sample_sd^2 / n): the
    regression EVSI (for the weeks left) is within 6% of Raiffa and Schlaifer's."""
    rng = np.random.default_rng(11)
    theta = rng.normal(mean, sd, 40_000)
    v = value_designs(theta, _pilots(theta, sample_sd, n, 12), PLAN, MANAGERS, HORIZON)
    row = v.designs.iloc[0]
    left = (HORIZON - 26) / HORIZON
    expected = normal_evsi(mean, sd, sample_sd, n)
    assert row["evsi"] / left == pytest.approx(expected, rel=0.06)
    assert row["evsi_gaussian"] / left == pytest.approx(expected, rel=0.06)
    # Its parts add up, and the delay is the now-best decision's weeks forgone.
    assert row["enbs"] == pytest.approx(row["gain_during"] + row["evsi"] - row["delay_cost"])
    assert row["delay_cost"] == pytest.approx(26 / HORIZON * max(0.0, float(theta.mean())))
    assert row["gain_during"] == pytest.approx(4 / 8 * 26 / HORIZON * float(theta.mean()))


def test_the_decision_rule_is_where_the_posterior_mean_crosses_zero() -> None:
    """E[theta | S] = m + k (S - m), k = sd^2 / (sd^2 + se^2): zero at S = m (1 - 1/k)."""
    rng = np.random.default_rng(5)
    mean, sd, se = 0.4, 1.0, 1.0
    theta = rng.normal(mean, sd, 40_000)
    v = value_designs(theta, _pilots(theta, se, 1.0, 6), PLAN, MANAGERS, HORIZON)
    k = sd**2 / (sd**2 + se**2)
    assert v.designs.iloc[0]["rule"] == pytest.approx(mean * (1 - 1 / k), abs=0.05)


def test_the_choice_between_rolling_out_piloting_and_doing_nothing() -> None:
    rng = np.random.default_rng(8)
    sure_gain = rng.normal(5.0, 0.5, 4000)  # pays in every world: piloting only delays
    v = value_designs(sure_gain, _pilots(sure_gain, 0.1, 1.0, 1), PLAN, MANAGERS, HORIZON)
    assert v.recommendation == "roll out"
    assert v.best is None
    assert v.designs.iloc[0]["enbs"] < 0
    assert v.designs.iloc[0]["rule_says"] == "roll out"  # no result would change it
    sure_loss = -sure_gain
    v = value_designs(sure_loss, _pilots(sure_loss, 0.1, 1.0, 1), PLAN, MANAGERS, HORIZON)
    assert v.recommendation == "do nothing"
    # A coin flip that a sharp pilot settles: worth piloting.
    doubt = rng.normal(0.0, 1.0, 4000)
    v = value_designs(doubt, _pilots(doubt, 0.05, 1.0, 2), PLAN, MANAGERS, HORIZON)
    assert v.recommendation == "pilot"
    best = v.best
    assert best is not None
    assert best["near_optimal"]
    # It ends better than deciding now in about half the worlds: those where deciding now
    # would have been wrong. In the others the pilot only delayed the right decision.
    assert 0.4 < best["prob_pilot_pays"] < 0.6
    assert best["prob_pilot_pays"] == pytest.approx(
        float((doubt < 0).mean() if doubt.mean() > 0 else (doubt > 0).mean()), abs=0.05
    )
    assert best["power"] > 0.4
    # A pilot that shows nothing teaches nothing, whatever the doubt: the regression on pure
    # noise overfits a little (1.4% of EVPI with these 4000 draws), never more than 3%.
    blind = _pilots(doubt, 1.0, 1.0, 3)
    blind["stage_progress"] = np.random.default_rng(4).normal(0.0, 1.0, len(doubt))
    v = value_designs(doubt, blind, PLAN, MANAGERS, HORIZON)
    assert v.designs.iloc[0]["evsi"] < 0.03 * normal_evsi(0.0, 1.0, 1e-9, 1.0)
    assert v.recommendation != "pilot"


def test_what_a_pilot_teaches_finds_the_input_its_result_follows() -> None:
    rng = np.random.default_rng(9)
    quality, noise = rng.random(2000), rng.random(2000)
    result = quality + rng.normal(0, 0.1, 2000)
    t = what_it_teaches({"noise": noise, "outside_coach.quality": quality}, result)
    assert list(t["input"]) == ["outside_coach.quality", "noise"]
    assert t.iloc[0]["spread_left"] < 0.4
    assert t.iloc[1]["spread_left"] > 0.97  # chance explains nothing once adjusted
