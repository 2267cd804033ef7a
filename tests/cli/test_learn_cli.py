"""coachsim learn from the command line: a simulated pilot's export (export-crm --pilot-teams)
learnt from end to end, the file it writes loading as a scenario, and its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

UNPROVEN = str((SCENARIOS / "outside_coach_unproven.yaml").resolve())


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pilot of 4 of the reference's 8 teams for 26 weeks, exported as a CRM would."""
    out = tmp_path_factory.mktemp("pilot") / "crm"
    result = CliRunner().invoke(
        main, ["export-crm", UNPROVEN, "--pilot-teams", "4", "-o", str(out), "--seed", "3"]
    )
    assert result.exit_code == 0, result.stderr
    assert "coached.csv" in result.stdout
    return out


def _learn(crm: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    args = [
        "learn",
        UNPROVEN,
        str(crm / "opportunities.csv"),
        "--history",
        str(crm / "history.csv"),
        "--coached",
        str(crm / "coached.csv"),
        "-o",
        str(out),
        "-q",
        "-j",
        "1",
        *extra,
    ]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def test_learn_writes_a_scenario_with_the_prior_and_posterior_side_by_side(
    crm: Path, tmp_path: Path
) -> None:
    out = tmp_path / "after.yaml"
    code, stdout, stderr = _learn(crm, out, "--draws", "32")
    assert code == 0, stderr
    assert stdout.startswith("The pilot: 4 of 8 teams coached from 2024-07-22 for 26 weeks")
    assert "The coached teams' change against the others': stage progress" in stdout
    assert "Data quality:" in stderr  # the ledger, as calibrate prints it
    text = out.read_text(encoding="utf-8")
    assert "# outside_coach.quality: before the pilot mean" in text
    learnt = load_scenario(out)  # extends the option by a path relative to the file
    assert learnt.outside_coach is not None
    assert isinstance(learnt.uncertain, dict)
    assert "outside_coach.quality" in learnt.uncertain
    # Never overwritten without --force.
    code, _, stderr = _learn(crm, out, "--draws", "32")
    assert code == 2
    assert "--force" in stderr


def test_learn_refuses_a_pilot_it_cannot_measure(crm: Path, tmp_path: Path) -> None:
    bad = tmp_path / "coached.csv"
    bad.write_text("owner,team,coached_from\nnobody,A,2024-07-22\nno-one,B,\n", encoding="utf-8")
    args = ["learn", UNPROVEN, str(crm / "opportunities.csv"), "--coached", str(bad)]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert "none of its owners has a deal" in result.stderr
    assert not (tmp_path / "x.yaml").exists()
    early = tmp_path / "early.csv"
    early.write_text("owner,team,coached_from\n005R00001,A,2024-02-01\n005R00007,B,\n")
    result = CliRunner().invoke(
        main,
        [
            "learn",
            UNPROVEN,
            str(crm / "opportunities.csv"),
            "--coached",
            str(early),
            "-o",
            str(tmp_path / "x.yaml"),
        ],
    )
    assert result.exit_code == 2
    assert "less than 13 weeks before the pilot" in result.stderr
    assert "Traceback" not in result.stderr
