"""coachsim init (a scenario from business figures) and the figures coachsim validate prints."""

from __future__ import annotations

import math
from pathlib import Path

from click.testing import CliRunner

from cli import main
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

ANSWERS = {
    "--managers": "3",
    "--reps-per-manager": "7",
    "--deal-usd": "45,000",
    "--win-rate": "20%",
    "--cycle-days": "90",
    "--opportunities-per-month": "10",
    "--coaching-share": "0.1",
    "--months": "18",
}


def test_init_fits_a_scenario_whose_team_shows_the_figures_given(tmp_path: Path) -> None:
    out = tmp_path / "acme.yaml"
    args = [x for pair in ANSWERS.items() for x in pair]
    r = CliRunner().invoke(main, ["init", *args, "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = {line[:36].strip(): line[36:].split() for line in r.output.splitlines()[1:5]}
    assert rows["win rate of new opportunities"] == ["20.0%", "20.0%"]
    assert rows["sales cycle, calendar days"] == ["90", "90"]
    yours, simulated = (float(x.replace(",", "")) for x in rows["average booked deal, USD"])
    assert math.isclose(yours, simulated, rel_tol=0.01)
    s = load_scenario(str(out))
    assert (s.team.managers, s.team.reps_per_manager, s.weeks) == (3, 7, 78)
    # 10% of a 50-hour week is 5 hours: six 50-minute sessions, for 7 reps
    assert math.isclose(s.coaching.sessions_per_rep_per_week, 6 / 7, rel_tol=1e-3)
    assert "# fitted to an average booked deal of $45,000" in out.read_text()


def test_init_without_a_terminal_names_what_is_missing(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["init", "--win-rate", "150%", "-o", str(tmp_path / "a.yaml")])
    assert r.exit_code == 2
    assert "--managers: not given (sales managers)" in r.output
    assert "--win-rate: '150%' is outside 0.1% to 99%" in r.output
    assert not (tmp_path / "a.yaml").exists()


def test_init_asks_and_asks_again_after_a_bad_answer(tmp_path: Path) -> None:
    answers = "3\n7\n45000\nlots\n25%\n60\n8\n10%\n12\n"
    r = CliRunner().invoke(main, ["init", "--ask", "-o", str(tmp_path / "a.yaml")], input=answers)
    assert r.exit_code == 0, r.output
    assert "win_rate: 'lots' is not a number" in r.output
    assert load_scenario(str(tmp_path / "a.yaml")).weeks == 52


def test_validate_prints_the_figures_and_warns_of_overbooked_weeks(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["validate", str(SCENARIOS / "outside_coach.yaml")])
    assert r.exit_code == 0
    assert "a manager's week of 50 h: meetings 7.5 h, coaching 5.0 h" in r.output
    assert "outside coach: 48.0 sessions a week asked, 20 fit its 20 h" in r.output
    assert "booked beyond its hours, the other 28 go unscheduled each week" in r.output
    busy = tmp_path / "busy.yaml"
    busy.write_text(
        f"extends: {(SCENARIOS / 'reference.yaml').resolve()}\n"
        "coaching:\n  sessions_per_rep_per_week: 4\n"
    )
    r = CliRunner().invoke(main, ["validate", str(busy), "-q"])
    assert r.exit_code == 0
    assert "a manager's week" not in r.output  # -q: no figures
    assert "24.0 sessions a manager a week are asked but only 17 fit" in r.output
