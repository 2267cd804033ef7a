"""coachsim pilot from the command line: a small study end to end, and its refusals (one line
per problem, exit 2, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import SCENARIOS

REFERENCE = str((SCENARIOS / "reference.yaml").resolve())
UNPROVEN = str((SCENARIOS / "outside_coach_unproven.yaml").resolve())


def _pilot(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(main, ["pilot", *args, "-o", str(out), "-q", "-j", "1"])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def test_a_small_pilot_study_recommends_and_writes_every_table(tmp_path: Path) -> None:
    code, out, err = _pilot(
        tmp_path, REFERENCE, UNPROVEN, "--draws", "16", "--teams", "2,4", "--weeks", "8"
    )
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith(("Pilot first:", "Roll out now:", "Do nothing:"))
    assert "Decision rule" in out or "No result of that pilot would change" in out
    assert "Report:" in out
    folder = tmp_path / "out"
    designs = pd.read_csv(folder / "designs.csv")
    assert list(zip(designs.teams, designs.weeks, strict=True)) == [(2, 8), (4, 8)]
    for column in ("enbs", "evsi", "power", "mde", "rule", "delay_cost", "prob_pilot_pays"):
        assert column in designs
    pilots = pd.read_csv(folder / "pilots.csv")
    assert len(pilots) == 16 * 2
    draws = pd.read_csv(folder / "draws.csv")
    assert len(draws) == 16
    assert "outside_coach.quality" in draws
    assert json.loads((folder / "pilot.json").read_text())["teams"] == [2, 4]
    html = (folder / "report.html").read_text()
    assert first.split(":")[0] in html
    # Results are never overwritten without --force.
    code, _, err = _pilot(tmp_path, REFERENCE, UNPROVEN, "--draws", "16", "--teams", "2")
    assert code == 2
    assert "--force" in err
    assert len(pd.read_csv(folder / "designs.csv")) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [REFERENCE, str(SCENARIOS / "training_only.yaml")],
            "training_only: has no outside_coach",
        ),
        (
            [REFERENCE, str(SCENARIOS / "outside_coach.yaml")],
            "outside_coach.yaml: no uncertain inputs",
        ),
        ([REFERENCE, UNPROVEN, "--teams", "9"], "--teams 9: between 1 and 7"),
        ([REFERENCE, UNPROVEN, "--teams", "two"], "--teams two: whole numbers"),
        ([REFERENCE, UNPROVEN, "--weeks", "104"], "--weeks 104: between 1 and 103"),
        # the files are checked before the lists that go with them
        ([UNPROVEN, UNPROVEN, "--teams", "x"], "given as both BASELINE and OPTION"),
    ],
)
def test_a_pilot_that_cannot_be_run_is_refused_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, out, err = _pilot(tmp_path, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_the_same_seed_gives_the_same_study_however_it_is_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Serial, two local processes and a Dask cluster of two workers: the same designs.csv,
    pilots.csv and draws.csv to the last digit."""
    args = ["pilot", REFERENCE, UNPROVEN, "--draws", "16", "--teams", "4", "--weeks", "8", "-q"]
    runs = {"serial": ["-j", "1"], "procs": ["-j", "2"], "dask": ["--dask-local", "2"]}
    for name, extra in runs.items():
        result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / name), *extra])
        assert result.exit_code == 0, result.output
    for table in ("designs.csv", "pilots.csv", "draws.csv"):
        serial = (tmp_path / "serial" / table).read_bytes()
        assert (tmp_path / "procs" / table).read_bytes() == serial, table
        assert (tmp_path / "dask" / table).read_bytes() == serial, table
