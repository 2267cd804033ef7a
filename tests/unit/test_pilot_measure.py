"""What a pilot measures (sim.pilot.measure): hand-counted deals, and the t test it rests on."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.pilot.measure import Period, compare_arms, team_outcomes

D = np.datetime64


def _deals() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four deals of two teams (owners a1, a2 in team A; b1 in team B), one of a manager."""
    deals = pd.DataFrame(
        {
            "deal": ["d1", "d2", "d3", "d4", "m1"],
            "owner": ["a1", "a2", "b1", "b1", "boss"],
            "stage": ["Closed Won", "Closed Lost", "Closed Won", "Proposal", "Closed Won"],
            "amount": [1000.0, 500.0, 2000.0, 800.0, 9999.0],
            "created": pd.to_datetime(["2024-01-01"] * 5),
            "closed": pd.to_datetime(
                ["2024-01-20", "2024-01-10", "2024-02-20", None, "2024-01-15"]
            ),
            "won": [True, False, True, False, True],
            "role": ["Sales Rep"] * 4 + ["Sales Manager"],
        }
    )
    history = pd.DataFrame(
        {
            "deal": ["d1", "d1", "d2", "d3", "d3", "d4", "d4", "m1", "m1"],
            "stage": ["Disc", "Prop", "Disc", "Disc", "Prop", "Disc", "Prop", "Disc", "Prop"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-08",  # d1 moves on in January
                    "2024-01-01",
                    "2024-01-01",
                    "2024-02-05",  # d3 moves on in February
                    "2024-01-01",
                    "2024-01-09",  # d4 moves on in January
                    "2024-01-01",
                    "2024-01-03",
                ]
            ),
        }
    )
    return deals, history


TEAMS = {"a1": "A", "a2": "A", "b1": "B"}


def test_team_outcomes_count_moves_losses_wins_and_bookings_by_the_event_date() -> None:
    deals, history = _deals()
    january = team_outcomes(deals, history, TEAMS, Period(D("2024-01-01"), D("2024-02-01")))
    # Team A in January: d1 moved on and was won (2 moves), d2 was lost (1 loss).
    a = january.loc["A"]
    assert (a["exits"], a["decided"], a["reps"]) == (3, 2, 2)
    assert a["stage_progress"] == pytest.approx(2 / 3)
    assert a["win_rate"] == pytest.approx(1 / 2)
    weeks = np.busday_count(D("2024-01-01"), D("2024-02-01")) / 5
    assert a["bookings"] == pytest.approx(1000.0 / (2 * weeks))
    # Team B in January: d4 moved on; nothing decided. The manager's deal counts nowhere.
    b = january.loc["B"]
    assert (b["exits"], b["decided"]) == (1, 0)
    assert b["stage_progress"] == 1.0
    assert math.isnan(b["win_rate"])
    assert b["bookings"] == 0.0
    february = team_outcomes(deals, history, TEAMS, Period(D("2024-02-01"), D("2024-03-01")))
    assert february.loc["B", "exits"] == 2  # d3 moved on, then was won
    assert february.loc["B", "win_rate"] == 1.0


def test_compare_arms_is_a_difference_in_differences_with_the_pooled_t_test() -> None:
    rng = np.random.default_rng(3)
    teams = [f"t{i}" for i in range(7)]
    before = pd.DataFrame({"stage_progress": rng.random(7)}, index=teams)
    after = pd.DataFrame({"stage_progress": rng.random(7)}, index=teams)
    coached = {"t0", "t1", "t2"}
    r = compare_arms(before, after, coached, "stage_progress")
    change = after["stage_progress"] - before["stage_progress"]
    a, b = change[list(coached)], change.drop(list(coached))
    assert r.effect == pytest.approx(a.mean() - b.mean())
    t = stats.ttest_ind(a, b, equal_var=True)
    assert r.p_value == pytest.approx(t.pvalue)
    assert r.effect / r.se == pytest.approx(t.statistic)
    assert (r.coached_teams, r.other_teams, r.df) == (3, 4, 5)


def test_compare_arms_leaves_out_teams_without_data_and_says_when_an_arm_is_empty() -> None:
    idx = ["t0", "t1", "t2"]
    before = pd.DataFrame({"win_rate": [0.2, np.nan, 0.3]}, index=idx)
    after = pd.DataFrame({"win_rate": [0.4, 0.5, 0.3]}, index=idx)
    r = compare_arms(before, after, {"t1"}, "win_rate")  # t1 has no baseline
    assert r.coached_teams == 0
    assert math.isnan(r.effect)
    r = compare_arms(before, after, {"t0"}, "win_rate")
    assert (r.coached_teams, r.other_teams) == (1, 1)
    assert r.effect == pytest.approx(0.2 - 0.0)
    assert math.isnan(r.se)  # no degrees of freedom left
