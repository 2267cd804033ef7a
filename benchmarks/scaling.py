"""Cost against team size: time per replication for 48, 192 and 768 reps, and the fitted
exponent of time ~ reps^k (target k <= 1.1: cost linear in team size), then one replication of a
1,000-rep team over 156 weeks (target: 10 s here).

Times are the process's CPU seconds (a replication runs on one core, so this is its wall time
less the moments a shared machine gave the core to someone else), best of several runs; small
teams, whose runs are short and noisier, get more runs.

    python benchmarks/scaling.py
"""

from __future__ import annotations

import math
import time

from common import reference, variant

from sim.model.replication import Replication


def seconds(scenario, repeat: int = 2) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds of one replication of ``scenario``, best of ``repeat``."""
    best = math.inf
    for r in range(repeat):
        start = time.process_time()
        Replication(scenario, 0, r).run()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    """Time teams of growing size and print the scaling exponent."""
    ref = reference()
    Replication(ref, 0, 0).run()  # warm caches
    sizes = {8: 6, 32: 3, 128: 2}  # managers of 6 reps (48, 192, 768 reps): runs
    xs, ys = [], []
    for m, repeat in sizes.items():
        s = variant(ref, team={"managers": m})
        t = seconds(s, repeat)
        reps = m * ref.team.reps_per_manager
        xs.append(math.log(reps))
        ys.append(math.log(t))
        print(f"reps={reps} weeks={s.weeks} s_per_replication={t:.3f}")
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    k = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    big = variant(ref, team={"managers": 167, "reps_per_manager": 6}, weeks=156)
    t_big = seconds(big, repeat=1)
    print(f"reps=1002 weeks=156 s_per_replication={t_big:.2f}")
    print(f"scaling_exponent={k:.3f}")
    print(f"big_team_s={t_big:.2f}")


if __name__ == "__main__":
    main()
