"""coachsim export-crm and coachsim calibrate from the command line (issue 14): a scenario from a
CRM export in one command; bad input gives one line per problem, exit 2, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from sim.scenario import load_scenario

SMALL = """\
name: small
weeks: 30
warmup_weeks: 4
team:
  managers: 2
  reps_per_manager: 6
"""


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated team's export (opportunities.csv, history.csv)."""
    d = tmp_path_factory.mktemp("crm")
    (d / "small.yaml").write_text(SMALL)
    r = CliRunner().invoke(main, ["export-crm", str(d / "small.yaml"), "-o", str(d / "export")])
    assert r.exit_code == 0, r.output
    assert "opportunities" in r.output
    return d / "export"


def test_calibrate_writes_a_scenario_that_runs(crm: Path, tmp_path: Path) -> None:
    out = tmp_path / "team.yaml"
    args = [str(crm / "opportunities.csv"), "--history", str(crm / "history.csv"), "-o", str(out)]
    r = CliRunner().invoke(main, ["calibrate", *args])
    assert r.exit_code == 0, r.output
    assert "Prospecting: conversion" in r.output
    assert "Data quality:" in r.output
    assert f"Scenario: {out}" in r.output
    s = load_scenario(str(out))
    assert s.name == "team"
    assert isinstance(s.uncertain, dict)
    assert s.team.managers == 2  # the export's OwnerRole names them
    again = CliRunner().invoke(main, ["calibrate", *args])
    assert again.exit_code == 2
    assert "already exists; use --force" in again.output
    r = CliRunner().invoke(main, ["run", str(out), "-n", "2", "-o", str(tmp_path / "run"), "-q"])
    assert r.exit_code == 0, r.output


def test_a_report_shows_the_fit_and_a_backtest(crm: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "team.yaml", tmp_path / "fit"
    args = [str(crm / "opportunities.csv"), "--history", str(crm / "history.csv")]
    r = CliRunner().invoke(main, ["calibrate", *args, "-o", str(out), "--report", str(report)])
    assert r.exit_code == 0, r.output
    assert "Bookings (won deals), USD" in r.output
    html = (report / "report.html").read_text()
    for fig in ("fig-fit-conversion", "fig-fit-days", "fig-fit-deal-size", "fig-fit-rep-win"):
        assert f'id="{fig}"' in html
    assert 'id="fig-backtest"' in html
    assert "Backtest: fitted on your data up to" in html
    table = pd.read_csv(report / "backtest.csv")
    assert table["metric"].tolist() == ["bookings_usd", "win_rate", "cycle_days", "created"]
    assert (table["low"] <= table["high"]).all()
    assert set(table["verdict"]) <= {"within", "OUTSIDE"}  # a quarter of this team is testable
    assert 'id="data-quality"' in html
    quality = pd.read_csv(report / "data_quality.csv")
    assert list(quality.columns) == ["file", "action", "reason", "rows", "first_lines"]
    # a report folder coachsim did not write: refused before anything is written
    mine = tmp_path / "mine"
    mine.mkdir()
    other = tmp_path / "other.yaml"
    r = CliRunner().invoke(
        main, ["calibrate", *args, "-o", str(other), "--report", str(mine), "--force"]
    )
    assert r.exit_code == 2
    assert "was not written by coachsim" in r.output
    assert not other.exists()


def test_export_crm_never_replaces_what_it_did_not_write(crm: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    small = crm.parent / "small.yaml"
    r = CliRunner().invoke(main, ["export-crm", str(small), "-o", str(mine), "--force"])
    assert r.exit_code == 2
    assert "was not written by coachsim" in r.output
    assert (mine / "keep.txt").read_text() == "mine"
    r = CliRunner().invoke(main, ["export-crm", str(small), "-o", str(crm)])
    assert r.exit_code == 2
    assert "already exists" in r.output


@pytest.mark.parametrize(
    ("opportunities", "history", "expected"),
    [
        (
            "Id,OwnerId,StageName,Amount,CreatedDate,IsClosed,IsWon\n1,a,Won,5,2026-01-05,true,true\n",
            None,
            ["opportunities.csv: no column 'CloseDate' for closed; if it has another name, map it"],
        ),
        (
            "Id,OwnerId,StageName,Amount,CreatedDate,CloseDate,IsClosed,IsWon\n"
            "1,a,Closed Won,5x,2026-01-05,2026-02-01,true,true\n"
            "1,a,Closed Won,-5,someday,2026-02-01,true,true\n",
            None,
            ["opportunities.csv: 1 deals left to use (at least 30 are needed for any figure"],
        ),
        (
            "Id,OwnerId,StageName,Amount,CreatedDate,CloseDate,IsClosed,IsWon\n"
            "1,a,Closed Won,5,2026-01-05,2026-02-01,true,true\n",
            "OpportunityId,StageName,CreatedDate\n1,Demo,2026-01-05\n9,Demo,2026-01-09\n",
            ["opportunities.csv: 1 deals left to use"],
        ),
        (b"\x00\x01binary", None, ["opportunities.csv: a binary file, not a CSV export"]),
        ("", None, ["opportunities.csv: empty"]),
    ],
)
def test_bad_exports_are_one_line_each_and_nothing_is_written(
    tmp_path: Path, opportunities: str | bytes, history: str | None, expected: list[str]
) -> None:
    opp = tmp_path / "opportunities.csv"
    if isinstance(opportunities, bytes):
        opp.write_bytes(opportunities)
    else:
        opp.write_text(opportunities)
    args = ["calibrate", str(opp), "-o", str(tmp_path / "team.yaml")]
    if history is not None:
        (tmp_path / "history.csv").write_text(history)
        args += ["--history", str(tmp_path / "history.csv")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    for line in expected:
        assert line in r.output
    assert not (tmp_path / "team.yaml").exists()


def test_a_columns_file_maps_other_names(crm: Path, tmp_path: Path) -> None:
    bad = tmp_path / "map.yaml"
    bad.write_text("deal: Opp ID\nsize: Amount\n")
    args = [str(crm / "opportunities.csv"), "--history", str(crm / "history.csv")]
    r = CliRunner().invoke(main, ["calibrate", *args, "--columns", str(bad), "-o", "x.yaml"])
    assert r.exit_code == 2
    assert "map.yaml: size: not a field" in r.output


def test_calibrate_reads_a_hubspot_export_with_its_date_entered_columns(
    crm: Path, tmp_path: Path
) -> None:
    """The same simulated team written as HubSpot exports deals: stage history in the
    'Date entered' columns, closed and won in the stage's name; told apart by its header."""
    opp = pd.read_csv(crm / "opportunities.csv")
    hist = pd.read_csv(crm / "history.csv")
    hub = pd.DataFrame(
        {
            "Record ID": opp["Id"],
            "Deal owner": opp["OwnerId"],
            "Deal Stage": opp["StageName"],
            "Amount": opp["Amount"],
            "Create Date": opp["CreatedDate"],
            "Close Date": opp["CloseDate"].where(opp["IsClosed"]),
        }
    )
    for stage in hist["StageName"].unique():
        if stage.startswith("Closed"):
            continue
        entered = hist[hist["StageName"] == stage].drop_duplicates("OpportunityId")
        hub[f'Date entered "{stage}" (Sales Pipeline)'] = hub["Record ID"].map(
            entered.set_index("OpportunityId")["CreatedDate"]
        )
    path = tmp_path / "hubspot-deals.csv"
    hub.to_csv(path, index=False)
    out = tmp_path / "team.yaml"
    r = CliRunner().invoke(main, ["calibrate", str(path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "Prospecting: conversion" in r.output
    salesforce = CliRunner().invoke(
        main,
        [
            "calibrate",
            str(crm / "opportunities.csv"),
            "--history",
            str(crm / "history.csv"),
            "-o",
            str(tmp_path / "sf.yaml"),
        ],
    )
    assert salesforce.exit_code == 0

    # the same deals in either shape show the same stages (HubSpot's export names no roles,
    # so the team figures differ; the stages' do not)
    def stage_rows(output: str) -> list[str]:
        return [ln.split()[2] for ln in output.splitlines() if ": conversion " in ln]

    assert stage_rows(r.output) == stage_rows(salesforce.output)
    assert len(stage_rows(r.output)) == 4
    assert [st.name for st in load_scenario(str(out)).stages] == [
        st.name for st in load_scenario(str(tmp_path / "sf.yaml")).stages
    ]


def test_ambiguous_columns_and_unknown_stages_are_named(crm: Path, tmp_path: Path) -> None:
    twice = tmp_path / "opportunities.csv"
    text = (crm / "opportunities.csv").read_text().splitlines()
    twice.write_text("\n".join([text[0] + ",Amount", *(line + ",1" for line in text[1:])]))
    r = CliRunner().invoke(main, ["calibrate", str(twice), "-o", str(tmp_path / "a.yaml")])
    assert r.exit_code == 2
    assert "the column 'Amount' appears 2 times" in r.output
    history = tmp_path / "history.csv"
    history.write_text((crm / "history.csv").read_text())
    args = ["calibrate", str(crm / "opportunities.csv"), "--history", str(history)]
    r = CliRunner().invoke(main, [*args, "--stages", "Prospecting,Proposal", "-o", "a.yaml"])
    assert r.exit_code == 2
    assert "--stages: the history has stages not in the order given: Discovery" in r.output


def test_a_report_folder_it_may_not_replace_is_refused_before_the_files_are_read(
    tmp_path: Path,
) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    r = CliRunner().invoke(
        main,
        [
            "calibrate",
            str(tmp_path / "missing.csv"),
            "--rates",
            str(tmp_path / "no_rates.csv"),
            "-o",
            str(tmp_path / "team.yaml"),
            "--report",
            str(theirs),
        ],
    )
    assert r.exit_code == 2
    assert r.output.startswith("--report ")
    assert not (tmp_path / "team.yaml").exists()
