"""The commands as a user runs them: outputs, overwriting, help, version, schema."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from cli import main
from tests.conftest import SCENARIOS

TINY = "extends: {ref}\nname: tiny\nweeks: 6\nwarmup_weeks: 2\nteam:\n  managers: 2\n"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY.format(ref=(SCENARIOS / "reference.yaml").resolve()))
    return path


def test_run_writes_every_output(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tiny), "-n", "2", "--seed", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".coachsim-output",
        "manifest.json",
        "parts",
        "report.html",
        "run.json",
        "summary.csv",
        "weekly.csv",
    ]
    assert sorted(p.name for p in (out / "parts").iterdir()) == [
        "batches.jsonl",
        "summary",
        "weekly",
    ]
    assert not (tmp_path / "out.lock").exists()
    assert not (tmp_path / "out.partial").exists()
    assert pd.read_parquet(out / "parts" / "weekly").shape[0] == 2 * 6
    assert pd.read_parquet(out / "parts" / "summary").shape[0] == 2
    weekly = pd.read_csv(out / "weekly.csv")
    needed = [
        "scenario",
        "replication",
        "week",
        "revenue",
        "gross_profit",
        "deals_won",
        "sessions_planned",
        "sessions_held",
        "sessions_cancelled",
        "sessions_unscheduled",
        "mgr_admin_hours",
        "mgr_meeting_hours",
        "mgr_selling_hours",
        "mgr_coaching_hours",
        "mgr_other_hours",
        "skill_prospecting",
        "skill_discovery",
        "skill_proposal",
        "skill_closing",
        "revenue_A",
        "revenue_B",
        "revenue_C",
    ]
    assert set(needed) <= set(weekly.columns)
    assert len(weekly) == 2 * 6
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2
    assert {"top20_revenue_share", "headroom_multiple", "revenue"} <= set(summary.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["replications"] == 2
    assert manifest["coachsim_version"] == sim.__version__
    assert manifest["scenario"]["weeks"] == 6
    assert manifest["scenario"]["team"]["managers"] == 2
    assert len(manifest["scenario_hash"]) == 64
    assert manifest["command"].startswith("coachsim run")
    assert manifest["wall_time_s"] >= 0
    html = (out / "report.html").read_text()
    for fig in ("fig-revenue", "fig-skill", "fig-time", "fig-sessions", "fig-concentration"):
        assert f'id="{fig}"' in html
    assert "Report:" in result.output


def test_default_output_is_outputs_scenario_name(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", str(tiny), "-n", "2", "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert (tmp_path / "outputs" / "tiny" / "report.html").exists()


def test_existing_output_is_refused_without_force(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["run", str(tiny), "-n", "1", "-o", str(out)])
    assert result.exit_code == 1
    assert "already exists; use --force" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    # --force replaces only what coachsim wrote: a folder of the user's is never deleted.
    forced = CliRunner().invoke(main, ["run", str(tiny), "-n", "1", "-o", str(out), "--force"])
    assert forced.exit_code == 1
    assert "was not written by coachsim" in forced.output
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    own = tmp_path / "own"
    first = CliRunner().invoke(main, ["run", str(tiny), "-n", "1", "-o", str(own), "--seed", "1"])
    assert first.exit_code == 0, first.output
    (own / "extra.txt").write_text("replaced with the run")
    again = CliRunner().invoke(main, ["run", str(tiny), "-n", "1", "-o", str(own), "--force"])
    assert again.exit_code == 0, again.output
    assert not (own / "extra.txt").exists()
    assert (own / "weekly.csv").exists()
    assert json.loads((own / "manifest.json").read_text())["seed"] == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failure_while_writing_keeps_the_parts_and_resume_finishes(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.job.outputs as outputs

    real = outputs.run_report

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(outputs, "run_report", broken)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tiny), "-n", "2", "-j", "1", "-o", str(out)])
    assert result.exit_code != 0
    assert not out.exists()
    partial = tmp_path / "out.partial"
    assert len(list((partial / "parts" / "summary").glob("part-*.parquet"))) >= 1
    monkeypatch.setattr(outputs, "run_report", real)
    again = CliRunner().invoke(main, ["run", "-o", str(out), str(tiny), "-n", "2"])
    assert again.exit_code == 1
    assert "--resume" in again.output
    done = CliRunner().invoke(main, ["run", "--resume", str(partial), "-q"])
    assert done.exit_code == 0, done.output
    assert (out / "report.html").exists()
    assert not partial.exists()


def test_same_seed_gives_identical_files(tiny: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        r = CliRunner().invoke(main, ["run", str(tiny), "-n", "2", "-o", str(tmp_path / name)])
        assert r.exit_code == 0
    for f in ("weekly.csv", "summary.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def _commands(group: click.Group) -> list[tuple[str, click.Command]]:
    ctx = click.Context(group)
    return [(name, group.get_command(ctx, name)) for name in group.list_commands(ctx)]  # type: ignore[misc]


def test_every_command_has_help_with_an_example() -> None:
    assert main.help
    assert "coachsim run" in main.help
    for name, cmd in _commands(main):
        assert cmd.help, f"{name} has no help text"
        assert "Example" in cmd.help, name
        assert f"coachsim {name}" in cmd.help, name
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output
        for param in cmd.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts} has no help"


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert sim.__version__ in result.output


def test_committed_schema_matches_the_models() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    committed = json.loads((SCENARIOS / "scenario.schema.json").read_text())
    assert json.loads(result.output) == committed, (
        "scenarios/scenario.schema.json is stale: run coachsim schema > "
        "scenarios/scenario.schema.json"
    )


def test_compare_writes_the_business_case(tiny: Path, tmp_path: Path) -> None:
    alt = tmp_path / "alt.yaml"
    alt.write_text("extends: tiny.yaml\nname: alt\noutside_coach:\n  hours_per_week: 5\n")
    out = tmp_path / "cmp"
    result = CliRunner().invoke(main, ["compare", str(tiny), str(alt), "-n", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".coachsim-output",
        "comparison.csv",
        "manifest.json",
        "parts",
        "report.html",
        "run.json",
        "summary.csv",
        "weekly.csv",
    ]
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == ["scenario", "metric", "mean", "ci_low", "ci_high", "n"]
    from sim.analysis.paired import METRICS

    assert list(table.metric) == list(METRICS)
    assert set(pd.read_csv(out / "weekly.csv").scenario) == {"tiny", "alt"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["baseline"] == "tiny"
    assert set(manifest["scenarios"]) == {"tiny", "alt"}
    assert "alt: revenue " in result.output
    assert "Report:" in result.output


def test_compare_default_output_and_refusals(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    alt = tmp_path / "alt.yaml"
    alt.write_text("extends: tiny.yaml\nname: alt\n")
    ok = CliRunner().invoke(main, ["compare", str(tiny), str(alt), "-n", "1", "-q"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "outputs" / "compare-tiny-vs-alt" / "comparison.csv").exists()
    again = CliRunner().invoke(main, ["compare", str(tiny), str(alt), "-n", "1", "-q"])
    assert again.exit_code == 1
    assert "already exists; use --force" in again.output
    same = CliRunner().invoke(main, ["compare", str(tiny), str(tiny), "-n", "1", "-o", "x"])
    assert same.exit_code == 2
    assert "names must differ" in same.output
    assert not (tmp_path / "x").exists()


def test_compare_reports_bad_files_all_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("weeks: 0\n")
    (tmp_path / "b.yaml").write_text("team: {managerz: 1}\n")
    result = CliRunner().invoke(
        main,
        ["compare", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "-o", str(tmp_path / "o")],
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "a.yaml:1:8: weeks" in result.output
    assert "b.yaml:1:8: team.managerz" in result.output
    assert not (tmp_path / "o").exists()


def test_names_are_escaped_once_in_the_report(tiny: Path, tmp_path: Path) -> None:
    """A scenario called 'virtual & <co>' shows as written, not as '&amp;amp;'."""
    alt = tmp_path / "alt.yaml"
    alt.write_text('extends: tiny.yaml\nname: "virtual & <co>"\noutside_coach: {format: virtual}\n')
    out = tmp_path / "cmp"
    result = CliRunner().invoke(main, ["compare", str(tiny), str(alt), "-n", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    assert "<th>virtual &amp; &lt;co&gt;</th>" in html
    assert "&amp;amp;" not in html
    assert "<co>" not in html
