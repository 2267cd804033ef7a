"""``coachsim pilot`` and ``coachsim learn`` against their budgets (issue 27): wall seconds, in a
fresh process on all cores, of

    coachsim pilot scenarios/reference.yaml scenarios/outside_coach_unproven.yaml
        --teams 2,4,6 --weeks 8,13,26,39 --draws 512          (12 designs x 512 draws; 300 s)
    coachsim learn scenarios/outside_coach_unproven.yaml <a simulated pilot's export>
        --coached coached.csv --draws 512                     (60 s)

printed as ratios of the budgets for the build in place (``make fast`` compiles the engine).
Nothing here asserts a time.

    python benchmarks/pilot.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, build_in_place

OPTION = "scenarios/outside_coach_unproven.yaml"
PILOT = ["pilot", "scenarios/reference.yaml", OPTION, "--teams", "2,4,6", "--weeks", "8,13,26,39"]
BUDGETS_S = {"pilot": 300.0, "learn": 60.0}


def wall(args: list[str]) -> float:
    """Wall seconds of ``coachsim ARGS`` in a fresh process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=ROOT, check=True)
    return time.perf_counter() - start


def main() -> None:
    """Time both commands; print one line each."""
    work = Path(tempfile.mkdtemp(prefix="coachsim-pilot-"))
    crm = work / "crm"
    export = ["export-crm", OPTION, "--pilot-teams", "4", "-o", str(crm)]
    subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *export],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    times = {
        "pilot": wall([*PILOT, "--draws", "512", "-o", str(work / "pilot"), "-q"]),
        "learn": wall(
            [
                *("learn", OPTION, str(crm / "opportunities.csv")),
                *("--history", str(crm / "history.csv"), "--coached", str(crm / "coached.csv")),
                *("--draws", "512", "-o", str(work / "after.yaml"), "-q"),
            ]
        ),
    }
    for name, t in times.items():
        print(
            f"{name} build={build_in_place()} wall_s={t:.1f} "
            f"wall_over_budget={t / BUDGETS_S[name]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
