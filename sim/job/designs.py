"""The design a job runs, if any: draws of uncertain inputs (:mod:`sim.experiment.uncertainty`)
or the grid of a sweep (:mod:`sim.experiment.sweeps`). Settings that cannot go with them are
refused here, before anything is written."""

from __future__ import annotations

from collections.abc import Callable

from sim.experiment.sweeps import plan_sweep
from sim.experiment.uncertainty import DEFAULT_DRAWS, DEFAULT_REPS_PER_DRAW, PlanError, plan
from sim.job.spec import Job, JobInvalid
from sim.scenario.designs import Design

DESIGNS = ("uncertainty", "sweep")
"""The settings keys of the two kinds of design a job may run."""


def job_design(job: Job, note: Callable[[str], None]) -> Design | None:
    """The draws of uncertain inputs, or the grid of a sweep, ``job`` runs, if any (see
    :mod:`sim.experiment.uncertainty` and :mod:`sim.experiment.sweeps`); settings that cannot go
    with them are refused here, before anything is written."""
    has_block = any(s.uncertain is not None for s in job.scenarios)
    has_sweep = bool(job.sets) or any(s.sweep for s in job.scenarios)
    if job.kind == "run":
        if job.uncertainty or job.sets or job.sobol:
            raise JobInvalid(
                "--uncertainty, --sobol and --set are for compare: they weigh options against a "
                "baseline"
            )
        if has_block or has_sweep:
            note("uncertain: and sweep: are used by compare; run uses the file's own values")
        return None
    draws = job.uncertainty
    if job.sobol:
        if draws is not None:
            raise JobInvalid(
                "--sobol sets the draws itself (N x (inputs + 2)): leave out --uncertainty"
            )
        draws = job.sobol
    if draws is None:
        draws = DEFAULT_DRAWS if has_block and not has_sweep else 0
    if has_sweep:
        if draws:
            raise JobInvalid(
                "a sweep and --uncertainty (or --sobol) cannot run together: run the sweep "
                "(--uncertainty 0 "
                "keeps the files' values), then weigh the setting you choose under uncertainty"
            )
        if has_block:
            note("a sweep runs each setting at the files' values; uncertain: blocks are not used")
        return _sweep(job, note)
    if not draws:
        return None
    if job.precision is not None:
        raise JobInvalid(
            "--precision cannot be used with uncertain inputs: give the draws "
            "(--uncertainty N) and replications per draw (-n) instead"
        )
    if job.batch_size is not None:
        raise JobInvalid("--batch-size cannot be used with uncertain inputs: a task is one draw")
    try:
        design, notes = plan(
            job.scenarios,
            draws,
            job.replications or DEFAULT_REPS_PER_DRAW,
            job.seed,
            job.sobol or 0,
        )
    except PlanError as exc:
        raise JobInvalid(str(exc)) from None
    for line in notes:
        note(line)
    return design


def _sweep(job: Job, note: Callable[[str], None]) -> Design:
    """The grid of a sweep job."""
    if job.precision is not None:
        raise JobInvalid(
            "--precision cannot be used with a sweep: give -n, the replications per point"
        )
    try:
        design, notes = plan_sweep(job.scenarios, job.sets, job.replications or 20)
    except PlanError as exc:
        raise JobInvalid(str(exc)) from None
    for line in notes:
        note(line)
    return design
