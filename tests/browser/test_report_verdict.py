"""The comparison report's verdict and payback marker in real headless Chromium (Debian's, never
a downloaded browser build), on a tiny team whose cheap coach pays back within the horizon.

Under CI (``CI`` set) these tests must run: a missing browser is a failure, not a skip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import SCENARIOS

COACH = "A cheap virtual coach & <friends>"

pytestmark = pytest.mark.browser


def _scenario(tmp: Path, name: str, body: str = "") -> Path:
    path = tmp / f"{name}.yaml"
    ref = (SCENARIOS / "reference.yaml").resolve()
    path.write_text(
        f"extends: {ref}\nname: '{name}'\nweeks: 20\nwarmup_weeks: 4\n"
        f"team:\n  managers: 2\n  reps_per_manager: 3\n{body}"
    )
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("verdict")
    base = _scenario(tmp, "base", "description: Status quo.\n")
    cheap = _scenario(
        tmp,
        "cheap",
        f"description: '{COACH}.'\n"
        "outside_coach:\n  format: virtual\n  hours_per_week: 6\n  fee_per_hour_usd: 1\n",
    )
    r = CliRunner().invoke(
        main, ["compare", str(base), str(cheap), "-n", "3", "-o", str(tmp / "cmp"), "-q"]
    )
    assert r.exit_code == 0, r.output
    return tmp / "cmp" / "report.html"


def test_the_verdict_comes_first_and_the_payback_week_is_marked(browser: Any, report: Path) -> None:
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = report.as_uri()
    page.on("request", lambda r: requests.append(r.url) if r.url != url else None)
    page.goto(url)
    page.wait_for_selector("#fig-payback svg.main-svg", timeout=20_000)
    # the first thing under the title is the verdict, in business terms
    assert page.evaluate("document.querySelector('body > h1').nextElementSibling.id") == "verdict"
    verdict = page.locator("#verdict").inner_text()
    assert verdict.startswith(f"Recommendation: go ahead with \u201c{COACH}\u201d.")
    assert "per rep" in verdict
    assert "pays back in week" in verdict
    assert "1 run in 10" in verdict
    # the payback week is marked on the chart: a dotted line and its label
    marks = page.locator("#fig-payback .annotation-text").all_text_contents()
    assert len(marks) == 1
    assert marks[0].startswith("pays back: week ")
    assert page.locator("#fig-payback .shapelayer path").count() >= 2  # zero line and marker
    # the statistics are explained at the end of the page, not in the verdict
    assert page.evaluate("document.body.lastElementChild.id") == "how-to-read"
    assert "Wilson" not in verdict
    assert errors == []
    assert requests == [], f"the page made requests: {requests}"
    page.close()
