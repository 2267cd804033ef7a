"""Time to decision: wall seconds for `coachsim compare scenarios/reference.yaml
scenarios/outside_coach.yaml --precision 0.05` end to end, report included, on all cores.

    python benchmarks/decision.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT


def main() -> None:
    """Time a comparison to the precision asked, report included."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "decision"
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "cli.py",
                "compare",
                "scenarios/reference.yaml",
                "scenarios/outside_coach.yaml",
                "--precision",
                "0.05",
                "-q",
                "-o",
                str(out),
            ],
            cwd=ROOT,
            check=True,
        )
        wall = time.perf_counter() - start
        n = json.loads((out / "manifest.json").read_text())["replications"]
    print(f"replications_needed={n}")
    print(f"time_to_decision_s={wall:.1f}")


if __name__ == "__main__":
    main()
