"""calibrate at scale: 100,000 opportunities and 1,000,000 stage-history rows (issue 25's
budget: at most 30 s and 2 GB on this 2-core machine).

A synthetic export of that size is written once (a funnel of six stages, 200 owners over three
years, deals stepping back and skipping, a few hundred rows of every kind of mess), then
``coachsim calibrate`` runs on it in a child process, timed from outside: wall seconds, CPU
seconds and peak resident memory of the child, and the seconds of each phase (reading, stage
figures, fitting) from a second, profiled run of the same files. A figure, not an assertion:

    python benchmarks/calibrate.py [--deals 100000] [--rows-per-deal 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
STAGES = ["Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation", "Contract"]


def write_export(folder: Path, deals: int, rows_per_deal: float, seed: int = 0) -> None:
    """``opportunities.csv`` and ``history.csv`` of ``deals`` synthetic deals."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-02")
    created = start + rng.integers(0, 750, deals).astype("timedelta64[D]")
    owner = np.array([f"005R{i:05d}" for i in range(200)])[rng.integers(0, 200, deals)]
    # Walk each deal through the stages: advance, step back now and then, or close.
    conversion = np.array([0.5, 0.7, 0.75, 0.7, 0.8, 0.85])
    rows_deal, rows_stage, rows_day = [], [], []
    stage_at = np.zeros(deals, dtype=np.int64)
    day = np.zeros(deals, dtype=np.int64)
    alive = np.ones(deals, dtype=bool)
    won = np.zeros(deals, dtype=bool)
    steps = 0
    # Salesforce writes a history row for every change of amount or close date too, so most
    # rows repeat the stage: ``stay`` of the steps are such updates.
    stay = 1.0 - 1.0 / max(rows_per_deal / 3.5, 1.0)
    while alive.any() and steps < 20 * rows_per_deal:
        idx = np.flatnonzero(alive)
        rows_deal.append(idx)
        rows_stage.append(stage_at[idx])
        rows_day.append(day[idx])
        day[idx] += rng.integers(1, 6, len(idx))
        moving = rng.random(len(idx)) >= stay
        idx = idx[moving]
        u = rng.random(len(idx))
        k = stage_at[idx]
        forward = u < conversion[k]
        back = (u > 0.97) & (k > 0)
        last = k == len(STAGES) - 1
        won[idx[forward & last]] = True
        alive[idx[(forward & last) | (~forward & ~back)]] = False
        stage_at[idx[forward & ~last]] += 1
        stage_at[idx[back]] -= 1
        steps += 1
    d = np.concatenate(rows_deal)
    closed_day = np.where(alive, -1, day)
    ids = np.array([f"006S{i:09d}" for i in range(deals)])
    closed = created + np.maximum(closed_day, 0).astype("timedelta64[D]")
    as_of = created.max()
    is_closed = ~alive & (closed <= as_of)
    opp = pd.DataFrame(
        {
            "Id": ids,
            "OwnerId": owner,
            "StageName": np.where(
                is_closed,
                np.where(won, "Closed Won", "Closed Lost"),
                np.array(STAGES)[stage_at],
            ),
            "Amount": np.round(rng.lognormal(10, 0.8, deals), 2),
            "CreatedDate": created,
            "CloseDate": closed,
            "IsClosed": is_closed,
            "IsWon": won & is_closed,
        }
    )
    history = pd.DataFrame(
        {
            "OpportunityId": ids[d],
            "StageName": np.array(STAGES)[np.concatenate(rows_stage)],
            "CreatedDate": (created[d] + np.concatenate(rows_day).astype("timedelta64[D]")),
        }
    )
    history = history[history["CreatedDate"] <= as_of]
    # Mess: history of deleted deals, closes before creation, blank amounts.
    ghosts = history.sample(300, random_state=1).assign(
        OpportunityId=lambda h: h["OpportunityId"] + "X"
    )
    history = pd.concat([history, ghosts], ignore_index=True)
    early = rng.choice(deals, 300, replace=False)
    opp.loc[early, "CloseDate"] = opp.loc[early, "CreatedDate"] - np.timedelta64(5, "D")
    opp.loc[rng.choice(deals, 300, replace=False), "Amount"] = np.nan
    opp.to_csv(folder / "opportunities.csv", index=False)
    history.to_csv(folder / "history.csv", index=False)


def main(argv: list[str] | None = None) -> None:
    """Write the export, then time and profile calibrate on it."""
    """Write the export, then time and profile calibrate on it."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--deals", type=int, default=100_000)
    p.add_argument("--rows-per-deal", type=float, default=14.0)
    p.add_argument("--keep", type=Path, default=None, help="write the export here and keep it")
    args = p.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="coachsim-bench-crm-"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    write_export(folder, args.deals, args.rows_per_deal)
    with open(folder / "history.csv", encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 1
    took = time.perf_counter() - t0
    print(f"export: {args.deals:,} opportunities, {rows:,} history rows ({took:.1f} s to write)")
    cmd = [
        sys.executable,
        "-c",
        "import sys; from cli import main; sys.argv=['coachsim', *sys.argv[1:]]; main()",
        "calibrate",
        str(folder / "opportunities.csv"),
        "--history",
        str(folder / "history.csv"),
        "-o",
        str(folder / "team.yaml"),
        "--force",
        "--accept-poor-fit",
        "-q",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(done.stdout.strip()[-400:] or done.stderr.strip()[-400:])
    print(
        f"calibrate: exit {done.returncode}, wall {wall:.1f} s (budget 30), CPU {cpu:.1f} s, "
        f"peak memory {after.ru_maxrss / 1024:,.0f} MB (budget 2,048)"
    )
    print(
        f"wall_over_budget={wall / 30:.2f} memory_over_budget={after.ru_maxrss / 1024 / 2048:.2f}"
    )
    # Where the time goes: the same calibration profiled in this process.
    sys.path.insert(0, str(ROOT))
    from sim.calibration.command import calibrate
    from sim.scenario import Scenario

    prof = cProfile.Profile()
    prof.enable()
    calibrate(str(folder / "opportunities.csv"), str(folder / "history.csv"), Scenario(), "bench")
    prof.disable()
    stats = pstats.Stats(prof)
    for name in (
        "read_export",
        "read_history",
        "stage_order",
        "figures",
        "fit_figures",
        "concentration",
    ):
        total = sum(
            v[3]
            for k, v in stats.stats.items()
            if k[2] == name  # type: ignore[attr-defined]
        )
        print(f"  {name:<14} {total:6.1f} s (profiled)")


if __name__ == "__main__":
    main()
