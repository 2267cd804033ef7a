"""Write the generated files: docs/evidence.md, scenarios/reference.yaml and
scenarios/scenario.schema.json from the schema, and docs/cli.md from the commands' help
(``make docs``; tests fail when one is out of date)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "docs")]

from cli_reference import cli_reference  # noqa: E402  (docs/cli_reference.py)

from sim.scenario import scenario_json_schema  # noqa: E402
from sim.scenario.evidence import evidence_table  # noqa: E402
from sim.scenario.template import reference_yaml  # noqa: E402

OUTPUTS = {
    ROOT / "docs" / "evidence.md": evidence_table,
    ROOT / "scenarios" / "reference.yaml": reference_yaml,
    ROOT / "scenarios" / "scenario.schema.json": lambda: (
        json.dumps(scenario_json_schema(), indent=2) + "\n"
    ),
    ROOT / "docs" / "cli.md": cli_reference,
}

if __name__ == "__main__":
    for path, make in OUTPUTS.items():
        path.write_text(make(), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
