"""The ``coachsim`` command line: a thin layer over the :mod:`sim` library."""

from __future__ import annotations

import contextlib
import json
import math
import os
import shlex
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click
import pandas as pd

from sim.analysis.intervals import mean_ci
from sim.experiment.batches import Engine, RunResult
from sim.experiment.budget import available_memory, estimate
from sim.experiment.comparison import from_engine
from sim.experiment.executors import ClusterLost, ExecutorError, make_executor
from sim.experiment.output import (
    OutputError,
    OutputLock,
    default_output,
    describe_left_lock,
    describe_os_error,
    identity,
    write_atomic,
    write_json,
)
from sim.experiment.store import Store, StoreError
from sim.model.recorder import NonFiniteResult
from sim.report.compare import compare_report, headline
from sim.report.run import run_report
from sim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    scenario_json_schema,
    validate_scenario,
)
from sim.scenario.problems import clean
from sim.version import VERSION


class ScenarioProblems(click.ClickException):
    """Scenario errors, one line per problem, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


@contextmanager
def _progress(total: int, label: str, quiet: bool) -> Iterator[Any]:
    """A rich progress bar on a terminal, one closing line otherwise, nothing with ``quiet``.

    Yields ``tick(done, total=None)``; a new total (``--precision``) resizes the bar.
    """
    start = time.perf_counter()
    state = {"done": 0}

    def count(done: int, new_total: int | None = None) -> None:
        state["done"] = done

    if quiet:
        yield count
        return
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("replications"),
            TextColumn("{task.fields[rate]}"),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(label, total=total, rate="")

            def tick(done: int, new_total: int | None = None) -> None:
                count(done)
                rate = done / max(time.perf_counter() - start, 1e-9)
                bar.update(
                    task,
                    completed=done,
                    total=new_total or bar.tasks[0].total,
                    rate=f"{rate:.1f}/s",
                )

            yield tick
    else:
        yield count
    wall = time.perf_counter() - start
    click.echo(f"{label}: {state['done']} replications in {wall:.1f} s", err=True)


def _manifest(
    scenarios: list[Scenario],
    files: list[str],
    seed: int,
    replications: int,
    wall_s: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    import numpy
    import pandas
    import simpy

    out: dict[str, Any] = {
        "coachsim_version": VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": _command_line(),
        "seed": seed,
        "replications": replications,
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
    out.update(extra)
    out["wall_time_s"] = round(wall_s, 3)
    out["versions"] = {
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "simpy": simpy.__version__,
    }
    return out


def _print_run_summary(result: RunResult, out: Path) -> None:
    """A few lines of results for the terminal."""
    sm = result.summary
    years = result.scenario.weeks / 52.0
    m, lo, hi = mean_ci(sm["revenue"] / years)
    click.echo(
        f"Scenario {result.scenario.name}: {result.replications} replications, "
        f"{result.scenario.weeks} weeks"
    )
    click.echo(f"  revenue per year   {m:,.0f} USD (95% CI {lo:,.0f} to {hi:,.0f})")
    click.echo(
        f"  sessions held      {sm['sessions_held'].mean() / result.scenario.weeks:.1f} "
        f"per week; cancelled by meetings {sm['sessions_cancelled'].mean():,.0f}, "
        f"unscheduled {sm['sessions_unscheduled'].mean():,.0f} over the horizon"
    )
    click.echo(
        f"  top-20% share      {sm['top20_revenue_share'].mean():.1%} of rep revenue; "
        f"headroom {sm['headroom_multiple'].mean():.2f}x"
    )
    click.echo(f"Report: {out / 'report.html'}")


MAX_REPLICATIONS = 1_000_000_000
"""The most replications a command line accepts; the memory estimate refuses far fewer."""

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Group(click.Group):
    """Remembers the arguments it was called with, for the manifest."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["coachsim.argv"] = list(args)
        return super().parse_args(ctx, args)


def _command_line() -> str:
    ctx = click.get_current_context()
    return shlex.join(["coachsim", *ctx.meta.get("coachsim.argv", sys.argv[1:])])


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(VERSION, prog_name="coachsim")
def main() -> None:
    """Simulate a coached B2B sales team and what coaching returns.

    Scenarios are YAML files (see scenarios/reference.yaml). Start with:

        coachsim run scenarios/reference.yaml
    """


def _run_options(f: Any) -> Any:
    opts = [
        click.option(
            "-n",
            "--replications",
            type=click.IntRange(min=1, max=MAX_REPLICATIONS),
            default=20,
            show_default=True,
            help="Number of replications (the first round, with --precision).",
        ),
        click.option(
            "--seed",
            type=click.IntRange(min=0, max=2**63 - 1),
            default=0,
            show_default=True,
            help="Seed of the run; the same seed gives identical results.",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(path_type=Path),
            default=None,
            help="Output folder [default: outputs/<scenario name>, letters, digits, _ and - only].",
        ),
        click.option(
            "--force",
            is_flag=True,
            help="Replace an earlier coachsim output (or interrupted run) in the output folder; "
            "a folder coachsim did not write is never replaced.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors."),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1, max=1024),
            default=None,
            help="Local worker processes [default: number of cores; 1 = serial].",
        ),
        click.option(
            "--scheduler",
            metavar="tcp://HOST:PORT",
            default=None,
            help="Run on an existing Dask cluster (needs coachsim[dask]).",
        ),
        click.option(
            "--dask-local",
            type=click.IntRange(min=1, max=1024),
            default=None,
            metavar="N",
            help="Run on an in-process Dask LocalCluster of N workers.",
        ),
        click.option(
            "--cluster-timeout",
            type=click.FloatRange(min=1, max=86_400),
            default=60.0,
            show_default=True,
            metavar="SECONDS",
            help="Give up (keeping finished batches) when a Dask cluster has had no workers, "
            "or its scheduler no answer, for this long.",
        ),
        click.option(
            "--precision",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            help="Add replications until the 95% CI half-width of the headline "
            "(revenue; revenue uplift of every scenario for compare) is within "
            "P x |mean|.",
        ),
        click.option(
            "--max-replications",
            type=click.IntRange(min=2, max=MAX_REPLICATIONS),
            default=1000,
            show_default=True,
            help="Most replications --precision may run.",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1, max=100_000),
            default=None,
            help="Replications per task [default: sized from the scenarios to about half a "
            "second]. Results are identical for the same batch size.",
        ),
        click.option(
            "--resume",
            type=click.Path(path_type=Path),
            default=None,
            metavar="DIR",
            help="Complete the interrupted run in DIR (its settings are reused).",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


class Refused(click.ClickException):
    """A run that may not go ahead as asked (output in use, record changed, ...): one line."""


def _resume_command(kind: str, where: Path, opts: dict[str, Any]) -> str:
    """The command that finishes an interrupted run, with the executor options it was given."""
    args = ["coachsim", kind, "--resume", str(where)]
    for flag, key in (("-j", "jobs"), ("--scheduler", "scheduler"), ("--dask-local", "dask_local")):
        if opts.get(key) is not None:
            args += [flag, str(opts[key])]
    if opts.get("scheduler") is not None and opts.get("cluster_timeout") != 60.0:
        args += ["--cluster-timeout", f"{opts['cluster_timeout']:g}"]
    if opts.get("quiet"):
        args.append("-q")
    return shlex.join(args)


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C while the finished folder is renamed into place (two renames that belong
    together), then act on it."""
    caught: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    except ValueError:  # not the main thread: nothing to defer
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _plan(kind: str, files: list[str], opts: dict[str, Any]) -> tuple[Path, list[Scenario]]:
    """(output, scenarios) of a new run, or (output, the scenarios named, if any) of a resume,
    whose record is read once the output is locked."""
    resume: Path | None = opts["resume"]
    given = _load_all(files) if files else []
    if resume is not None:
        return Store.target_of(resume), given
    if not given:
        raise click.UsageError("name the scenario file(s), or --resume DIR")
    names = [s.name or "" for s in given]
    if len(set(names)) != len(names):
        dupes = sorted({x for x in names if names.count(x) > 1})
        raise click.ClickException(
            f"scenario names must differ within a comparison; repeated: "
            f"{', '.join(clean(d, 60) for d in dupes)} (set name: in the files)"
        )
    target = opts["output"] or default_output(kind, names, [Path(f).stem for f in files])
    if target.name.endswith((".partial", ".lock")) or target.name in ("", ".", ".."):
        raise click.UsageError(
            f"-o {target}: choose a folder name that does not end in .partial or .lock "
            "(coachsim's own working names)"
        )
    return target, given


def _resumed(
    kind: str, target: Path, given: list[Scenario], store: Store
) -> tuple[list[Scenario], dict[str, Any]]:
    """The scenarios and record of the interrupted run of ``target``, checked like a fresh run."""
    job, doc = Store.read_job(target)
    if job["kind"] != kind:
        raise Refused(
            f"{store.dir} holds a '{job['kind']}' run; resume it with coachsim "
            f"{job['kind']} --resume"
        )
    if job["coachsim_version"] != VERSION:
        raise Refused(
            f"{store.dir} was started by coachsim {job['coachsim_version']} and this is "
            f"{VERSION}: finish it with that version, or start over with --force"
        )
    problems: list[str] = []
    scenarios = []
    for i, data in enumerate(job["scenarios"]):
        try:
            scenarios.append(validate_scenario(doc, data, ("scenarios", i)))
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise ScenarioProblems("\n".join(problems))
    if [s.name for s in scenarios] != job["names"]:
        raise Refused(f"{store.dir / 'run.json'}: names do not match the scenarios' names")
    if given and [g.digest() for g in given] != [x.digest() for x in scenarios]:
        raise Refused(
            f"{store.dir} holds results of different scenarios "
            f"({', '.join(clean(n, 60) for n in job['names'])}); name no scenario to resume it "
            "as it was, or choose another -o"
        )
    store.verify(job, [s.digest() for s in scenarios])
    return scenarios, job


def _execute(kind: str, files: list[str], opts: dict[str, Any]) -> None:
    """Load, run (or resume), and write a run or a comparison.

    Order matters: everything that can be refused is checked before anything is written, the
    output is locked for the whole run, and the partial folder is created only once the run can
    start (an unreachable scheduler leaves nothing behind)."""
    target, scenarios = _plan(kind, files, opts)
    resuming = opts["resume"] is not None
    quiet = opts["quiet"]
    lock = OutputLock(target, _command_line())
    try:
        lock.acquire()
    except OutputError as exc:
        raise Refused(str(exc)) from None
    except OSError as exc:
        raise Refused(describe_os_error(exc, f"cannot lock {lock.path}")) from None
    try:
        note = describe_left_lock(lock)
        if note and not quiet:
            click.echo(note, err=True)
        _locked(kind, files, opts, target, scenarios, resuming)
    finally:
        lock.release()


def _locked(
    kind: str,
    files: list[str],
    opts: dict[str, Any],
    target: Path,
    scenarios: list[Scenario],
    resuming: bool,
) -> None:
    quiet = opts["quiet"]
    store = Store(target, [s.name or "" for s in scenarios])
    if resuming:
        try:
            scenarios, job = _resumed(kind, target, scenarios, store)
        except StoreError as exc:
            raise Refused(str(exc)) from None
        except ScenarioError as exc:
            raise ScenarioProblems(str(exc)) from None
        store.names = [s.name or "" for s in scenarios]
        files = job["files"]
        seed, n, precision, most = (
            job["seed"],
            job["replications"],
            job["precision"],
            job["max_replications"],
        )
        size = job["batch_size"]
        if not quiet:
            for line in store.notes:
                click.echo(f"note: {line}", err=True)
    else:
        seed, n, precision, most = (
            opts["seed"],
            opts["replications"],
            opts["precision"],
            opts["max_replications"],
        )
        size = opts["batch_size"]
    names = [s.name or "" for s in scenarios]
    engine = Engine(scenarios, seed, keep_weekly=False, size=size)
    engine.sink = store
    stop = n if precision is None else most
    _check_budget(scenarios, stop, engine.size, opts, quiet)
    try:
        executor = make_executor(
            opts["jobs"], opts["scheduler"], opts["dask_local"], opts["cluster_timeout"]
        )
    except ExecutorError as exc:
        raise click.ClickException(str(exc)) from None
    if not resuming:
        job = {
            "kind": kind,
            "coachsim_version": VERSION,
            "seed": seed,
            "replications": n,
            "precision": precision,
            "max_replications": most,
            "batch_size": engine.size,
            "files": files,
            "names": names,
            "scenarios": [x.canonical() for x in scenarios],
        }
        marker = identity(kind, uuid.uuid4().hex, seed=seed, scenarios=names)
        try:
            store.start(job, [s.digest() for s in scenarios], opts["force"], marker)
        except OutputError as exc:
            executor.close()
            raise Refused(str(exc)) from None
        except OSError as exc:
            executor.close()
            raise Refused(describe_os_error(exc, f"cannot create {store.dir}")) from None
    t0 = time.perf_counter()
    hint = _resume_command(kind, store.dir, opts)

    def stopped(why: str, code: int) -> NoReturn:
        if not os.path.lexists(store.dir) and (target / "manifest.json").exists():
            click.echo(f"{why} as the run finished: its results are complete in {target}", err=True)
        elif store.recorded:
            kept = f"{len(store.recorded)} finished batches kept in {store.dir}"
            click.echo(f"{why}: {kept}; finish with: {hint}", err=True)
        else:
            with contextlib.suppress(OSError):
                store.discard()
            click.echo(f"{why}: nothing was finished, nothing kept", err=True)
        raise SystemExit(code)

    try:
        with executor as ex, _progress(stop, f"{kind} {scenarios[0].name}", quiet) as tick:
            if precision is None:
                engine.run(n, ex, tick)
            else:
                engine.run_to_precision(precision, n, most, ex, tick)
        _write_outputs(kind, files, scenarios, engine, store, seed, precision, most, t0)
        with _interrupts_deferred():
            store.finish(opts["force"])
    except KeyboardInterrupt:
        click.echo("", err=True)
        stopped("interrupted", 130)
    except BrokenProcessPool:
        stopped("a worker process died", 1)
    except ClusterLost as exc:
        stopped(clean(str(exc)), 1)
    except NonFiniteResult as exc:
        with contextlib.suppress(OSError):
            store.discard()
        raise click.ClickException(
            f"the run stopped, nothing was written: {clean(str(exc))}"
        ) from None
    except (StoreError, OutputError) as exc:
        raise Refused(str(exc)) from None
    except OSError as exc:
        stopped(describe_os_error(exc, "cannot write the results"), 1)
    except Exception as exc:  # a bug: say so in one line, and keep what was finished
        stopped(
            f"coachsim failed ({type(exc).__name__}: {clean(str(exc), 200)}; please report it)", 1
        )
    if quiet:
        return
    if kind == "compare":
        cmp = from_engine(engine)
        weeks = scenarios[0].weeks
        click.echo(
            f"Against {scenarios[0].name}, {engine.done} paired replications, {weeks} weeks:"
        )
        for name in names[1:]:
            click.echo(f"  {name}: {headline(cmp.table, name, weeks)}")
        click.echo(f"Report: {target / 'report.html'}")
    else:
        _print_run_summary(engine.result(0), target)


def _check_budget(
    scenarios: list[Scenario], stop: int, size: int, opts: dict[str, Any], quiet: bool
) -> None:
    """Refuse a run that cannot fit in memory; warn about one that will take long."""
    if opts["scheduler"] is not None:
        workers = 0  # on a cluster: only this process's share is ours to check
    else:
        local = opts["dask_local"] or opts["jobs"] or os.cpu_count() or 1
        workers = min(local, math.ceil(stop / size))
    est = estimate(scenarios, stop, size, workers)
    problem = est.refusal(available_memory())
    if problem:
        raise Refused(problem)
    warning = est.warning()
    if warning and not quiet:
        click.echo(f"note: {warning}", err=True)


def _write_outputs(
    kind: str,
    files: list[str],
    scenarios: list[Scenario],
    engine: Engine,
    store: Store,
    seed: int,
    precision: float | None,
    most: int,
    t0: float,
) -> None:
    """The final tables, report and manifest, each written atomically into the partial folder,
    from exactly the batches this run merged."""
    d = store.dir
    meta = {
        "replications": engine.done,
        "seed": seed,
        "version": VERSION,
        "scenario_hash": scenarios[0].digest(),
    }
    extra = {
        "precision": precision,
        "max_replications": most if precision else None,
        "batch_size": engine.size,
    }
    store.prune()
    store.write_weekly_csv(d / "weekly.csv")
    summaries = [pd.concat(engine.summaries[i], ignore_index=True) for i in range(len(scenarios))]
    write_atomic(d / "summary.csv", pd.concat(summaries, ignore_index=True).to_csv(index=False))
    if kind == "compare":
        cmp = from_engine(engine)
        write_atomic(d / "comparison.csv", cmp.table.to_csv(index=False))
        html = compare_report(cmp, meta)
    else:
        s0 = scenarios[0]
        html = run_report(
            engine.stats[0],
            summaries[0],
            s0.name or "scenario",
            s0.description,
            s0.stage_names(),
            s0.team.managers,
            meta,
        )
    write_atomic(d / "report.html", html)
    write_json(
        d / "manifest.json",
        _manifest(scenarios, files, seed, engine.done, time.perf_counter() - t0, extra),
    )


def _load_all(files: list[str]) -> list[Scenario]:
    problems: list[str] = []
    loaded: list[Scenario] = []
    for path in files:
        try:
            loaded.append(load_scenario(path))
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise ScenarioProblems("\n".join(problems))
    return loaded


@main.command()
@click.argument("scenario", required=False, type=click.Path())
@_run_options
def run(scenario: str | None, **opts: Any) -> None:
    """Run SCENARIO and write tables and an HTML report.

    Writes weekly.csv (one row per replication and week), summary.csv (one row per
    replication), Parquet parts of both in parts/, manifest.json (the resolved scenario, seed,
    versions) and report.html to outputs/<scenario name> (or -o). Replications run on all
    cores by default; Ctrl-C keeps every finished batch, and --resume finishes the run.

    Examples:

        coachsim run scenarios/reference.yaml

        coachsim run scenarios/training_and_coaching.yaml -n 50 --seed 7 -o outputs/tc --force

        coachsim run scenarios/reference.yaml --precision 0.01 --max-replications 2000

        coachsim run --resume outputs/reference.partial
    """
    _execute("run", [scenario] if scenario else [], opts)


@main.command()
@click.argument("baseline", required=False, type=click.Path())
@click.argument("scenarios", nargs=-1, type=click.Path())
@_run_options
def compare(baseline: str | None, scenarios: tuple[str, ...], **opts: Any) -> None:
    """Compare SCENARIOS against BASELINE, paired on the same random numbers.

    Every scenario runs on the same seeds, replication by replication, so each difference is
    the programme's own effect. Writes comparison.csv (one row per scenario and metric: revenue
    uplift, incremental gross profit and cost, cost share of the gain, ROI, BCR, payback week,
    NPV, probability that ROI > 0, ... with 95% intervals), weekly.csv and summary.csv for all
    scenarios, manifest.json and report.html with an executive summary, to
    outputs/compare-<baseline>-vs-<first> (or -o).

    Examples:

        coachsim compare scenarios/reference.yaml scenarios/outside_coach.yaml

        coachsim compare scenarios/no_coaching.yaml scenarios/training_only.yaml
        scenarios/training_and_coaching.yaml -n 40 -o outputs/claims --force

        coachsim compare scenarios/reference.yaml scenarios/outside_coach.yaml --precision 0.05
    """
    files = [baseline, *scenarios] if baseline else []
    if baseline and not scenarios and opts["resume"] is None:
        raise click.UsageError("compare needs a baseline and at least one scenario")
    _execute("compare", files, opts)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES without running them.

    Prints "FILE: ok" for each valid file, or one line per problem
    (file:line:column: field: what is wrong). Exits non-zero if any file has a problem.

    Example:

        coachsim validate scenarios/*.yaml
    """
    bad = 0
    for f in files:
        try:
            load_scenario(f)
        except ScenarioError as exc:
            bad += 1
            click.echo(str(exc), err=True)
        else:
            click.echo(f"{f}: ok")
    if bad:
        raise SystemExit(2)


@main.command()
def schema() -> None:
    """Print the JSON Schema of scenario files.

    Editors use it to complete and check scenarios; the committed copy is
    scenarios/scenario.schema.json.

    Example:

        coachsim schema > scenarios/scenario.schema.json
    """
    click.echo(json.dumps(scenario_json_schema(), indent=2))


if __name__ == "__main__":
    main()
