"""A fixed sample of scenario mutants must each be refused cleanly or run cleanly.

The sample is ``COACHSIM_FUZZ_COUNT`` mutants (default 300) of seed ``COACHSIM_FUZZ_SEED``
(default 20261129), checked in ``COACHSIM_FUZZ_WORKERS`` processes (default: up to 2) by
:func:`tests.fuzz.harness.run_many`. A failure lists every failing mutant with its mutations,
the start of the reason and the directory it was saved to (with ``reason.txt`` and the commands
that reproduce it). ``python -m tests.fuzz`` runs thousands more.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.fuzz.harness import run_many, summarize

COUNT = int(os.environ.get("COACHSIM_FUZZ_COUNT", "300"))
SEED = int(os.environ.get("COACHSIM_FUZZ_SEED", "20261129"))
WORKERS = int(os.environ.get("COACHSIM_FUZZ_WORKERS", str(min(2, os.cpu_count() or 1))))


def test_mutants_are_refused_or_run_cleanly(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    outcomes = run_many(
        SEED, range(COUNT), tmp_path / "failures", tmp_path / "work", workers=WORKERS
    )
    wall = time.perf_counter() - t0
    assert len(outcomes) == COUNT
    verdicts = {v: sum(o.verdict == v for o in outcomes) for v in ("refused", "ran", "skipped")}
    print(f"{COUNT} mutants of seed {SEED} in {wall:.1f} s: {verdicts}")
    groups = summarize(outcomes)
    if not groups:
        return
    lines = [
        f"{sum(len(g) for g in groups.values())} of {COUNT} mutants (seed {SEED}) failed, "
        f"in {len(groups)} classes; each is saved with reason.txt and reproduce commands:"
    ]
    for cls, items in groups.items():
        lines.append(f"\n== [{len(items)}] {cls}")
        for o in items:
            reason = "\n      ".join(o.reason.split("\n")[:3])
            lines.append(f"  {o.id} ({o.base}): {o.description[:240]}")
            lines.append(f"      {reason[:600]}")
            lines.append(f"      saved: {o.saved}")
    raise AssertionError("\n".join(lines))
