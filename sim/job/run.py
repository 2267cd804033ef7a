"""Running a job end to end: check, lock, run, write, and move the result into place.

The order is what keeps a user's files safe (see :mod:`sim.experiment.output` and
:mod:`sim.experiment.store`): everything that can be refused is checked before anything is
written; the output is locked for the whole job; the partial folder is created only once the
job can start (an unreachable scheduler leaves nothing behind); finished batches are kept
whenever the job stops part-way; and the final folder appears in one rename, with Ctrl-C held
off while it does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiment.batches import Engine, PrecisionOutcome
from sim.experiment.budget import available_memory, estimate, process_room
from sim.experiment.comparison import Comparison
from sim.experiment.executors import ClusterLost, Executor, ExecutorError, make_executor
from sim.experiment.output import (
    OutputError,
    OutputLock,
    default_output,
    describe_left_lock,
    describe_os_error,
    identity,
)
from sim.experiment.parts import StoreError
from sim.experiment.store import Store
from sim.experiment.sweeps import sweep_from_record, sweep_record
from sim.experiment.uncertainty import design_from_record, design_record
from sim.job.designs import DESIGNS, job_design
from sim.job.interrupts import interrupts_deferred, interrupts_noted
from sim.job.outputs import Written, write_outputs
from sim.job.pairing import paired
from sim.job.resume import check_given
from sim.job.spec import Job, JobInvalid, JobRefused, JobStopped
from sim.model.finite import NonFiniteResult
from sim.scenario import Problem, Scenario, ScenarioError, validate_scenario
from sim.scenario.problems import clean
from sim.version import VERSION

Tick = Callable[..., None]
"""Progress callback: ``tick(done, new_total=None, status=None)``; ``status`` says what happens
before the first replication can finish (workers starting), ``tick(0, status=...)``."""
Progress = Callable[[int, str], AbstractContextManager[Tick]]
"""Makes the progress display of a job: ``progress(total, label)`` yields a :data:`Tick`."""


@dataclass
class _Prepared:
    """A job checked and ready to run: where it goes and what it runs."""

    target: Path
    store: Store
    scenarios: list[Scenario]
    files: list[str]
    settings: dict[str, Any]
    """Seed, replications, precision, max_replications, the design and the command that
    started the run (a resumed job's own)."""
    engine: Engine


@dataclass
class JobDone:
    """A finished job."""

    target: Path
    """The output folder."""
    scenarios: list[Scenario]
    engine: Engine
    written: Written
    """The comparison, findings or sweep the files hold."""
    warnings: list[str]
    """What the user must know about the results (one line each): a precision not reached,
    a single replication that gives no interval."""

    @property
    def comparison(self) -> Comparison | None:
        """The comparison (None for a run or a sweep)."""
        return self.written.comparison


def _quiet(total: int, label: str) -> AbstractContextManager[Tick]:
    return nullcontext(lambda *args, **kwargs: None)


def run_job(
    job: Job, progress: Progress = _quiet, note: Callable[[str], None] = lambda line: None
) -> JobDone:
    """Run ``job`` and write its output folder; see :mod:`sim.job.spec` for how it can end.

    ``progress`` shows how far the replications are; ``note`` gets one-line remarks (a long run,
    a lock left by a dead run, damaged parts run again)."""
    target = _target(job)
    lock = OutputLock(target, job.command)
    try:
        lock.acquire()
    except OutputError as exc:
        raise JobRefused(str(exc)) from None
    except OSError as exc:
        raise JobRefused(describe_os_error(exc, f"cannot lock {lock.path}")) from None
    try:
        left = describe_left_lock(lock)
        if left:
            note(left)
        return _locked(job, target, progress, note)
    finally:
        lock.release()


def _target(job: Job) -> Path:
    """The job's output folder, checked for names coachsim reserves."""
    if job.resume is not None:
        return Store.target_of(job.resume)
    if not job.scenarios:
        raise JobInvalid("name the scenario file(s), or --resume DIR")
    names = [s.name or "" for s in job.scenarios]
    if len(set(names)) != len(names):
        dupes = sorted({x for x in names if names.count(x) > 1})
        raise JobInvalid(
            "scenario names must differ within a comparison; repeated: "
            f"{', '.join(clean(d, 60) for d in dupes)} (set name: in the files)"
        )
    target = job.output or default_output(
        job.kind, names, [Path(f).stem for f in job.files] or names
    )
    if target.name.endswith((".partial", ".lock")) or target.name in ("", ".", ".."):
        raise JobInvalid(
            f"-o {target}: choose a folder name that does not end in .partial or .lock "
            "(coachsim's own working names)"
        )
    return target


def _resumed(job: Job, target: Path, store: Store) -> tuple[list[Scenario], dict[str, Any]]:
    """The scenarios and record of the interrupted job of ``target``, checked like a new job's."""
    record, doc = Store.read_job(target)
    if record["kind"] != job.kind:
        raise JobRefused(
            f"{store.dir} holds a '{record['kind']}' run; resume it with coachsim "
            f"{record['kind']} --resume"
        )
    if record["coachsim_version"] != VERSION:
        raise JobRefused(
            f"{store.dir} was started by coachsim {record['coachsim_version']} and this is "
            f"{VERSION}: finish it with that version, or start over with --force"
        )
    check_given(job, record, target, store.dir)
    problems: list[Problem] = []
    scenarios = []
    for i, data in enumerate(record["scenarios"]):
        try:
            scenarios.append(validate_scenario(doc, data, ("scenarios", i)))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    if [s.name for s in scenarios] != record["names"]:
        raise JobRefused(f"{store.dir / 'run.json'}: names do not match the scenarios' names")
    given, notes = (
        paired(job.scenarios, job.files) if job.kind == "compare" else (job.scenarios, [])
    )
    # The same comparison: the same scenarios once paired, reached the same way (a file of
    # another horizon cut to the shared one is another file, though it runs the same weeks).
    same = [g.digest() for g in given] == [x.digest() for x in scenarios] and notes == list(
        record.get("notes", [])
    )
    if given and not same:
        raise JobRefused(
            f"{store.dir} holds results of different scenarios "
            f"({', '.join(clean(n, 60) for n in record['names'])}); name no scenario to resume "
            "it as it was, or choose another -o"
        )
    store.verify(record, [s.digest() for s in scenarios])
    return scenarios, record


def _check_budget(job: Job, scenarios: list[Scenario], stop: int, size: int) -> str | None:
    """Refuse a job that cannot fit in memory; a note on one that will take long."""
    ex = job.executor
    if ex.scheduler is not None:
        workers = 0  # on a cluster: only this process's share is ours to check
    else:
        local = ex.dask_local or ex.jobs or os.cpu_count() or 1
        workers = min(local, math.ceil(stop / size))
    est = estimate(scenarios, stop, size, workers)
    problem = est.refusal(available_memory(), process_room())
    if problem:
        raise JobRefused(problem)
    return est.warning()


def _locked(job: Job, target: Path, progress: Progress, note: Callable[[str], None]) -> JobDone:
    store = Store(target, [s.name or "" for s in job.scenarios])
    if job.resume is not None:
        try:
            scenarios, record = _resumed(job, target, store)
        except StoreError as exc:
            raise JobRefused(str(exc)) from None
        store.names = [s.name or "" for s in scenarios]
        files = list(record["files"])
        settings = {
            k: record[k]
            for k in ("seed", "replications", "precision", "max_replications", *DESIGNS)
        }
        settings["command"] = record["command"]
        settings["notes"] = list(record.get("notes", []))
        size = record["batch_size"]
        design = None
        if record["uncertainty"] is not None:
            design = design_from_record(record["uncertainty"], record["seed"])
        elif record["sweep"] is not None:
            design = sweep_from_record(record["sweep"])
        for line in store.notes:
            note(line)
    else:
        files = list(job.files)
        scenarios, notes = list(job.scenarios), list[str]()
        if job.kind == "compare":
            scenarios, notes = paired(scenarios, files)
        for line in notes:
            note(line)
        design = job_design(dataclasses.replace(job, scenarios=tuple(scenarios)), note)
        settings = {
            "seed": job.seed,
            "replications": job.replications or 20,
            "precision": job.precision,
            "max_replications": job.max_replications,
            "uncertainty": None,
            "sweep": None,
            "command": job.command,
            "notes": notes,
        }
        if design is not None:
            settings["replications"] = design.draws * design.reps_per_draw
            if design.shared_seeds:
                settings["sweep"] = sweep_record(design)
            else:
                settings["uncertainty"] = design_record(design)
        size = job.batch_size
    engine = Engine(scenarios, settings["seed"], keep_weekly=False, size=size, design=design)
    engine.sink = store
    precision, n, most = (
        settings["precision"],
        settings["replications"],
        settings["max_replications"],
    )
    stop = n if precision is None else most
    long_run = _check_budget(job, scenarios, stop, engine.size)
    if long_run:
        note(long_run)
    ex = job.executor
    try:
        executor = make_executor(
            ex.jobs,
            ex.scheduler,
            ex.dask_local,
            ex.cluster_timeout_s,
            tasks=math.ceil(stop / engine.size),
        )
    except ExecutorError as exc:
        raise JobRefused(str(exc)) from None
    ready = _Prepared(target, store, scenarios, files, settings, engine)
    if job.resume is None:
        _start(job, ready, executor)
    return _run(job, ready, executor, progress)


def _start(job: Job, ready: _Prepared, executor: Executor) -> None:
    """Create the partial folder and the job's record (after the executor is ready)."""
    store, scenarios, settings, engine = ready.store, ready.scenarios, ready.settings, ready.engine
    names = [s.name or "" for s in scenarios]
    record = {
        "kind": job.kind,
        "coachsim_version": VERSION,
        **settings,
        "batch_size": engine.size,
        "files": ready.files,
        "names": names,
        "scenarios": [x.canonical() for x in scenarios],
    }
    marker = identity(job.kind, uuid.uuid4().hex, seed=settings["seed"], scenarios=names)
    try:
        store.start(record, [s.digest() for s in scenarios], job.force, marker)
    except OutputError as exc:
        executor.close()
        raise JobRefused(str(exc)) from None
    except OSError as exc:
        executor.close()
        raise JobRefused(describe_os_error(exc, f"cannot create {store.dir}")) from None


def _run(job: Job, ready: _Prepared, executor: Executor, progress: Progress) -> JobDone:
    target, store, scenarios, settings, engine = (
        ready.target,
        ready.store,
        ready.scenarios,
        ready.settings,
        ready.engine,
    )
    t0 = time.perf_counter()
    precision, n, most = (
        settings["precision"],
        settings["replications"],
        settings["max_replications"],
    )

    def stopped(why: str, code: int) -> JobStopped:
        if not os.path.lexists(store.dir) and (target / "manifest.json").exists():
            return JobStopped(why, code, complete=target)
        kept = store.kept()
        if kept:
            return JobStopped(why, code, kept=store.dir, batches=kept)
        with contextlib.suppress(OSError):
            store.discard()
        return JobStopped(why, code)

    label = f"{job.kind} {scenarios[0].name}"
    outcome: PrecisionOutcome | None = None
    out_of_memory = False
    try:
        with interrupts_noted() as still_running:
            with executor as ex, progress(n if precision is None else most, label) as shown:

                def tick(*args: Any, **kwargs: Any) -> None:
                    still_running()
                    shown(*args, **kwargs)

                if ex.starting is not None:
                    tick(0, status=ex.starting)
                if precision is None:
                    engine.run(n, ex, tick)
                else:
                    outcome = engine.run_to_precision(precision, n, most, ex, tick)
            still_running()  # the workers are stopped and the progress closed, as before
            written = write_outputs(
                job,
                ready.files,
                scenarios,
                engine,
                store,
                settings,
                time.perf_counter() - t0,
                outcome,
            )
            still_running()
        with interrupts_deferred():
            store.finish(job.force)
    except KeyboardInterrupt:
        raise stopped("interrupted", 130) from None
    except BrokenProcessPool:
        raise stopped("a worker process died", 1) from None
    except ClusterLost as exc:
        raise stopped(clean(str(exc)), 1) from None
    except NonFiniteResult as exc:
        with contextlib.suppress(OSError):
            store.discard()
        raise JobRefused(f"the run stopped, nothing was written: {clean(str(exc))}") from None
    except (StoreError, OutputError) as exc:
        raise JobRefused(str(exc)) from None
    except OSError as exc:
        raise stopped(describe_os_error(exc, "cannot write the results"), 1) from None
    except MemoryError:
        out_of_memory = True  # answered below, once the frames that hold the memory are gone
    except Exception as exc:  # a bug: say so in one line, and keep what was finished
        why = f"coachsim failed ({type(exc).__name__}: {clean(str(exc), 200)}; please report it)"
        raise stopped(why, 1) from None
    if out_of_memory:
        gc.collect()
        raise stopped(
            "the run ran out of memory (more than its estimate): lower -j, --batch-size or the "
            "team size",
            1,
        )
    return JobDone(target, scenarios, engine, written, _warnings(engine.done, outcome))


def _warnings(done: int, outcome: PrecisionOutcome | None) -> list[str]:
    """The caveats of a finished job's results, one line each."""
    out = []
    if outcome is not None and not outcome.reached:
        out.append(
            f"--precision {outcome.target:g} was not reached: after {outcome.replications:,} "
            f"replications (the --max-replications limit) the 95% CI half-width is "
            f"{_share(outcome.achieved)} of the mean, not within {_share(outcome.target)}; "
            "raise --max-replications to go on"
        )
    if done == 1:
        out.append(
            "one replication gives no interval and no probability: its figures are one possible "
            "outcome; run -n 2 or more (20 by default) to see how sure they are"
        )
    return out


def _share(x: float) -> str:
    return f"{x * 100:.3g}%" if math.isfinite(x) else "undefined (the mean is zero)"
