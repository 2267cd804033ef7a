"""The whole "How sure are we?" analysis: wall seconds of

    coachsim compare scenarios/reference.yaml scenarios/outside_coach_uncertain.yaml
        --uncertainty 512 -n 2

(every draw run, the findings computed, the report written) on all cores (target: at most 180 s
on the 2-core machine of the issue), and the parallel efficiency of processes and of an
in-process Dask cluster, from a smaller run (--draws-small) timed serially, on 2 processes and on
2 Dask workers in the same session: efficiency = serial / (2 x parallel); 1.0 is linear.

Each command runs in a fresh process with its own output folder, so imports and the report are
counted as a user waits for them. Nothing here asserts a time.

    python benchmarks/uncertainty.py                 # the full 512-draw run, then the scaling
    python benchmarks/uncertainty.py --draws 64      # a quicker look
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, build_in_place

FILES = ["scenarios/reference.yaml", "scenarios/outside_coach_uncertain.yaml"]


def wall(args: list[str], out: Path) -> float:
    """Wall seconds of one coachsim compare in a fresh process."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "compare", *FILES, *args, "-o", str(out), "-q"],
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    """Time the full analysis and the scaling, print one line each."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=512)
    ap.add_argument("--draws-small", type=int, default=32)
    ap.add_argument("--skip-full", action="store_true")
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="coachsim-uncertainty-"))
    print(f"build={build_in_place()} (make fast compiles the hot modules; make plain removes them)")
    if not opts.skip_full:
        t = wall(["--uncertainty", str(opts.draws), "-n", "2"], work / "full")
        print(f"draws={opts.draws} reps_per_draw=2 wall_s={t:.1f} (target <= 180 on 2 cores)")
    small = ["--uncertainty", str(opts.draws_small), "-n", "2"]
    serial = wall([*small, "-j", "1"], work / "serial")
    procs = wall([*small, "-j", "2"], work / "procs")
    dask = wall([*small, "--dask-local", "2"], work / "dask")
    print(
        f"draws={opts.draws_small} serial_s={serial:.1f} processes_s={procs:.1f} dask_s={dask:.1f}"
    )
    print(f"efficiency_processes={serial / (2 * procs):.2f}")
    print(f"efficiency_dask={serial / (2 * dask):.2f}")


if __name__ == "__main__":
    main()
