"""The comparison report's manager-time, sessions and skill charts in real headless Chromium:
activities drawn in their own colours (never a scenario's), the outside coach's hours beside the
managers', skill in percentage points.

Under CI (``CI`` set) these tests must run: a missing browser is a failure, not a skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from sim.report.charts import ACTIVITY_COLOURS, OUTSIDE_BAR
from sim.report.compare import BASELINE_COLOUR
from sim.report.page import PALETTE
from tests.browser.test_report import _scenario

pytestmark = pytest.mark.browser


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("charts")
    base = _scenario(tmp, "base")
    coach = _scenario(tmp, "coach", "outside_coach:\n  hours_per_week: 8\n")
    out = tmp / "cmp"
    r = CliRunner().invoke(
        main, ["compare", str(base), str(coach), "-n", "2", "-o", str(out), "-q"]
    )
    assert r.exit_code == 0, r.output
    return out / "report.html"


@pytest.fixture(scope="module")
def page(browser: Any, report: Path) -> Iterator[Any]:
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(report.as_uri())
    for fig in ("fig-time", "fig-sessions", "fig-skill"):
        pg.wait_for_selector(f"#{fig} svg.main-svg", timeout=20_000)
    pg.errors = errors
    yield pg
    pg.close()


def test_activity_bars_are_drawn_in_activity_colours_not_scenario_colours(page: Any) -> None:
    scenario = {_rgb(c) for c in (*PALETTE, BASELINE_COLOUR)}
    activity = {_rgb(c) for c in ACTIVITY_COLOURS.values()}
    for fig in ("fig-time", "fig-sessions"):
        fills = page.eval_on_selector_all(
            f"#{fig} .bars .point path", "els => els.map(e => getComputedStyle(e).fill)"
        )
        assert fills, fig
        assert set(fills) <= activity, fig
        assert not set(fills) & scenario, fig
    assert page.errors == []


def test_the_outside_coach_stands_beside_the_managers(page: Any) -> None:
    ticks = page.eval_on_selector_all(
        "#fig-time .xaxislayer-above text", "els => els.map(e => e.textContent)"
    )
    assert OUTSIDE_BAR in ticks
    assert "each manager" in ticks
    # the outside coach's bar has coaching hours of its own
    x = page.evaluate("document.getElementById('fig-time').data.map(t => [t.name, t.x[1], t.y])")
    coaching = next(y for name, _, y in x if name == "coaching")
    whose = next(w for name, w, _ in x if name == "coaching")
    assert coaching[whose.index(OUTSIDE_BAR)] > 0
    assert page.errors == []


def test_session_bars_print_no_numbers_and_skill_reads_in_points(page: Any) -> None:
    assert page.locator("#fig-sessions .bars text").count() == 0
    assert "(points)" in (page.locator("#fig-skill .ytitle").first.text_content() or "")
    caption = page.locator("section.chart:has(#fig-sessions) .caption").inner_text()
    assert "unscheduled: planned, but the coach's week had no free hours left" in caption
    assert page.errors == []
