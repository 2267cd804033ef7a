"""``coachsim optimise`` against its budget (issue 28): a search of 40 plans over 128 draws
decided in at most 10 minutes on this 2-core machine. Wall and CPU seconds, in a fresh process on
all cores, of

    coachsim optimise scenarios/reference.yaml scenarios/outside_coach_evidence.yaml <space>
        --draws 128                                            (40 plans; 600 s)

where the space is the shipped spaces/outside_coach.yaml without its budget (so all 40 plans of
its Latin hypercube are run), printed as ratios of the budget for the build in place (``make
fast`` compiles the engine). Nothing here asserts a time.

    python benchmarks/optimise.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, build_in_place

BUDGET_S = 600.0


def main() -> None:
    """Time the search; print one line."""
    work = Path(tempfile.mkdtemp(prefix="coachsim-optimise-"))
    shipped = (ROOT / "scenarios" / "spaces" / "outside_coach.yaml").read_text(encoding="utf-8")
    space = work / "space.yaml"
    space.write_text(shipped.split("\nbudget:")[0] + "\n", encoding="utf-8")
    args = [
        *("optimise", "scenarios/reference.yaml", "scenarios/outside_coach_evidence.yaml"),
        *(str(space), "--draws", "128", "-o", str(work / "out"), "-q"),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args], cwd=ROOT, check=True, capture_output=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    plans = (work / "out" / "plans.csv").read_text(encoding="utf-8").count("\n") - 2
    print(
        f"optimise build={build_in_place()} plans={plans} wall_s={wall:.1f} cpu_s={cpu:.1f} "
        f"wall_over_budget={wall / BUDGET_S:.2f}",
        flush=True,
    )
    print(done.stdout.decode().splitlines()[0], flush=True)


if __name__ == "__main__":
    main()
