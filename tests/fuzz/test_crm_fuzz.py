"""A fixed sample of CRM-export mutants must each be refused cleanly, calibrated, or found a fit
that cannot match (``coachsim calibrate``'s contract, see :mod:`tests.fuzz.crm_harness`).

The sample is ``COACHSIM_CRM_FUZZ_COUNT`` mutants (default 40) of seed ``COACHSIM_CRM_FUZZ_SEED``
(default 20261207), checked in ``COACHSIM_CRM_FUZZ_WORKERS`` processes (default: up to 2) by
:func:`tests.fuzz.crm_harness.run_many`. A failure lists every failing mutant, grouped by class,
with its mutations, the start of the reason and the directory it was saved to (with
``reason.txt`` and the commands that reproduce it). ``python -m tests.fuzz.crm_main`` runs
thousands more.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.fuzz.crm_harness import VERDICTS, run_many, summarize
from tests.fuzz.crm_mutate import crm_mutant

COUNT = int(os.environ.get("COACHSIM_CRM_FUZZ_COUNT", "40"))
SEED = int(os.environ.get("COACHSIM_CRM_FUZZ_SEED", "20261207"))
WORKERS = int(os.environ.get("COACHSIM_CRM_FUZZ_WORKERS", str(min(2, os.cpu_count() or 1))))


def test_crm_mutants_are_refused_or_calibrated_cleanly(tmp_path: Path) -> None:
    crm_mutant(SEED, 0)  # the seed exports, made once before the workers start
    t0 = time.perf_counter()
    outcomes = run_many(
        SEED, range(COUNT), tmp_path / "failures", tmp_path / "work", workers=WORKERS
    )
    wall = time.perf_counter() - t0
    assert len(outcomes) == COUNT
    verdicts = {v: sum(o.verdict == v for o in outcomes) for v in VERDICTS[:-1]}
    print(f"{COUNT} CRM mutants of seed {SEED} in {wall:.1f} s: {verdicts}")
    groups = summarize(outcomes)
    if not groups:
        return
    lines = [
        f"{sum(len(g) for g in groups.values())} of {COUNT} CRM mutants (seed {SEED}) failed, "
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
