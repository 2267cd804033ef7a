"""Validated means it runs (issue 24): files that ``validate`` accepts either run to the end or
are refused before any work, in one line; never an internal error after the work, a resume hint
for a run that cannot finish, or a value silently changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from cli import main
from tests.conftest import ROOT, SCENARIOS

REFERENCE = (SCENARIOS / "reference.yaml").resolve()
COACH = (SCENARIOS / "outside_coach.yaml").resolve()


def _file(
    tmp: Path, name: str, extends: Path = REFERENCE, extra: str = "", team: str = "2, 3"
) -> Path:
    managers, reps = team.split(", ")
    path = tmp / f"{name}.yaml"
    path.write_text(
        f"extends: {extends}\nname: {name}\nwarmup_weeks: 2\n"
        f"team:\n  managers: {managers}\n  reps_per_manager: {reps}\n{extra}",
        encoding="utf-8",
    )
    return path


def _cli(args: list[str], tmp: Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _refused(result: Result, tmp: Path, before: set[str]) -> str:
    """The one line of a clean refusal (exit 2, no traceback, nothing written)."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "please report" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert _tree(tmp) == before
    return lines[0]


# -- 1. different horizons: compared over the weeks the files share ------------------------------


def test_files_with_different_horizons_are_compared_over_the_shared_weeks(tmp_path: Path) -> None:
    long = _file(tmp_path, "long", extra="weeks: 12\n")
    short = _file(tmp_path, "short", extra="weeks: 7\n")
    out = tmp_path / "out"
    result = _cli(["compare", long, short, "-n", "2", "-j", "1", "-o", out], tmp_path)
    assert result.exit_code == 0, result.output
    assert "note: compared over the first 7 weeks, the horizon all files share" in result.output
    assert "short.yaml runs 7 weeks; long.yaml 12" in result.output
    weekly = pd.read_csv(out / "weekly.csv")
    assert set(weekly.groupby("scenario")["week"].max()) == {6}
    # The same team over its first 7 weeks: the simulation looks only backwards, so the two are
    # the same run, replication by replication, and the uplift is exactly zero.
    cmp = pd.read_csv(out / "comparison.csv").set_index("metric")
    assert cmp.loc["revenue_uplift", "mean"] == 0.0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["notes"][0].startswith("compared over the first 7 weeks")
    assert manifest["scenarios"]["long"]["scenario"]["weeks"] == 7
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Compared over the first 7 weeks, the horizon all files share" in html


def test_the_first_weeks_of_a_longer_run_are_the_shorter_run(tmp_path: Path) -> None:
    """What the shared horizon rests on: a scenario's first weeks do not depend on its horizon."""
    for weeks in (7, 12):
        f = _file(tmp_path, f"w{weeks}", extends=COACH, extra=f"weeks: {weeks}\n")
        args = ["run", f, "-n", "2", "-j", "1", "-q", "-o", tmp_path / f"o{weeks}"]
        assert _cli(args, tmp_path).exit_code == 0
    a = pd.read_csv(tmp_path / "o7" / "weekly.csv").drop(columns="scenario")
    b = pd.read_csv(tmp_path / "o12" / "weekly.csv").drop(columns="scenario")
    b = b[b.week < 7].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_a_programme_after_the_shared_horizon_is_refused_before_any_work(tmp_path: Path) -> None:
    base = _file(tmp_path, "base", extra="weeks: 6\n")
    late = _file(
        tmp_path, "late", extends=COACH, extra="weeks: 20\noutside_coach:\n  start_week: 10\n"
    )
    before = _tree(tmp_path)
    line = _refused(
        _cli(["compare", base, late, "-n", "1", "-o", tmp_path / "o"], tmp_path), tmp_path, before
    )
    assert line == (
        "Error: cannot compare over the 6 weeks all files share (base.yaml runs 6): in "
        "late.yaml, outside_coach starts after week 6; give the files the same weeks:"
    )


def test_a_resume_of_a_comparison_over_a_shared_horizon_accepts_the_same_files(
    tmp_path: Path,
) -> None:
    long = _file(tmp_path, "long", extra="weeks: 9\n")
    short = _file(tmp_path, "short", extra="weeks: 6\n")
    out = tmp_path / "ref"
    args = ["compare", long, short, "-n", "4", "-j", "1", "-q", "--batch-size", "2"]
    assert _cli([*args, "-o", out], tmp_path).exit_code == 0
    partial = tmp_path / "cut.partial"
    shutil.copytree(out, partial, symlinks=True)
    for name in ("weekly.csv", "summary.csv", "report.html", "manifest.json", "comparison.csv"):
        (partial / name).unlink()
    result = _cli(["compare", long, short, "--resume", partial, "-q"], tmp_path)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "cut" / "manifest.json").read_text())
    assert manifest["notes"][0].startswith("compared over the first 6 weeks")


# -- 2. different stages: refused in one line naming both files ---------------------------------


def test_files_with_different_stages_are_refused_naming_both(tmp_path: Path) -> None:
    mine = _file(
        tmp_path,
        "mine",
        extra="weeks: 6\nstages:\n"
        "  - {name: first_call, base_conversion: 0.4, duration_mean_days: 10}\n"
        "  - {name: negotiation, base_conversion: 0.5, duration_mean_days: 10}\n",
    )
    coach = _file(tmp_path, "coach", extends=COACH, extra="weeks: 6\n")
    before = _tree(tmp_path)
    line = _refused(
        _cli(["compare", mine, coach, "-n", "1", "-o", tmp_path / "o"], tmp_path), tmp_path, before
    )
    assert line == (
        "Error: cannot compare coach.yaml with mine.yaml: their sales stages differ (mine.yaml: "
        "first_call, negotiation; coach.yaml: prospecting, discovery, proposal, closing); a "
        "comparison weighs options for one team, so write each option as a file that extends "
        "mine.yaml"
    )


def test_teams_that_differ_in_size_compare(tmp_path: Path) -> None:
    small = _file(tmp_path, "small", extra="weeks: 6\n")
    big = _file(tmp_path, "big", extra="weeks: 6\n", team="3, 4")
    result = _cli(
        ["compare", small, big, "-n", "2", "-j", "1", "-q", "-o", tmp_path / "o"], tmp_path
    )
    assert result.exit_code == 0, result.output
    cmp = pd.read_csv(tmp_path / "o" / "comparison.csv").set_index("metric")
    assert np.isfinite(cmp.loc["revenue_uplift", ["mean", "ci_low", "ci_high"]].astype(float)).all()


# -- 3. whole numbers: a fraction is refused in --set and sweep:, drawn ones are rounded ---------


def test_a_fraction_for_a_whole_number_setting_is_refused_in_set(tmp_path: Path) -> None:
    base = _file(tmp_path, "base", extra="weeks: 6\n")
    coach = _file(tmp_path, "coach", extends=COACH, extra="weeks: 6\n")
    before = _tree(tmp_path)
    args = ["compare", base, coach, "-n", "1", "--set", "team.managers=2.5,3", "-o", tmp_path / "o"]
    line = _refused(_cli(args, tmp_path), tmp_path, before)
    assert line == (
        "Error: --set team.managers: 2.5 is not a whole number (team.managers counts whole units)"
    )


def test_a_fraction_for_a_whole_number_setting_is_refused_in_a_sweep_block(tmp_path: Path) -> None:
    f = _file(tmp_path, "coach", extends=COACH, extra="sweep:\n  team.reps_per_manager: [3, 4.5]\n")
    result = _cli(["validate", f], tmp_path)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"{os.path.relpath(f)}:8:26: sweep.team.reps_per_manager: 4.5 is not a whole number "
        "(team.reps_per_manager counts whole units)"
    )


def test_drawn_whole_numbers_are_rounded_and_said_so(tmp_path: Path) -> None:
    base = _file(tmp_path, "base", extra="weeks: 6\n")
    coach = _file(
        tmp_path,
        "coach",
        extends=COACH,
        extra="weeks: 6\nuncertain:\n  team.managers: {uniform: [1, 4]}\n",
    )
    out = tmp_path / "o"
    result = _cli(
        ["compare", base, coach, "-n", "1", "--uncertainty", "8", "-j", "1", "-o", out], tmp_path
    )
    assert result.exit_code == 0, result.output
    assert (
        "note: team.managers is a whole number: each draw of it is rounded to the nearest"
        in result.output
    )
    drawn = pd.read_csv(out / "draws.csv")["team.managers"].to_numpy()
    assert np.array_equal(drawn, np.round(drawn))
    assert drawn.min() >= 1
    assert drawn.max() <= 4
    assert len(set(drawn)) > 1


# -- 4. distributions that validate can be drawn ------------------------------------------------


@pytest.mark.parametrize(
    ("dist", "expected"),
    [
        (
            "{lognormal: {mean: 0.5, sd: 1e308}}",
            "uncertain.outside_coach.quality.lognormal.sd: must be at most 1000000000000 "
            "(got 1e+308)",
        ),
        (
            "{beta: {mean: 1e-300, sd: 1e-301}}",
            "uncertain.outside_coach.quality.beta: these parameters cannot be drawn",
        ),
        (
            "{beta: {mean: 0.5, sd: 0.4999999}}",
            "uncertain.outside_coach.quality.beta: this mean and sd give shapes",
        ),
        (
            "{range: [1e-300, 1]}",
            "uncertain.outside_coach.quality.range: these parameters cannot be drawn",
        ),
        ("{choice: [0.5, 1e300]}", "must be at most 1000000000000"),
    ],
)
def test_a_distribution_that_cannot_be_drawn_is_refused_by_validate(
    tmp_path: Path, dist: str, expected: str
) -> None:
    f = _file(
        tmp_path, "coach", extends=COACH, extra=f"uncertain:\n  outside_coach.quality: {dist}\n"
    )
    result = _cli(["validate", f], tmp_path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Warning" not in result.output
    assert expected in result.output


# -- 5. runs too big for the machine are refused before any work --------------------------------


def _limited(args: list[str], cwd: Path, limit_bytes: int) -> subprocess.CompletedProcess[str]:
    """``coachsim ARGS`` in a fresh process under an address-space limit (ulimit -v)."""
    code = (
        "import resource, sys; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit_bytes}, resource.RLIM_INFINITY)); "
        f"sys.argv = ['coachsim', *{args!r}]; "
        "from cli import main; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_team_too_big_for_the_memory_limit_is_refused_and_validate_warns(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(
        f"extends: {(SCENARIOS / 'full_cycle.yaml').resolve()}\nteam:\n  managers: 5000\n"
    )
    out = tmp_path / "o"
    limit = 3 * 2**30
    done = _limited(["run", str(big), "-n", "1", "-j", "1", "-o", str(out)], ROOT, limit)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "MemoryError" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "one replication of the 30,000-rep team takes about" in lines[0]
    assert "(ulimit -v)" in lines[0]
    assert not out.exists()
    assert not (tmp_path / "o.partial").exists()
    checked = _limited(["validate", str(big)], ROOT, limit)
    assert checked.returncode == 0
    assert f"{big}: warning: will not run on this machine: " in checked.stderr
    exported = _limited(["export-crm", str(big), "-o", str(tmp_path / "crm")], ROOT, limit)
    assert exported.returncode == 1
    assert "Traceback" not in exported.stderr
    assert not (tmp_path / "crm").exists()


def test_running_out_of_memory_during_a_run_is_one_line_and_keeps_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.experiment.batches import Engine

    def exhausted(self: Engine, *args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(Engine, "run", exhausted)
    f = _file(tmp_path, "base", extra="weeks: 6\n")
    result = _cli(["run", f, "-n", "2", "-j", "1", "-o", tmp_path / "o"], tmp_path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "please report" not in result.output
    assert "the run ran out of memory (more than its estimate)" in result.output
    assert not (tmp_path / "o").exists()


def test_memory_errors_elsewhere_end_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.calibration.simulated as simulated

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(simulated, "simulated_export", exhausted)
    f = _file(tmp_path, "base", extra="weeks: 6\n")
    result = _cli(["export-crm", f, "-o", tmp_path / "crm"], tmp_path)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: this machine ran out of memory: try a smaller team, export or horizon, or a "
        "machine with more memory"
    )


def test_the_address_space_limit_is_each_process_s_room(monkeypatch: pytest.MonkeyPatch) -> None:
    import resource

    from sim.experiment import budget

    monkeypatch.setattr(resource, "getrlimit", lambda which: (4 * 2**30, resource.RLIM_INFINITY))
    monkeypatch.setattr(budget, "_mapped", lambda: 1.0 * 2**30)
    assert budget.process_room() == 3 * 2**30
    monkeypatch.setattr(
        resource, "getrlimit", lambda which: (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
    )
    assert budget.process_room() is None


# -- 6. init: shares are never guessed ----------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--win-rate", "1.5", "--win-rate: '1.5' is ambiguous for a share: write 1.5% or 0.015"),
        (
            "--coaching-share",
            "2",
            "--coaching-share: '2' is ambiguous for a share: write 2% or 0.02",
        ),
    ],
)
def test_init_asks_which_reading_of_a_share_above_one(
    tmp_path: Path, option: str, value: str, expected: str
) -> None:
    result = _cli(["init", "-y", option, value, "-o", tmp_path / "a.yaml"], tmp_path)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [expected + f" for {value} per cent"]
    assert not (tmp_path / "a.yaml").exists()


def test_init_with_y_does_not_tell_to_use_y(tmp_path: Path) -> None:
    result = _cli(["init", "-y", "--managers", "2.5", "-o", tmp_path / "a.yaml"], tmp_path)
    assert result.exit_code == 2
    assert "use -y" not in result.output
    assert "--managers: '2.5' should be a whole number" in result.output
