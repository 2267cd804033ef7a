"""calibrate on the exports people really have (issue 25): a known simulated team written as a
Spanish Salesforce export in Windows-1252 with four currencies, a CRM migration, deleted deals
and steps back; as a Portuguese HubSpot export of two pipelines; and as a final-stage-only
pipeline export. Each of the ten failures the issue lists has its test here (F1-F10) or in
tests/unit/test_exports.py and tests/unit/test_history.py."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from cli import main
from sim.calibration.exports import Options, read_export, read_rates
from sim.calibration.fit import figures
from sim.calibration.history import read_history, stage_order
from sim.calibration.ledger import Ledger
from sim.calibration.simulated import Export, simulated_export
from sim.scenario import Scenario, load_scenario
from tests.conftest import SCENARIOS
from tests.crm_exports import (
    PORTUGUESE_PIPELINE,
    PORTUGUESE_STAGES,
    hubspot_export,
    pipeline_export,
    reencoded,
    renamed_columns,
    reordered_columns,
    salesforce_messy,
    shuffled,
)

SPANISH_ORDER = ["Prospección", "Calificación", "Diseño o propuesta", "Negociación"]


@pytest.fixture(scope="module")
def team() -> Export:
    """A team of two managers and three reps each (eight owners), a year and a half of deals."""
    s = load_scenario(str(SCENARIOS / "reference.yaml"))
    s = s.model_copy(update={"weeks": 78, "warmup_weeks": 0})
    s = s.model_copy(
        update={"team": s.team.model_copy(update={"managers": 2, "reps_per_manager": 3})}
    )
    return simulated_export(s, seed=11)


@pytest.fixture(scope="module")
def salesforce(team: Export, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return salesforce_messy(team, tmp_path_factory.mktemp("sf"), seed=2)


def _cli(args: list[str | Path]) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _figures_ok(output: str) -> None:
    """No figure of the fit table is marked as outside its interval."""
    rows = [ln for ln in output.splitlines() if re.search(r"\(.* to .*\)", ln)]
    assert rows, output
    assert not [ln for ln in rows if ln.rstrip().endswith("*")], output


def test_a_spanish_salesforce_export_calibrates_in_one_command(salesforce, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """F1 (Windows-1252), F2 (closes before creation), F3 (history of deleted deals), F4
    (accented stage names), F5 (the order from StageSortOrder), F6 (four currencies)."""
    out, report = tmp_path / "acme.yaml", tmp_path / "fit"
    args = [
        "calibrate",
        salesforce.opportunities,
        "--history",
        salesforce.history,
        "--rates",
        salesforce.rates,
        "-o",
        out,
        "--report",
        report,
    ]
    r = _cli(args)
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    assert "read as Windows-1252 (not UTF-8" in r.output  # F1, and said
    assert "amounts read with a decimal comma" in r.output
    assert (
        "stages by the export's stage sort order or probability: " + ", ".join(SPANISH_ORDER)
        in r.output
    )  # F5
    truth = salesforce.truth
    closed_early = truth["closes_before_creation"]
    assert re.search(
        rf"repaired +{closed_early:,}  closed before it was created: counted as closed on the "
        "creation day",
        r.output,
    )  # F2
    assert re.search(
        rf"set aside +{truth['deleted_rows']:,}  a change of a deal not in the opportunities "
        r"export \(deleted, or not exported\)",
        r.output,
    )  # F3
    assert "created in bulk on" in r.output  # the migration, said
    _figures_ok(r.output)
    s = load_scenario(str(out))
    assert s.stage_names() == SPANISH_ORDER  # F4: as written, in order
    # F6: booked deals in US dollars, as the simulated team booked them (within its interval)
    won = team_won_mean(salesforce)
    assert abs(s.deal_value.mean_usd / won - 1) < 0.25
    html = (report / "report.html").read_text(encoding="utf-8")
    assert 'id="data-quality"' in html
    assert "Negociaci\\u00f3n" in html  # in the charts' data, as Plotly writes it
    q = pd.read_csv(report / "data_quality.csv")
    assert q["rows"].sum() >= truth["closes_before_creation"] + truth["deleted_rows"]


def team_won_mean(salesforce) -> float:  # type: ignore[no-untyped-def]
    rates = read_rates(str(salesforce.rates))
    o = pd.read_csv(salesforce.opportunities, sep=";", encoding="cp1252", dtype=str)
    amount = pd.to_numeric(o["Amount"].str.replace(".", "").str.replace(",", "."))
    usd = amount * o["CurrencyIsoCode"].map(rates)
    return float(usd[o["IsWon"] == "true"].mean())


def test_four_currencies_without_rates_are_refused_in_one_line(salesforce, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """F6: amounts in several currencies were summed as dollars."""
    out = tmp_path / "x.yaml"
    r = _cli(["calibrate", salesforce.opportunities, "--history", salesforce.history, "-o", out])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1
    assert re.match(
        r"^opportunities\.csv: amounts in 4 currencies \((?:[A-Z]{3} [\d,]+(?:, )?){4}\): give "
        r"--rates FILE \(lines currency,usd_per_unit\) to convert them, or --currency CODE to "
        r"use one$",
        lines[0],
    ), lines[0]
    assert not out.exists()
    kept = _cli(
        [
            "calibrate",
            salesforce.opportunities,
            "--history",
            salesforce.history,
            "--currency",
            "EUR",
            "--accept-poor-fit",
            "-o",
            out,
        ]
    )
    assert kept.exit_code == 0, kept.output
    assert "an amount in another currency than EUR" in kept.output
    assert "amounts in EUR, used as they are" in kept.output


def test_strict_keeps_the_all_or_nothing_reading(salesforce, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = _cli(
        [
            "calibrate",
            salesforce.opportunities,
            "--history",
            salesforce.history,
            "--rates",
            salesforce.rates,
            "--strict",
            "-o",
            tmp_path / "x.yaml",
        ]
    )
    assert r.exit_code == 2
    assert "(--strict: nothing is repaired)" in r.output
    assert "Traceback" not in r.output


def test_the_same_team_from_hubspot_calibrates_with_its_real_headers(
    team: Export, tmp_path: Path
) -> None:
    """F10: `Date entered "Reunião realizada (SQL) (Closer - Pipeline de Vendas)"`, two
    pipelines, one chosen."""
    files = hubspot_export(
        team,
        tmp_path / "hs",
        seed=3,
        names=PORTUGUESE_STAGES,
        pipeline=PORTUGUESE_PIPELINE,
        other_pipeline_deals=25,
    )
    out = tmp_path / "hs.yaml"
    r = _cli(["calibrate", files.deals, "-o", out])
    assert r.exit_code == 2
    assert "choose one with --pipeline" in r.output
    r = _cli(["calibrate", files.deals, "--pipeline", PORTUGUESE_PIPELINE, "-o", out])
    assert r.exit_code == 0, r.output
    _figures_ok(r.output)
    names = load_scenario(str(out)).stage_names()
    assert names == [
        PORTUGUESE_STAGES[s] for s in ("Prospecting", "Discovery", "Proposal", "Closing")
    ]
    assert "in another pipeline than Closer - Pipeline de Vendas" in r.output


def test_a_final_stage_only_export_calibrates_without_a_history(
    team: Export, tmp_path: Path
) -> None:
    """F9: no won column (Won and Lost stages decide), deals with no date set aside, no stage
    history: the figures it holds are fitted on the base scenario's stage shape."""
    files = pipeline_export(team, tmp_path / "pl", seed=4)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "deal: opportunity_id\nowner: sales_agent\nstage: deal_stage\namount: close_value\n"
        "created: engage_date\nclosed: close_date\n"
    )
    out = tmp_path / "pl.yaml"
    r = _cli(["calibrate", files.pipeline, "--columns", mapping, "-o", out])
    assert r.exit_code == 0, r.output
    assert "no stage history" in r.output
    assert "set aside" in r.output
    assert "no created date" in r.output
    _figures_ok(r.output)
    s = load_scenario(str(out))
    assert s.stage_names() == Scenario().stage_names()
    text = out.read_text(encoding="utf-8")
    assert "derived: " in text
    assert "(no stage history)" in text


def test_a_fit_that_cannot_match_exits_3_and_says_why(team: Export, tmp_path: Path) -> None:
    """F7: most won deals skip from the first stage straight to the close, so the stage-by-stage
    model cannot show the export's win rate: no scenario is written unless asked."""
    o, h = team.opportunities.copy(), team.history.copy()
    won = set(o.loc[o["IsWon"], "Id"])
    first = h.groupby("OpportunityId").cumcount() == 0
    closing = h["StageName"].isin(["Closed Won", "Closed Lost"])
    skip = h["OpportunityId"].isin(won) & ~first & ~closing
    folder = tmp_path / "skip"
    folder.mkdir()
    o.to_csv(folder / "opportunities.csv", index=False)
    h[~skip].to_csv(folder / "history.csv", index=False)
    out = tmp_path / "x.yaml"
    args = [
        "calibrate",
        folder / "opportunities.csv",
        "--history",
        folder / "history.csv",
        "-o",
        out,
    ]
    r = _cli(args)
    assert r.exit_code == 3, r.output
    assert "no scenario was written" in r.output
    assert "win rate of new opportunities" in r.output
    assert "Next:" not in r.output
    assert not out.exists()
    accepted = _cli([*args, "--accept-poor-fit"])
    assert accepted.exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("# POOR FIT")
    load_scenario(str(out))


def test_the_backtest_never_calls_an_untestable_figure_within(team: Export, tmp_path: Path) -> None:
    """F8: a held-out quarter with no deal (the export's date set a quarter after its last
    deal) is "not testable", not "within" an interval of $0 to millions."""
    folder = tmp_path / "crm"
    folder.mkdir()
    team.opportunities.to_csv(folder / "opportunities.csv", index=False)
    team.history.to_csv(folder / "history.csv", index=False)
    later = date.fromordinal(team.as_of.toordinal() + 7 * 14)
    report = tmp_path / "fit"
    r = _cli(
        [
            "calibrate",
            folder / "opportunities.csv",
            "--history",
            folder / "history.csv",
            "--as-of",
            later.isoformat(),
            "--accept-poor-fit",
            "-o",
            tmp_path / "x.yaml",
            "--report",
            report,
        ]
    )
    assert r.exit_code == 0, r.output
    table = pd.read_csv(report / "backtest.csv")
    assert table["verdict"].tolist() == [
        "not testable (0 won deals)",
        "not testable (0 closed deals)",
        "not testable (0 won deals)",
        "not testable (0 created deals)",
    ]
    assert "within" not in " ".join(ln for ln in r.output.splitlines() if "Bookings" in ln)


# -- the same export, written another way, gives the same estimates ------------------------------


def _estimates(opportunities: Path, history: Path, **options: object) -> dict[str, float]:
    ledger = Ledger()
    opts = Options(**options)  # type: ignore[arg-type]
    export = read_export(opportunities, opts, ledger)
    changes = read_history(history, export, opts, ledger)
    order, _ = stage_order(changes, None, export.sort_keys)
    fig = figures(export.deals, changes, order, date(2025, 6, 30), intervals=False)
    out = {f"conversion {s}": c.value for s, c in zip(order, fig.conversion, strict=True)}
    out.update(
        leads=fig.leads_per_rep_per_week.value,
        deal=fig.deal_mean_usd.value,
        win=fig.win_rate_all.value,
        cycle=fig.cycle.value,
    )
    return out


def test_shuffled_renamed_reordered_and_reencoded_exports_give_the_same_estimates(
    salesforce,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    kw = {"encoding": "cp1252", "delimiter": ";"}
    rates = read_rates(str(salesforce.rates))
    base = _estimates(salesforce.opportunities, salesforce.history, rates=rates)
    assert all(np.isfinite(v) for v in base.values())
    opp, hist = salesforce.opportunities, salesforce.history
    variants = {
        "shuffled": (shuffled(opp, 1, **kw), shuffled(hist, 2, **kw)),
        "reordered": (reordered_columns(opp, 3, **kw), reordered_columns(hist, 4, **kw)),
        "utf-16": (
            reencoded(opp, "utf-16", source_encoding="cp1252"),
            reencoded(hist, "utf-16", source_encoding="cp1252"),
        ),
    }
    renamed = renamed_columns(opp, {"Id": "Opportunity ID", "StageName": "Stage"}, **kw)
    variants["renamed"] = (renamed, hist)
    for name, (o, h) in variants.items():
        got = _estimates(o, h, rates=rates)
        assert got == pytest.approx(base, rel=1e-12), name
