"""Fuzz ``coachsim calibrate`` with mutated CRM exports: ``python -m tests.fuzz.crm_main``.

Generates mutants of small simulated Salesforce, HubSpot and pipeline exports
(:mod:`tests.fuzz.crm_mutate`), calibrates each through the real CLI in worker processes
(:mod:`tests.fuzz.crm_harness`), prints progress and a summary of the failures grouped by class,
and keeps every failing mutant in ``--out`` (its files, the output, ``reason.txt`` and the
commands that reproduce it). The same seed and index always give the same mutant, so a failure
can be re-run alone with ``--only INDEX``.

Examples::

    python -m tests.fuzz.crm_main --count 1000 --seed 7 --out outputs/fuzz-crm
    python -m tests.fuzz.crm_main --seed 7 --only 123          # one mutant, in process, verbose
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

from tests.fuzz.crm_harness import TIMEOUT, VERDICTS, Outcome, check, command, run_many, summarize
from tests.fuzz.crm_mutate import crm_mutant
from tests.fuzz.harness import MEMORY_LIMIT, _limit_memory, fuzz_all

DEFAULT_SEED = 20261207


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m tests.fuzz.crm_main",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    p.add_argument("--count", type=int, default=1000, help="mutants to check [1000]")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed [{DEFAULT_SEED}]")
    p.add_argument("--start", type=int, default=0, help="first mutant index [0]")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("outputs/fuzz-crm"),
        help="where failing mutants and the summary go [outputs/fuzz-crm]",
    )
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes [cores]")
    p.add_argument(
        "--timeout", type=float, default=TIMEOUT, help=f"CPU seconds per call [{TIMEOUT:g}]"
    )
    p.add_argument("--only", type=int, default=None, metavar="INDEX", help="check one mutant")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    return p.parse_args(argv)


def _one(seed: int, index: int, timeout: float) -> int:
    _limit_memory(MEMORY_LIMIT)  # as in a worker: /dev/zero as a file must not take the machine
    m = crm_mutant(seed, index)
    print(f"{m.id} from {m.base}: {m.description}")
    print(f"command: coachsim {' '.join(command(m))}")
    print(f"damaged: {m.damaged}" + (f"; secret: {m.secret}" if m.secret else ""))
    with tempfile.TemporaryDirectory(prefix="coachsim-fuzz-crm-") as tmp:
        o = check(m, Path(tmp) / m.id, timeout)
        print(f"verdict: {o.verdict} in {o.seconds:.2f} s")
        if o.failed:
            print(f"class: {o.failure_class}\n{o.reason}")
        for note in o.notes:
            print(f"note: {note}")
    for name, data in m.files.items():
        print(f"--- {name} ({len(data):,} bytes):")
        print(data[:600].decode("utf-8", "backslashreplace"))
    for name, kind in m.specials.items():
        print(f"--- {name}: {kind}")
    return 1 if o.failed else 0


def report(outcomes: list[Outcome], wall: float, workers: int) -> str:
    """The summary printed at the end (and saved as summary.txt)."""
    verdicts = Counter(o.verdict for o in outcomes)
    n = len(outcomes)
    per = sum(o.seconds for o in outcomes) / max(n, 1)
    lines = [
        f"{n} mutants in {wall:.1f} s with {workers} workers ({wall / max(n, 1):.3f} s wall, "
        f"{per:.3f} s of work per mutant): " + ", ".join(f"{verdicts[k]} {k}" for k in VERDICTS),
    ]
    groups = summarize(outcomes)
    if groups:
        lines.append(f"\n{len(groups)} failure classes:")
    for cls, items in groups.items():
        smallest = min(items, key=lambda o: len(o.description))
        lines.append(f"\n[{len(items)}] {cls}")
        lines.append(f"    e.g. {smallest.id} ({smallest.base}): {smallest.description[:240]}")
        lines.append("    " + smallest.reason.split("\n", 1)[0][:240])
        lines.append(f"    saved: {smallest.saved}")
    notes = Counter(note for o in outcomes for note in o.notes)
    if notes:
        lines.append("\nwarnings and notes seen (not failures):")
        lines += [f"  [{c}] {note}" for note, c in notes.most_common(15)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    if a.only is not None:
        return _one(a.seed, a.only, a.timeout)
    out = a.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    crm_mutant(a.seed, a.start)  # the seed exports, made once before the workers start
    return fuzz_all(a, out, run_many, report, "coachsim-fuzz-crm-", every=25)


if __name__ == "__main__":
    sys.exit(main())
