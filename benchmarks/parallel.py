"""Parallel efficiency: 200 replications of the reference scenario with -j 2 against -j 1
(target >= 0.85), through the same engine the command line uses.

    python benchmarks/parallel.py [--replications N]
"""

from __future__ import annotations

import argparse
import time

from common import reference

from sim.experiment.batches import Engine
from sim.experiment.executors import ProcessExecutor, SerialExecutor


def wall(executor, n: int) -> float:  # type: ignore[no-untyped-def]
    """Wall seconds for ``n`` replications of the reference on ``executor``."""
    engine = Engine([reference()], seed=0, keep_weekly=False)
    start = time.perf_counter()
    with executor as ex:
        engine.run(n, ex)
    return time.perf_counter() - start


def main() -> None:
    """Time -j 1 against -j 2 and print the parallel efficiency."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=200)
    n = ap.parse_args().replications
    t1 = wall(SerialExecutor(), n)
    t2 = wall(ProcessExecutor(2), n)
    print(f"replications={n} serial_s={t1:.1f} two_processes_s={t2:.1f}")
    print(f"parallel_efficiency={t1 / (2 * t2):.3f}")


if __name__ == "__main__":
    main()
