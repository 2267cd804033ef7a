"""Pilots in the model: an outside coach on some teams only (outside_coach.teams), and the
simulated pilot of sim.pilot.design, measured as a CRM export would be."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiment.batches import run_replication
from sim.model.replication import Replication
from sim.pilot.design import (
    Plan,
    default_lengths,
    default_sizes,
    option_problems,
    pilot_runs,
    pilot_scenario,
    simulate_pilots,
)
from sim.scenario import Scenario, load_scenario
from sim.scenario.designs import Design
from tests.conftest import SCENARIOS


def _small(path: str, **team: int) -> Scenario:
    s = load_scenario(SCENARIOS / path)
    return s.model_copy(
        update={
            "weeks": 20,
            "warmup_weeks": 4,
            "team": s.team.model_copy(update={"managers": 4, "reps_per_manager": 3, **team}),
        }
    )


def _with_coach(s: Scenario, **coach: object) -> Scenario:
    assert s.outside_coach is not None
    return s.model_copy(update={"outside_coach": s.outside_coach.model_copy(update=coach)})


def test_a_coach_of_every_team_is_the_coach_of_the_whole_team() -> None:
    s = _small("outside_coach.yaml")
    weekly_all, row_all = run_replication(s, 4, 1)
    weekly_n, row_n = run_replication(_with_coach(s, teams=4), 4, 1)
    pd.testing.assert_frame_equal(weekly_all, weekly_n)
    assert row_all == row_n


def test_a_coach_of_some_teams_coaches_only_their_reps_and_trains_only_their_managers() -> None:
    s = _with_coach(_small("coach_the_coach.yaml"), teams=2)
    run = Replication(s, 4, 0)
    assert run.outside is not None
    assert [r.index for r in run.outside.reps] == list(range(6))  # teams 0 and 1, 3 reps each
    run.run()
    late = run.env.now
    untrained = s.managers.quality_untrained
    for m in run.managers:
        if m.trained or m.index < 2:
            continue
        assert m.quality(late) == untrained  # not on the coach-the-coach ramp
    assert any(m.quality(late) > untrained for m in run.managers if m.index < 2 and not m.trained)


def test_a_coach_of_more_teams_than_there_are_is_refused() -> None:
    from sim.scenario import semantic_problems

    s = _with_coach(_small("outside_coach.yaml"), teams=5)
    assert any(loc == ("outside_coach", "teams") for loc, _ in semantic_problems(s))


def test_pilot_scenario_scales_the_coach_to_its_teams_and_starts_it_after_the_baseline() -> None:
    base, option = _small("reference.yaml"), _small("outside_coach.yaml")
    plan = Plan(sizes=(1, 3), lengths=(4, 8), baseline_weeks=5)
    p = pilot_scenario(base, option, 3, plan)
    assert p.weeks == 13
    assert p.outside_coach is not None
    assert p.outside_coach.teams == 3
    assert (p.outside_coach.start_week, p.outside_coach.end_week) == (5, 13)
    assert option.outside_coach is not None
    assert p.outside_coach.hours_per_week == pytest.approx(
        option.outside_coach.hours_per_week * 3 / 4
    )
    assert option_problems(base, option, plan) == []
    assert default_sizes(8) == (2, 4, 6)
    assert default_sizes(2) == (1,)
    assert default_lengths(104) == (8, 13, 26, 39)
    assert default_lengths(20) == (8, 13)


def test_an_option_that_is_more_than_an_outside_coach_cannot_be_piloted() -> None:
    base, option = _small("reference.yaml"), _small("training_and_coaching.yaml")
    problems = option_problems(base, option, Plan((4,), (30,)))
    text = "\n".join(problems)
    assert "has no outside_coach" in text
    assert "differs from reference in coaching, training as well as the outside coach" in text
    assert "--teams 4: between 1 and 3" in text
    assert "--weeks 30: between 1 and 19" in text


def _pilots(option: Scenario, draws: int) -> pd.DataFrame:
    base = load_scenario(SCENARIOS / "reference.yaml")
    plan = Plan(sizes=(4,), lengths=(26,))
    design = Design(paths=(), values=np.zeros((draws, 0)), reps_per_draw=1)
    return simulate_pilots(pilot_runs(base, option, design, plan, seed=3))


@pytest.mark.slow
def test_a_simulated_pilot_sees_a_strong_coach_and_not_a_coach_who_holds_no_sessions() -> None:
    """Stage progress of the coached teams against the others: positive (t > 2 over 24 pilots)
    with a strong coach, and within chance of 0 with one who holds no sessions (a placebo)."""
    option = load_scenario(SCENARIOS / "outside_coach.yaml")
    strong = _pilots(_with_coach(option, quality=1.0, hours_per_week=40.0), 24)
    x = strong["stage_progress"]
    assert x.mean() / (x.std() / np.sqrt(len(x))) > 2.0
    placebo = _pilots(_with_coach(option, sessions_per_rep_per_week=0.0), 24)
    y = placebo["stage_progress"]
    assert abs(y.mean() / (y.std() / np.sqrt(len(y)))) < 2.5
    assert (placebo["stage_progress_p"] < 0.05).mean() <= 0.15


def test_a_simulated_pilot_measures_the_same_from_its_export_as_from_its_records() -> None:
    """The pilots of coachsim pilot are measured from the run's deal records directly; the real
    pilot's export is read as text. The same pilot, exported and read back as the calibration
    reads it (sim.calibration.simulated.as_tables), gives the same team outcomes."""
    from sim.calibration.simulated import as_tables, deal_records, deal_tables, simulated_export
    from sim.pilot.design import periods
    from sim.pilot.measure import team_outcomes

    base, option = _small("reference.yaml"), _small("outside_coach.yaml")
    plan = Plan(sizes=(2,), lengths=(6,), baseline_weeks=5)
    s = pilot_scenario(base, option, 2, plan)
    per = s.team.reps_per_manager
    fast = deal_tables(deal_records(s, 9, 1))
    slow = as_tables(simulated_export(s, 9, 1))
    numbered = {i: i // per for i in range(s.team.managers * per)}
    named = {f"005R{i + 1:05d}": i // per for i in range(s.team.managers * per)}
    for period in periods(s.warmup_weeks, plan, 6):
        a = team_outcomes(*fast, numbered, period)
        b = team_outcomes(*slow, named, period)
        pd.testing.assert_frame_equal(a, b)
        assert a["exits"].sum() > 0


def test_the_command_lines_baseline_period_is_the_pilots() -> None:
    import cli
    from sim.pilot.design import BASELINE_WEEKS

    assert cli.BASELINE_WEEKS["default"] == BASELINE_WEEKS
