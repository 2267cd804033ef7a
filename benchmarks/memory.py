"""Memory against replications: peak RSS of `coachsim run` at 2,000 replications over the peak
at 100 (target <= 1.3). Each run is a fresh process; the scenario is a small team over a year,
so that 2,000 replications take minutes, not hours -- the question is whether memory grows with
the number of replications, which does not depend on team size.

    python benchmarks/memory.py [--small N] [--large N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT

SCENARIO = """extends: {ref}
name: memory
weeks: 52
warmup_weeks: 8
team:
  managers: 1
"""


def peak_rss_mb(n: int, scenario: Path, out: Path) -> float:
    """Peak RSS (MB) of a child process running the command line, serially."""
    code = (
        "import resource, sys\n"
        "from cli import main\n"
        "try:\n"
        f"    main(['run', '{scenario}', '-n', '{n}', '-j', '1', '-q', '-o', '{out}'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(res.stdout.strip().splitlines()[-1]) / 1024.0


def main() -> None:
    """Measure peak memory for a small and a large run, and print the ratio."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--large", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "memory.yaml"
        scenario.write_text(SCENARIO.format(ref=ROOT / "scenarios" / "reference.yaml"))
        small = peak_rss_mb(args.small, scenario, Path(tmp) / "small")
        large = peak_rss_mb(args.large, scenario, Path(tmp) / "large")
    print(f"peak_rss_mb_{args.small}={small:.0f} peak_rss_mb_{args.large}={large:.0f}")
    print(f"memory_ratio={large / small:.3f}")


if __name__ == "__main__":
    main()
