"""Sweeps: one comparison per point of a grid of settings, every point on the same random
numbers, so the differences between points are the settings' own.

The grid comes from ``--set PATH=V1,V2,...`` (a setting of every alternative; the baseline is
the fixed point they are measured against) and from the ``sweep:`` blocks of the scenario files
(a setting of that scenario alone). It is a :class:`~sim.scenario.uncertain.Design` whose
"draws" are the grid's points with ``shared_seeds``: point ``g`` runs replications ``g*n`` to
``(g+1)*n - 1``, each with the random numbers of replication ``r % n``, through the same engine,
executors, store and ``--resume`` as any comparison. :func:`sweep_table` is sweep.csv.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.paired import summarise
from sim.experiment.batches import Engine
from sim.experiment.uncertainty import PlanError, draw_problems
from sim.scenario import Scenario
from sim.scenario.designs import Design, make_grid
from sim.scenario.uncertain import path_problem, values_problem

MAX_POINTS = 400
"""Most grid points a sweep may have (each is a whole comparison)."""
SWEEP_METRICS = (
    "npv",
    "prob_npv_positive",
    "roi_pct",
    "revenue_uplift_pct",
    "incremental_cost",
    "cost_share_of_gain",
    "payback_week",
)
"""The rows of sweep.csv for each point and alternative."""


def plan_sweep(
    scenarios: Sequence[Scenario], sets: Sequence[tuple[str, Sequence[float]]], reps: int
) -> tuple[Design, list[str]]:
    """The grid of ``sets`` (for every alternative) and the scenarios' own ``sweep:`` blocks,
    and notes; :class:`PlanError` (one line per problem) if it cannot run."""
    points: dict[str, list[float]] = {}
    targets: dict[str, tuple[int, ...] | None] = {}
    problems: list[str] = []
    for path, values in sets:
        users, unused, bad = [], None, None
        for i, s in enumerate(scenarios[1:], start=1):
            problem, bounds = path_problem(path, s)
            if problem is None:
                users.append(i)
                bad = bad or values_problem(path, values, bounds)
            else:
                unused = unused or problem
        if bad or not users:
            problems.append(f"--set {path}: {bad or unused or 'no alternative uses it'}")
            continue
        if path in points:
            problems.append(f"--set {path}: given twice")
            continue
        points[path], targets[path] = list(values), tuple(users)
    for i, s in enumerate(scenarios):
        for path, values in (s.sweep or {}).items():
            if path not in points:
                points[path], targets[path] = list(values), (i,)
            elif points[path] != list(values):
                problems.append(
                    f"sweep: {path}: {s.name} sweeps other values than another scenario or "
                    "--set; give one list"
                )
            else:
                targets[path] = tuple(sorted({*(targets[path] or ()), i}))
    size = math.prod(len(v) for v in points.values())
    if size > MAX_POINTS:
        problems.append(
            f"the sweep has {size} points (at most {MAX_POINTS}): fewer values, or fewer settings"
        )
    if problems:
        raise PlanError("\n".join(problems))
    design = make_grid(points, reps, targets)
    more, notes = draw_problems(design, scenarios)
    if more:
        raise PlanError("\n".join(line.replace("uncertain: draw", "sweep: point") for line in more))
    return design, [n.replace("draws", "points") for n in notes]


def sweep_table(engine: Engine) -> pd.DataFrame:
    """sweep.csv: per point, alternative and metric, the mean, 95% interval and n (paired
    against the baseline, as comparison.csv), with the point's settings."""
    design = engine.design
    assert design is not None
    per = pd.concat(engine.per_rep, ignore_index=True)
    per["prob_npv_positive"] = np.where(per["npv"].notna(), (per["npv"] > 0).astype(float), np.nan)
    point = per["replication"].to_numpy() // design.reps_per_draw
    rows = []
    for g in range(design.draws):
        table = summarise(per[point == g], SWEEP_METRICS, ("prob_npv_positive",))
        table.insert(0, "point", g)
        for j, p in enumerate(design.paths):
            table.insert(1 + j, p, design.values[g, j])
        rows.append(table)
    return pd.concat(rows, ignore_index=True)


def sweep_record(design: Design) -> dict[str, object]:
    """What a run's record keeps of a sweep's grid, to rebuild it on --resume."""
    grid = {  # each path's values in the order given (the grid varies the first slowest)
        p: list(dict.fromkeys(float(v) for v in design.values[:, j]))
        for j, p in enumerate(design.paths)
    }
    targets = {
        p: (list(t) if t is not None else None)
        for p, t in zip(design.paths, design.targets, strict=True)
    }
    return {"reps_per_point": design.reps_per_draw, "grid": grid, "targets": targets}


def sweep_from_record(record: dict[str, object]) -> Design:
    """The grid a run's record describes."""
    grid = record["grid"]
    targets = record["targets"]
    assert isinstance(grid, dict)
    assert isinstance(targets, dict)
    aims = {p: (tuple(t) if t is not None else None) for p, t in targets.items()}
    return make_grid(grid, int(record["reps_per_point"]), aims)  # type: ignore[call-overload]
