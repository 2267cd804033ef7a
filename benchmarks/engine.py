"""Engine speed: the reference scenario against bare SimPy processing the same number of events.

Both are timed in this one run on this machine, in CPU seconds of this one process, so the
ratio is meaningful on a shared, noisy machine where absolute seconds are not. The event count
is every discrete event of the model: SimPy's (the week turns), the managers' calendar events
(each manager's own agenda), the stage ends decided in the sellers' pipelines, the stage ends
settled when scheduled because no skill could change their outcome (sim.model.leads,
sim.model.pipeline.Pipeline.schedule), and the sessions settled when planned because nothing could
disturb them; bare SimPy would need an event for each. Processed and settled events are
reported apart, and the model is timed against bare SimPy processing all of them (the target:
``overhead_vs_bare_simpy`` at most 2.0, the last line) and only the processed ones.

    python benchmarks/engine.py [--replications N] [--scenario FILE]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.model.replication import Replication
from sim.scenario import load_scenario


def bare_simpy(events: int, processes: int = 300, seed: int = 0) -> float:
    """Seconds for bare SimPy to process ``events`` timeouts from ``processes`` processes."""
    rng = random.Random(seed)
    delays = [rng.expovariate(1.0) for _ in range(4096)]
    env = simpy.Environment()
    per = events // processes

    def worker(offset: int) -> simpy.events.ProcessGenerator:
        for i in range(per):
            yield env.timeout(delays[(offset + i) & 4095])

    for p in range(processes):
        env.process(worker(p * 13))
    start = time.process_time()
    env.run()
    return time.process_time() - start


def main() -> None:
    """Time the model and bare SimPy, and print the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many timings")
    ap.add_argument(
        "--scenario",
        default=str(Path(__file__).resolve().parent.parent / "scenarios" / "reference.yaml"),
    )
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    Replication(scenario, 0, 0).run()  # warm caches (calibration, imports)
    model_s = bare_s = bare_processed_s = 0.0
    events = simpy_events = calendar = lazy = settled = 0
    for r in range(args.replications):
        # Best of `repeat` for both sides, back to back, so a busy moment on a shared machine
        # does not land on one side only.
        best_model = best_bare = best_processed = float("inf")
        for _ in range(args.repeat):
            start = time.process_time()
            rep = Replication(scenario, 1, r)
            rep.run()
            best_model = min(best_model, time.process_time() - start)
            best_bare = min(best_bare, bare_simpy(rep.events, seed=r))
            processed = rep.events - rep.settled_events
            best_processed = min(best_processed, bare_simpy(processed, seed=r))
        model_s += best_model
        bare_s += best_bare
        bare_processed_s += best_processed
        events += rep.events
        simpy_events += rep.simpy_events
        calendar += rep.calendar_events
        lazy += rep.lazy_events
        settled += rep.settled_events
    n = args.replications
    print(f"scenario={scenario.name} replications={n} events_per_replication={events // n}")
    print(
        f"processed={(events - settled) // n} (simpy_week_turns={simpy_events // n}"
        f" in_calendars={calendar // n} in_pipelines={lazy // n})"
        f" settled_without_a_queue={settled // n}"
    )
    print(f"model_s_per_replication={model_s / n:.3f}")
    print(f"bare_simpy_s_per_replication={bare_s / n:.3f} (all events)")
    print(f"bare_simpy_processed_s_per_replication={bare_processed_s / n:.3f}")
    print(f"overhead_vs_bare_simpy_processed_only={model_s / bare_processed_s:.2f}")
    print(f"overhead_vs_bare_simpy={model_s / bare_s:.2f}")


if __name__ == "__main__":
    main()
