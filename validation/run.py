"""``make validate-model``: run every study and write docs/validation.md."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from validation import dose
from validation.design import REPLICATIONS, SEED
from validation.studies import STUDIES, Row, not_run

DOCS = Path(__file__).resolve().parent.parent / "docs"
OUT = DOCS / "validation.md"
CHART = DOCS / "dose-response.html"
CRITERIA_COMMIT = "3771731"
"""The commit that wrote validation/criteria.yaml, before the rows it added were computed."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def page(rows: list[Row], curves: list[str]) -> str:
    """docs/validation.md: the table of studies, what is not run, then the dose-response
    curve."""
    counted = [r for r in rows if r.counted]
    done = sum(r.reproduced for r in counted)
    lines = [
        "# Validation: the model against published results",
        "",
        "Written by `make validate-model` (validation/run.py) with the defaults of this version,",
        f"{REPLICATIONS} paired replications per design, seed {SEED}; figures are means with",
        "95% intervals over replications. Designs are the scenario files in",
        "`scenarios/validation/`.",
        "",
        "Each row's role, whether its data are independent of the defaults, and its rule for",
        "*reproduced* are in `validation/criteria.yaml`, written down and committed (commit",
        f"{CRITERIA_COMMIT}) before any result of the rows it added was computed; the code only",
        "computes the model's figures. A row whose data, or source, set a default is",
        "*calibration*: agreement is expected, and it is not counted. Only *validation* rows",
        "independent of every default count. Reproduced, for a magnitude: the model's mean has the",
        "published sign and lies within a factor of two of the published figure (a shape: the",
        "interval is on the published side). No default was changed to pass a row.",
        "",
        f"Validation rows independent of the defaults reproduced: **{done} of {len(counted)}**.",
        "",
        "| study | role | independent of the defaults? | design | published | model | "
        "reproduced | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        cells = (
            r.study,
            r.role,
            r.independent,
            r.design,
            r.published,
            r.model,
            "yes" if r.reproduced else "no",
        )
        lines.append("| " + " | ".join(_cell(c) for c in (*cells, r.note)) + " |")
    skipped = not_run()
    if skipped:
        lines += ["", "Not run:", ""]
        lines += [f"- {x['study']}: {x['why']}" for x in skipped]
    lines += [
        "",
        "## The dose-response curve of the defaults",
        "",
        "Revenue of the whole team in months 7-12 against the same team without coaching (so the",
        "selling time coaching takes counts), by hours of coaching per rep per month, for three",
        "kinds of coach (validation/dose.py; chart: [dose-response.html](dose-response.html)).",
        "",
        *curves,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the studies, print each row as it comes, write the page."""
    rows = []
    for study in STUDIES:
        start = time.perf_counter()
        row = study()
        rows.append(row)
        mark = "yes" if row.reproduced else "no "
        print(f"{mark} {row.study[:70]:70s} {row.model} ({time.perf_counter() - start:.0f} s)")
    data = dose.curves()
    dose.chart(data, CHART)
    OUT.write_text(page(rows, dose.table(data)), encoding="utf-8")
    print(f"wrote {OUT} and {CHART}")


if __name__ == "__main__":
    main()
