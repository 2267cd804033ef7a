"""Take the README's screenshots of the reference comparison report at 1,400 px wide in headless
Chromium (Debian's), after ``make demo``; look at them before committing them.

    .venv/bin/python docs/screenshots.py [REPORT]    # default: the make demo report
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "outputs" / "compare-reference-vs-outside_coach" / "report.html"
IMG = ROOT / "docs" / "img"
WIDTH = 1400
CHARTS = {"fig-payback": "report-payback.png", "fig-time": "report-time.png"}
"""The charts the README shows beside the page's top, and their files."""


def main() -> None:
    """Write docs/img/report.png (the top of the page) and the charts of :data:`CHARTS`."""
    from playwright.sync_api import sync_playwright

    report = Path(sys.argv[1]) if len(sys.argv) > 1 else REPORT
    if not report.exists():
        sys.exit(f"{report}: no such file; run make demo first")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    IMG.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(report.resolve().as_uri())
        page.wait_for_timeout(1500)
        page.screenshot(path=str(IMG / "report.png"))
        for fig, name in CHARTS.items():
            page.locator(f"#{fig}").screenshot(path=str(IMG / name))
        browser.close()
    if errors:
        sys.exit("console errors: " + "; ".join(errors))
    print(f"wrote {IMG}/report.png and {', '.join(CHARTS.values())}; look at them")


if __name__ == "__main__":
    main()
