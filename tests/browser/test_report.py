"""The HTML reports in real headless Chromium (Debian's, never a downloaded browser build).

Under CI (``CI`` set) these tests must run: a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import SCENARIOS

EVIL = "<script>window.__x=1</script>"

pytestmark = pytest.mark.browser


def _open_with_figures(browser: Any, report: Path, figs: list[str]) -> tuple[Any, list[str]]:
    """The report open in a new page, each figure drawn and of a readable height, and the list
    the page's errors go to."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    for fig in figs:
        page.wait_for_selector(f"#{fig} svg.main-svg", timeout=20_000)
        box = page.locator(f"#{fig}").bounding_box()
        assert box is not None
        assert box["height"] > 200
    return page, errors


def _scenario(tmp: Path, name: str, body: str = "") -> Path:
    path = tmp / f"{abs(hash(name))}.yaml"
    ref = (SCENARIOS / "reference.yaml").resolve()
    path.write_text(
        f"extends: {ref}\nname: '{name}'\nweeks: 12\nwarmup_weeks: 4\n"
        f"team:\n  managers: 2\n  reps_per_manager: 3\n{body}"
    )
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("reports")
    base = _scenario(tmp, "base")
    evil = _scenario(tmp, EVIL, "outside_coach:\n  hours_per_week: 8\n")
    virtual = _scenario(tmp, "virtual & co", "outside_coach:\n  format: virtual\n")
    r1 = CliRunner().invoke(
        main,
        ["compare", str(base), str(evil), str(virtual), "-n", "3", "-o", str(tmp / "cmp"), "-q"],
    )
    assert r1.exit_code == 0, r1.output
    r2 = CliRunner().invoke(main, ["run", str(evil), "-n", "2", "-o", str(tmp / "run"), "-q"])
    assert r2.exit_code == 0, r2.output
    unsure = _scenario(
        tmp,
        EVIL + " unsure",
        "outside_coach:\n  hours_per_week: 8\n"
        "uncertain:\n  outside_coach.quality: {beta: {mean: 0.7, sd: 0.15}}\n"
        "  skill.improvement: {triangular: [0.2, 0.5, 1.0]}\n",
    )
    r3 = CliRunner().invoke(
        main, ["compare", str(base), str(unsure), "--sobol", "8", "-o", str(tmp / "u"), "-q"]
    )
    assert r3.exit_code == 0, r3.output
    hours = ["--set", "outside_coach.hours_per_week=4,8"]
    for name, grid in (("sweep", hours), ("grid", [*hours, "--set", "skill.improvement=0.3,0.6"])):
        r = CliRunner().invoke(
            main, ["compare", str(base), str(evil), *grid, "-n", "2", "-o", str(tmp / name), "-q"]
        )
        assert r.exit_code == 0, r.output
    return {
        "sweep": tmp / "sweep" / "report.html",
        "grid": tmp / "grid" / "report.html",
        "compare": tmp / "cmp" / "report.html",
        "run": tmp / "run" / "report.html",
        "uncertain": tmp / "u" / "report.html",
    }


COMPARE_FIGS = [
    "fig-uplift",
    "fig-payback",
    "fig-roi",
    "fig-tiers",
    "fig-time",
    "fig-sessions",
    "fig-skill",
]
RUN_FIGS = ["fig-revenue", "fig-skill", "fig-time", "fig-sessions", "fig-concentration"]
UNCERTAIN_FIGS = ["fig-fee", "fig-hurdle", "fig-voi", "fig-sobol", *COMPARE_FIGS]
SWEEP_FIGS = ["fig-sweep-npv", "fig-sweep-prob"]


@pytest.mark.parametrize(
    ("kind", "figs"),
    [
        ("compare", COMPARE_FIGS),
        ("run", RUN_FIGS),
        ("uncertain", UNCERTAIN_FIGS),
        ("sweep", SWEEP_FIGS),
        ("grid", SWEEP_FIGS),
    ],
)
def test_report_renders_offline_without_errors(
    browser: Any, reports: dict[str, Path], kind: str, figs: list[str]
) -> None:
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = reports[kind].as_uri()
    page.on("request", lambda r: requests.append(r.url) if r.url != url else None)
    page.goto(url)
    for fig in figs:
        page.wait_for_selector(f"#{fig} svg.main-svg", timeout=20_000)
        assert page.locator(f"#{fig} svg.main-svg").count() >= 1, fig
        box = page.locator(f"#{fig}").bounding_box()
        assert box is not None
        assert box["height"] > 200
        assert box["width"] > 300
    assert errors == []
    assert requests == [], f"the page made requests: {requests}"
    # the user's string neither ran nor broke the page, and is shown as text
    assert page.evaluate("window.__x") is None
    assert EVIL in page.locator("body").inner_text()
    page.close()


def test_compare_summary_reads_in_plain_words(browser: Any, reports: dict[str, Path]) -> None:
    page = browser.new_page()
    page.goto(reports["compare"].as_uri())
    items = page.locator("ul.summary li").all_inner_texts()
    assert len(items) == 2
    assert items[1].startswith("virtual & co: revenue ")
    assert "95% CI" in items[1]
    assert "ROI" in items[1] or "cost" in items[1]
    page.close()


def test_how_sure_are_we_reads_in_plain_words(browser: Any, reports: dict[str, Path]) -> None:
    page = browser.new_page()
    page.goto(reports["uncertain"].as_uri())
    assert page.locator("#how-sure").inner_text() == "How sure are we?"
    items = page.locator("ul.sure > li > ul > li").all_inner_texts()
    assert items[0].startswith("Expected NPV ")
    assert "in 90% of the plausible worlds drawn" in items[0]
    assert any("for one team" in line for line in items)
    assert any(line.startswith("Only 32 draws") for line in items)  # 8 x (2 inputs + 2)
    assert any(line.startswith("Sobol indices: ") for line in items)
    page.close()


FIT_FIGS = [
    "fig-fit-conversion",
    "fig-fit-days",
    "fig-fit-deal-size",
    "fig-fit-rep-win",
    "fig-fit-weekly",
    "fig-backtest",
]


def test_the_calibration_report_renders_offline_without_errors(
    browser: Any, tmp_path: Path
) -> None:
    team = tmp_path / "team.yaml"
    team.write_text(
        f"extends: {(SCENARIOS / 'reference.yaml').resolve()}\nname: team\nweeks: 30\n"
        "warmup_weeks: 0\nteam:\n  managers: 2\n  reps_per_manager: 5\n"
    )
    r = CliRunner().invoke(main, ["export-crm", str(team), "--messy", "-o", str(tmp_path / "crm")])
    assert r.exit_code == 0, r.output
    crm = tmp_path / "crm"
    r = CliRunner().invoke(
        main,
        [
            "calibrate",
            str(crm / "opportunities.csv"),
            "--history",
            str(crm / "history.csv"),
            "-o",
            str(tmp_path / "fitted.yaml"),
            "--report",
            str(tmp_path / "fit"),
            "-q",
        ],
    )
    assert r.exit_code == 0, r.output
    page, errors = _open_with_figures(browser, tmp_path / "fit" / "report.html", FIT_FIGS)
    text = page.locator("body").inner_text()
    assert "reproduces your CRM's stage conversions" in text
    assert "Backtest: fitted on your data up to" in text
    assert errors == []
    page.close()


PILOT_FIGS = ["pilot-value", "pilot-power", "pilot-teaches"]


def test_the_pilot_report_renders_offline_and_leads_with_the_recommendation(
    browser: Any, tmp_path: Path
) -> None:
    option = tmp_path / "option.yaml"
    option.write_text(
        f"extends: {(SCENARIOS / 'outside_coach_unproven.yaml').resolve()}\n"
        f"name: {json.dumps(EVIL)}\n"
    )
    out = tmp_path / "pilot"
    args = ["pilot", str(SCENARIOS / "reference.yaml"), str(option), "--draws", "16"]
    args += ["--teams", "2,4", "--weeks", "8", "-j", "1", "-q", "-o", str(out)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    page, errors = _open_with_figures(browser, out / "report.html", PILOT_FIGS)
    first = page.locator(".verdict").inner_text()
    assert first == r.stdout.splitlines()[0]
    assert errors == []
    assert page.evaluate("window.__x") is None
    page.close()


def test_the_optimise_report_renders_offline_and_leads_with_the_best_plan(
    browser: Any, tmp_path: Path
) -> None:
    space = tmp_path / "space.yaml"
    space.write_text(
        "choices:\n  outside_coach.coach_the_coach: [false, true]\n"
        "  outside_coach.format: [in_person, virtual]\n"
    )
    option = tmp_path / "option.yaml"
    option.write_text(
        f"extends: {(SCENARIOS / 'outside_coach_evidence.yaml').resolve()}\n"
        f"name: {json.dumps(EVIL)}\n"
    )
    out = tmp_path / "optimise"
    args = ["optimise", str(SCENARIOS / "reference.yaml"), str(option), str(space)]
    args += ["--draws", "32", "-j", "1", "-q", "-o", str(out)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    page, errors = _open_with_figures(browser, out / "report.html", ["optimise-frontier"])
    assert page.locator(".verdict").inner_text() == r.stdout.splitlines()[0]
    assert page.locator("table tbody tr").count() == 5  # four plans and no change
    assert errors == []
    assert page.evaluate("window.__x") is None
    page.close()
