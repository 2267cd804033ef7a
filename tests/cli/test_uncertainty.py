"""compare --uncertainty end to end: bad blocks refused with their positions and nothing run,
no uncertainty equal to today's compare byte for byte, the same files however the draws are run
or interrupted, and the findings in the files, the terminal and the report."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import sim.experiment.executors as executors
from cli import main
from tests.cli.test_scale import _same, _start_and_wait
from tests.conftest import SCENARIOS

SMALL = "extends: {ref}\nname: {name}\nweeks: 10\nwarmup_weeks: 3\nteam:\n  managers: 2\n{extra}"
COACH = "outside_coach:\n  format: virtual\n  fee_per_hour_usd: 150\n"
BLOCK = (
    "uncertain:\n"
    "  outside_coach.quality: {beta: {mean: 0.7, sd: 0.15}}\n"
    "  skill.improvement: {triangular: [0.2, 0.5, 1.0]}\n"
)
UNCERTAIN_FILES = ("draws.csv", "draws.parquet", "uncertainty.csv")


def _write(tmp: Path, name: str, extra: str = "") -> Path:
    path = tmp / f"{name}.yaml"
    ref = (SCENARIOS / "reference.yaml").resolve()
    path.write_text(SMALL.format(ref=ref, name=name, extra=extra))
    return path


def _compare(*args: object) -> object:
    return CliRunner().invoke(main, ["compare", *(str(a) for a in args)])


def _finished(tmp_path: Path, *args: str) -> tuple[Path, str]:
    """Compare a base with a coach whose quality and skill improvement are uncertain; the
    output folder and what the command printed."""
    base, alt = _write(tmp_path, "base"), _write(tmp_path, "alt", COACH + BLOCK)
    out = tmp_path / "out"
    result = _compare(base, alt, *args, "-o", out)
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "  skill.improvment: {uniform: [0.2, 0.8]}\n",
            "alt.yaml:11:21: uncertain.skill.improvment: skill has no field 'improvment'",
        ),
        (
            "  managers.meetings_per_week: {range: [3, 800]}\n",
            "alt.yaml:11:31: uncertain.managers.meetings_per_week: the distribution reaches",
        ),
        (
            "  skill.improvement: {triangle: [0.2, 0.5, 1.0]}\n",
            "alt.yaml:11:22: uncertain.skill.improvement: write one of {uniform: ...}",
        ),
        (
            "  outside_coach.quality: {beta: {mean: .nan, sd: 0.1}}\n",
            "alt.yaml:11:40: uncertain.outside_coach.quality.beta.mean: must be a finite",
        ),
        (
            "  outside_coach.quality: {lognormal: {mean: 1e308, sd: 1}}\n",
            "uncertain.outside_coach.quality.lognormal.mean: must be at most 1000000000000 "
            "(got 1e+308)",
        ),
        (
            "  outside_coach.quality: {lognormal: {mean: 1e11, sd: 1e11}}\n",
            "uncertain.outside_coach.quality: the distribution reaches 5.39682e+09 to "
            "9.26472e+11, outside [0, 1]",
        ),
        (
            "  training.gain: {uniform: [0.05, 0.3]}\n",
            "alt.yaml:11:18: uncertain.training.gain: the scenario has no training: "
            "nothing uses it",
        ),
    ],
)
def test_a_bad_block_is_one_line_at_its_position_and_nothing_runs(
    tmp_path: Path, block: str, expected: str
) -> None:
    base = _write(tmp_path, "base")
    alt = _write(tmp_path, "alt", COACH + "uncertain:\n" + block)
    out = tmp_path / "out"
    result = _compare(base, alt, "-o", out)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert expected in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not list(tmp_path.glob("out*"))


def test_scenarios_that_disagree_about_an_input_are_refused(tmp_path: Path) -> None:
    base = _write(tmp_path, "base", "uncertain:\n  skill.improvement: {uniform: [0.2, 0.8]}\n")
    alt = _write(
        tmp_path, "alt", COACH + "uncertain:\n  skill.improvement: {uniform: [0.3, 0.8]}\n"
    )
    result = _compare(base, alt, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "skill.improvement: base and alt give it different distributions" in result.output
    lever = _write(
        tmp_path,
        "lever",
        "managers:\n  meetings_per_week: 8\n"
        "uncertain:\n  managers.meetings_per_week: {uniform: [2, 8]}\n",
    )
    plain = _write(tmp_path, "plain")
    result = _compare(plain, lever, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "managers.meetings_per_week: the scenarios set it differently" in result.output
    assert not (tmp_path / "out").exists()


def test_settings_that_do_not_go_with_uncertainty_are_refused(tmp_path: Path) -> None:
    base, alt = _write(tmp_path, "base"), _write(tmp_path, "alt", COACH + BLOCK)
    for extra, words in (
        (["--precision", "0.1"], "--precision cannot be used with uncertain inputs"),
        (["--batch-size", "3"], "--batch-size cannot be used with uncertain inputs"),
    ):
        result = _compare(base, alt, "-o", tmp_path / "out", *extra)
        assert result.exit_code == 2, result.output
        assert words in result.output
    none = _write(tmp_path, "none", COACH)
    result = _compare(base, none, "--uncertainty", "8", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "the scenarios have no uncertain inputs" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_an_input_fixed_at_its_value_gives_todays_compare_byte_for_byte(tmp_path: Path) -> None:
    """Zero uncertainty: every draw is the file's own value, so the runs are today's
    compare's replications 0..7 and every table is the same file."""
    base = _write(tmp_path, "base")
    fixed = _write(tmp_path, "alt", COACH + "uncertain:\n  skill.improvement: {choice: [0.5]}\n")
    (tmp_path / "p").mkdir()
    plain = _write(tmp_path / "p", "alt", COACH)
    a = _compare(base, fixed, "--uncertainty", "4", "-n", "2", "-q", "-o", tmp_path / "u")
    assert a.exit_code == 0, a.output
    b = _compare(base, plain, "-n", "8", "-q", "-o", tmp_path / "c")
    assert b.exit_code == 0, b.output
    for name in ("weekly.csv", "summary.csv", "comparison.csv"):
        assert (tmp_path / "u" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name
    draws = pd.read_csv(tmp_path / "u" / "draws.csv")
    assert draws["skill.improvement"].tolist() == [0.5] * 4


@pytest.mark.slow
def test_the_same_seed_gives_the_same_files_serially_on_processes_on_dask_and_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # weekly.csv's text is made in worker processes however few the draws (-j 2, Dask)
    monkeypatch.setattr(executors, "ORDERED_MIN_TASKS", 1)
    base, alt = _write(tmp_path, "base"), _write(tmp_path, "alt", COACH + BLOCK)
    args = ["compare", str(base), str(alt), "--uncertainty", "12", "-n", "2", "--seed", "3", "-q"]
    serial = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "serial"), "-j", "1"])
    assert serial.exit_code == 0, serial.output
    names = ("weekly.csv", "summary.csv", "comparison.csv", "report.html", *UNCERTAIN_FILES)
    for name, extra in (("procs", ["-j", "2"]), ("dask", ["--dask-local", "2"])):
        other = CliRunner().invoke(main, [*args, "-o", str(tmp_path / name), *extra])
        assert other.exit_code == 0, other.output
        _same(tmp_path / "serial", tmp_path / name, names)

    out = tmp_path / "cut"
    proc, _ = _start_and_wait(tmp_path, args, out)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # finished before the signal: nothing to resume
        _same(tmp_path / "serial", out, names)
        return
    assert proc.returncode == 130, err
    record = json.loads((tmp_path / "cut.partial" / "run.json").read_text())
    assert record["uncertainty"]["draws"] == 12
    assert set(record["uncertainty"]["inputs"]) == {"outside_coach.quality", "skill.improvement"}
    done = CliRunner().invoke(main, ["compare", "--resume", str(tmp_path / "cut.partial"), "-q"])
    assert done.exit_code == 0, done.output
    _same(tmp_path / "serial", out, names)


@pytest.mark.slow
def test_the_findings_are_in_the_files_the_terminal_and_the_report(tmp_path: Path) -> None:
    out, printed = _finished(tmp_path, "--uncertainty", "16")
    assert "How sure are we? alt, over 16 draws of the uncertain inputs:" in printed
    assert "Expected NPV " in printed
    assert "Only 16 draws" in printed
    draws = pd.read_csv(out / "draws.csv")
    assert len(draws) == 16
    assert {"draw", "outside_coach.quality", "skill.improvement", "npv [alt]"} <= set(draws)
    assert draws["outside_coach.quality"].between(0, 1).all()
    assert draws.equals(pd.read_parquet(out / "draws.parquet"))
    found = pd.read_csv(out / "uncertainty.csv")
    npv = found[found.measure.str.startswith("expected_npv")].iloc[0]
    assert npv["value"] == pytest.approx(draws["npv [alt]"].mean())
    # Two replications a draw: the EVPI with the runs' luck taken out, under the bound with it
    learnt = found[found.measure == "evpi_learnable_usd"]["value"].iloc[0]
    assert learnt <= found[found.measure == "evpi_usd"]["value"].iloc[0]
    assert "the runs' luck taken out" in printed
    assert set(found[found.measure == "evppi_usd"]["input"]) == {
        "outside_coach.quality",
        "skill.improvement",
    }
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2 * 16 * 2  # two scenarios, 16 draws of 2 replications
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 32
    assert manifest["uncertainty"]["reps_per_draw"] == 2
    html = (out / "report.html").read_text()
    assert 'id="how-sure"' in html
    assert "What fee still pays?" in html


def test_a_draw_that_makes_a_scenario_impossible_is_refused_before_anything_runs(
    tmp_path: Path,
) -> None:
    base = _write(tmp_path, "base")
    alt = _write(
        tmp_path, "alt", COACH + "uncertain:\n  outside_coach.start_week: {uniform: [0, 30]}\n"
    )
    result = _compare(base, alt, "--uncertainty", "16", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "makes alt impossible: outside_coach.start_week: starts after the 10-week" in (
        result.output
    )
    assert "narrow the distributions" in result.output
    assert not (tmp_path / "out").exists()


def test_a_sweep_runs_every_setting_on_the_same_random_numbers(tmp_path: Path) -> None:
    base, alt = _write(tmp_path, "base"), _write(tmp_path, "alt", COACH)
    out = tmp_path / "out"
    result = _compare(
        base,
        alt,
        "--set",
        "outside_coach.hours_per_week=4,12",
        "--set",
        "outside_coach.fee_per_hour_usd=100,300",
        "-n",
        "3",
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "4 settings of outside_coach.hours_per_week x outside_coach.fee_per_hour_usd" in (
        result.output
    )
    sweep = pd.read_csv(out / "sweep.csv")
    npv = sweep[sweep.metric == "npv"]
    assert len(npv) == 4
    hours, fees = npv["outside_coach.hours_per_week"], npv["outside_coach.fee_per_hour_usd"]
    assert set(zip(hours, fees, strict=True)) == {(4, 100), (4, 300), (12, 100), (12, 300)}
    # the same hours at a higher fee: the same runs, only dearer (common random numbers)
    at = npv.set_index(["outside_coach.hours_per_week", "outside_coach.fee_per_hour_usd"])["mean"]
    assert at[(4, 300)] < at[(4, 100)]
    assert at[(12, 300)] < at[(12, 100)]
    summary = pd.read_csv(out / "summary.csv")
    b = summary[summary.scenario == "base"].set_index("replication").drop(columns="seed")
    assert b.loc[0].equals(b.loc[3])  # the baseline is the same at every point
    assert not (out / "comparison.csv").exists()
    assert "fig-sweep-npv" in (out / "report.html").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sweep"]["grid"]["outside_coach.fee_per_hour_usd"] == [100.0, 300.0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--set", "outside_coach.hours_per_weak=4,8"], "outside_coach has no field"),
        (["--set", "outside_coach.hours_per_week=4,x"], "'x' is not a number"),
        (["--set", "outside_coach.hours_per_week=-4,8"], "-4 is outside"),
        (["--set", "outside_coach.hours_per_week=4,4"], "a value is listed twice"),
        (["--set", "outside_coach.hours_per_week=4", "--uncertainty", "8"], "cannot run together"),
    ],
)
def test_a_bad_sweep_is_one_clear_line_and_nothing_runs(
    tmp_path: Path, args: list[str], words: str
) -> None:
    base, alt = _write(tmp_path, "base"), _write(tmp_path, "alt", COACH + BLOCK)
    result = _compare(base, alt, *args, "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_sweep_block_in_a_file_is_checked_at_its_position(tmp_path: Path) -> None:
    alt = _write(tmp_path, "alt", COACH + "sweep:\n  outside_coach.hours_per_week: [4, -1]\n")
    result = CliRunner().invoke(main, ["validate", str(alt)])
    assert result.exit_code == 2
    assert "alt.yaml:11:33: sweep.outside_coach.hours_per_week: -1 is outside" in result.output


@pytest.mark.slow
def test_sobol_indices_come_from_a_saltelli_design_of_the_same_runs(tmp_path: Path) -> None:
    out, printed = _finished(tmp_path, "--sobol", "8")
    draws = pd.read_csv(out / "draws.csv")
    assert len(draws) == 8 * (2 + 2)  # N x (inputs + 2)
    # the third block of draws is A with the first input (alphabetically) taken from B
    a, b, ab = draws.iloc[:8], draws.iloc[8:16], draws.iloc[16:24]
    first, second = "outside_coach.quality", "skill.improvement"
    assert ab[first].tolist() == b[first].tolist()
    assert ab[second].tolist() == a[second].tolist()
    found = pd.read_csv(out / "uncertainty.csv")
    rows = found[found.measure.str.startswith("sobol_")]
    assert len(rows) == 2 * 2
    assert "Sobol indices:" in printed
    assert "fig-sobol" in (out / "report.html").read_text()
    record = json.loads((out / "manifest.json").read_text())["uncertainty"]
    assert record["sobol_n"] == 8


def test_sobol_refuses_what_does_not_go_with_it(tmp_path: Path) -> None:
    base, alt = _write(tmp_path, "base"), _write(tmp_path, "alt", COACH + BLOCK)
    for args, words in (
        (["--sobol", "12"], "--sobol: a power of two"),
        (["--sobol", "8", "--uncertainty", "16"], "--sobol sets the draws itself"),
    ):
        result = _compare(base, alt, *args, "-o", tmp_path / "out")
        assert result.exit_code == 2, result.output
        assert words in result.output
    assert not (tmp_path / "out").exists()


def test_correlations_are_checked_where_they_are_written(tmp_path: Path) -> None:
    alt = _write(
        tmp_path,
        "alt",
        COACH
        + BLOCK
        + "correlated:\n"
        + "  - [outside_coach.quality, skill.improvment, 0.5]\n"
        + "  - [skill.improvement, skill.improvement, 0.5]\n",
    )
    result = CliRunner().invoke(main, ["validate", str(alt)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert "alt.yaml:14:5: correlated[0]: skill.improvment is not in uncertain:" in lines[0]
    assert "correlated[1]: an input cannot be correlated with itself" in lines[1]


@pytest.mark.slow
def test_correlated_inputs_move_together_in_the_draws(tmp_path: Path) -> None:
    base = _write(tmp_path, "base")
    alt = _write(
        tmp_path,
        "alt",
        COACH + BLOCK + "correlated:\n  - [outside_coach.quality, skill.improvement, 0.7]\n",
    )
    out = tmp_path / "out"
    assert _compare(base, alt, "--uncertainty", "32", "-n", "1", "-o", out).exit_code == 0
    draws = pd.read_csv(out / "draws.csv")
    rank = draws["outside_coach.quality"].corr(draws["skill.improvement"], method="spearman")
    assert rank == pytest.approx(0.7, abs=0.15)
    record = json.loads((out / "manifest.json").read_text())["uncertainty"]
    assert record["correlated"] == [["outside_coach.quality", "skill.improvement", 0.7]]
    refused = _compare(base, alt, "--sobol", "8", "-o", tmp_path / "sobol")
    assert refused.exit_code == 2
    assert "--sobol needs independent inputs" in refused.output
