"""``make demo``'s comparison against its budget: wall seconds of

    coachsim compare scenarios/reference.yaml scenarios/outside_coach_evidence.yaml
        scenarios/outside_coach_virtual_evidence.yaml --uncertainty 256 -n 1

(every draw run, the findings computed, the report written) on all cores, in a fresh process,
printed as a ratio of the 90 s budget (issue 26) for the build in place, and with --both for the
compiled build and plain Python one after the other in the same session (the build is removed and
rebuilt around the plain run). Nothing here asserts a time.

    python benchmarks/demo.py            # the build in place
    python benchmarks/demo.py --both     # compiled, then plain, then compiled again
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, build_in_place

COMMAND = [
    "compare",
    "scenarios/reference.yaml",
    "scenarios/outside_coach_evidence.yaml",
    "scenarios/outside_coach_virtual_evidence.yaml",
    "--uncertainty",
    "256",
    "-n",
    "1",
]
BUDGET_S = 90.0


def wall(out: Path) -> float:
    """Wall seconds of the demo's comparison in a fresh process."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *COMMAND, "-o", str(out), "-q"],
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - start


def _compile(on: bool) -> None:
    what = "build" if on else "clean"
    subprocess.run(
        [sys.executable, "-W", "ignore", "-c", f"from sim.compiled import {what}; {what}()"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    """Time the demo's comparison; print one line per build."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--both", action="store_true", help="compiled and plain, same session")
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="coachsim-demo-"))
    runs = [True, False] if opts.both else [None]
    for i, compiled in enumerate(runs):
        if compiled is not None:
            _compile(compiled)
        t = wall(work / f"run{i}")
        print(
            f"build={build_in_place()} wall_s={t:.1f} wall_over_budget={t / BUDGET_S:.2f}",
            flush=True,
        )
    if opts.both:
        _compile(True)


if __name__ == "__main__":
    main()
