"""What a resume may be told: the interrupted run's settings are its own.

A resume finishes a run exactly as it was started (same seed, replications, batches, design),
or its results would not be the run's. An option given with ``--resume`` that agrees with the
saved run changes nothing and is accepted; one that differs is refused in one line naming the
option, what was given and what the run was started with, rather than silently ignored (a
tester asked for ``-n 80`` and got the saved 60 without a word). Options of where and how to run
(``-j``, ``--scheduler``, ``-q``, ...) are free to change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.job.spec import Job, JobInvalid


def _num(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def saved_settings(record: dict[str, Any]) -> dict[str, Any]:
    """The interrupted run's settings, by :class:`~sim.job.spec.Job` field, as its command line
    gave them (``-n`` is replications per draw, or per point of a sweep, with a design)."""
    design = record.get("uncertainty") or record.get("sweep") or {}
    reps = design.get("reps_per_draw", design.get("reps_per_point", record["replications"]))
    unc = record.get("uncertainty") or {}
    sobol = unc.get("sobol_n") or None
    return {
        "replications": reps,
        "seed": record["seed"],
        "precision": record["precision"],
        "max_replications": record["max_replications"],
        "batch_size": record["batch_size"],
        "uncertainty": unc.get("draws", 0) if unc and not sobol else 0,
        "sobol": sobol,
        "sets": {p: list(v) for p, v in ((record.get("sweep") or {}).get("grid") or {}).items()},
    }


def _tail(flag: str) -> str:
    return (
        f"a resume finishes the run as it was started: leave {flag} out, or start over with --force"
    )


FLAGS = {
    "replications": "-n",
    "seed": "--seed",
    "precision": "--precision",
    "max_replications": "--max-replications",
    "batch_size": "--batch-size",
    "uncertainty": "--uncertainty",
    "sobol": "--sobol",
}


def check_given(job: Job, record: dict[str, Any], target: Path, where: Path) -> None:
    """Refuse (:class:`~sim.job.spec.JobInvalid`, one line) the first option the user gave that
    differs from the interrupted run in ``where`` (``record`` is its run.json, ``target`` the
    output it finishes into)."""
    saved = saved_settings(record)
    for field, flag in FLAGS.items():
        if field not in job.given:
            continue
        given, was = getattr(job, field), saved[field]
        if given == was:
            continue
        if field == "max_replications" and record["precision"] is None:
            raise JobInvalid(
                f"{flag} {given}: the interrupted run in {where} was started without --precision, "
                "so it runs a fixed number of replications; " + _tail(flag)
            )
        started = f"with {flag} {_num(was)}" if was is not None else f"without {flag}"
        raise JobInvalid(
            f"{flag} {_num(given)}: the interrupted run in {where} was started {started}; "
            + _tail(flag)
        )
    if "sets" in job.given:
        grid = saved["sets"]
        for path, values in job.sets:
            if grid.get(path) != list(values):
                text = ",".join(_num(v) for v in values)
                was = (
                    f"--set {path}={','.join(_num(v) for v in grid[path])}"
                    if path in grid
                    else f"no sweep of {path}"
                )
                raise JobInvalid(
                    f"--set {path}={text}: the interrupted run in {where} was started with {was}; "
                    + _tail("--set")
                )
    out = job.output
    if "output" in job.given and out is not None and out.resolve() != target.resolve():
        raise JobInvalid(
            f"-o {out}: a resume writes the interrupted run in {where} to its own output, "
            f"{target}; leave -o out"
        )
