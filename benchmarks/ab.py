"""Same-run A/B of a whole command: this tree against an earlier commit, in CPU seconds.

The earlier commit is checked out into a temporary git worktree; the same ``coachsim`` command
runs in each tree in turn (A, B, A, B, ...), each in a fresh process with its own output folder,
and the CPU seconds of the process and its children are taken from ``getrusage``. Alternating
in one run cancels most of the drift of a shared machine; the best of the rounds is reported.
The last line is ``ab_ratio=<this tree / base>``.

    python benchmarks/ab.py --base 704a401 -- run scenarios/reference.yaml -n 40 -j 1 -q
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(tree: Path, args: list[str], out: Path) -> float:
    """CPU seconds (user + system, children included) of one run of the command in ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run(
        [sys.executable, str(tree / "cli.py"), *args, "-o", str(out), "--force"],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Run the A/B and print the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="the earlier commit to compare with")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then the coachsim arguments")
    opts = ap.parse_args()
    args = [a for a in opts.command if a != "--"]
    work = Path(tempfile.mkdtemp(prefix="coachsim-ab-"))
    base = work / "base"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(base), opts.base],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        times: dict[str, list[float]] = {"this": [], "base": []}
        for r in range(opts.rounds):
            for name, tree in (("this", ROOT), ("base", base)):
                out = work / f"out-{name}"
                times[name].append(cpu_seconds(tree, args, out))
                shutil.rmtree(out, ignore_errors=True)
            print(f"round {r + 1}: this {times['this'][-1]:.2f} s, base {times['base'][-1]:.2f} s")
        best = {k: min(v) for k, v in times.items()}
        print(f"best of {opts.rounds}: this {best['this']:.2f} s, base {best['base']:.2f} s")
        print(f"ab_ratio={best['this'] / best['base']:.3f}")
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True
        )
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
