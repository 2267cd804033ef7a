"""The finished job's files: tables, report and manifest, each written whole into the job's
partial folder from exactly the batches the job merged."""

from __future__ import annotations

import io
import math
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.batches import Engine, PrecisionOutcome
from sim.experiment.comparison import Comparison, from_engine
from sim.experiment.findings import Findings, draws_wide, findings, findings_table
from sim.experiment.output import write_atomic, write_json
from sim.experiment.store import Store
from sim.experiment.sweeps import sweep_table
from sim.experiment.uncertainty import draw_table
from sim.job.spec import Job
from sim.report.compare import compare_report
from sim.report.run import run_report
from sim.report.sweep import sweep_report
from sim.scenario import Scenario
from sim.version import VERSION


@dataclass
class Written:
    """What the written tables say, for the command line's closing lines."""

    comparison: Comparison | None
    """The comparison (None for a run or a sweep)."""
    sure: list[Findings]
    """With uncertain inputs, what the draws say of each alternative."""
    sweep: pd.DataFrame | None
    """A sweep's table (sweep.csv)."""


def write_outputs(
    job: Job,
    files: list[str],
    scenarios: list[Scenario],
    engine: Engine,
    store: Store,
    settings: dict[str, Any],
    wall_s: float,
    outcome: PrecisionOutcome | None = None,
) -> Written:
    """weekly.csv, summary.csv, comparison.csv (compare; with uncertain inputs also draws.csv,
    draws.parquet and uncertainty.csv; a sweep writes sweep.csv instead), report.html and
    manifest.json in the store's folder; parts the job did not merge are removed first.
    ``settings`` are the seed, precision and limits the job ran with (a resumed job's own);
    ``outcome`` how a run to a precision ended."""
    d = store.dir
    meta = {
        "replications": engine.done,
        "seed": settings["seed"],
        "version": VERSION,
        "scenario_hash": scenarios[0].digest(),
        "notes": list(settings.get("notes", [])),
    }
    store.prune()
    store.write_weekly_csv(d / "weekly.csv", local_workers(job))
    summaries = [pd.concat(engine.summaries[i], ignore_index=True) for i in range(len(scenarios))]
    write_atomic(d / "summary.csv", pd.concat(summaries, ignore_index=True).to_csv(index=False))
    comparison, sure, sweep = None, [], None
    if engine.design is not None and engine.design.shared_seeds:
        sweep = sweep_table(engine)
        write_atomic(d / "sweep.csv", sweep.to_csv(index=False))
        html = sweep_report(sweep, engine.design.paths, scenarios[0].name or "baseline", meta)
    elif job.kind == "compare":
        comparison = from_engine(engine)
        write_atomic(d / "comparison.csv", comparison.table.to_csv(index=False))
        sure = _uncertainty(engine, scenarios, d)
        html = compare_report(comparison, meta, sure)
    else:
        s0 = scenarios[0]
        html = run_report(
            engine.stats[0],
            summaries[0],
            s0.name or "scenario",
            s0.description,
            s0.stages,
            s0.team.managers,
            meta,
        )
    write_atomic(d / "report.html", html)
    write_json(
        d / "manifest.json", manifest(job, scenarios, files, engine, settings, wall_s, outcome)
    )
    return Written(comparison, sure, sweep)


def local_workers(job: Job) -> int:
    """Local processes the final tables may be written with: as many as the run used (``-j``,
    ``--dask-local``), every core by default or when the run was on a remote cluster."""
    cores = os.cpu_count() or 1
    ex = job.executor
    asked = ex.jobs if ex.jobs is not None else ex.dask_local
    return max(1, min(asked or cores, cores))


def _uncertainty(engine: Engine, scenarios: list[Scenario], d: Path) -> list[Findings]:
    """draws.csv, draws.parquet and uncertainty.csv of a run on uncertain inputs; the findings
    for the report (none without uncertain inputs)."""
    design = engine.design
    if design is None:
        return []
    table = draw_table(engine)
    found = [findings(table, s, design.paths, engine.seed, design.sobol_n) for s in scenarios[1:]]
    wide = draws_wide(table, design.paths)
    write_atomic(d / "draws.csv", wide.to_csv(index=False))
    buf = io.BytesIO()
    wide.to_parquet(buf, index=False)
    write_atomic(d / "draws.parquet", buf.getvalue())
    write_atomic(d / "uncertainty.csv", findings_table(found).to_csv(index=False))
    return found


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def manifest(
    job: Job,
    scenarios: list[Scenario],
    files: list[str],
    engine: Engine,
    settings: dict[str, Any],
    wall_s: float,
    outcome: PrecisionOutcome | None = None,
) -> dict[str, Any]:
    """What manifest.json records: versions, the command that started the run (and the one
    that resumed it), seed, replications, the resolved scenarios and their hashes, the
    settings, whether a precision was reached, the wall time."""
    import numpy
    import simpy

    out: dict[str, Any] = {
        "coachsim_version": VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": settings.get("command", job.command),
        "resume_command": job.command if job.resume is not None else None,
        "seed": settings["seed"],
        "replications": engine.done,
        "scenario_files": files,
    }
    if len(scenarios) == 1:
        s = scenarios[0]
        out.update(scenario_name=s.name, scenario_hash=s.digest(), scenario=s.canonical())
    else:
        out["baseline"] = scenarios[0].name
        out["scenarios"] = {
            s.name: {"hash": s.digest(), "scenario": s.canonical()} for s in scenarios
        }
    out["precision"] = settings["precision"]
    out["max_replications"] = settings["max_replications"] if settings["precision"] else None
    if outcome is not None:
        out["precision_outcome"] = {
            "target_halfwidth_share_of_mean": outcome.target,
            "achieved_halfwidth_share_of_mean": _finite(outcome.achieved),
            "replications": outcome.replications,
            "reached": outcome.reached,
        }
    out["batch_size"] = engine.size
    out["uncertainty"] = settings.get("uncertainty")
    out["sweep"] = settings.get("sweep")
    out["notes"] = list(settings.get("notes", []))
    out["wall_time_s"] = round(wall_s, 3)
    out["versions"] = {
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "simpy": simpy.__version__,
    }
    return out
