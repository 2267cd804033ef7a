"""The ``coachsim`` command line: a thin layer over the :mod:`sim` library."""

from __future__ import annotations

import gc
import json
import os
import shlex
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from sim.job import Executor, Job, JobInvalid, JobRefused, JobStopped, run_job
from sim.job.spec import JobProblems, Kind, PoorFit, Terminal
from sim.job.terminal import done_lines, progress
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_json_schema
from sim.scenario.fields import as_share, not_a_share
from sim.scenario.uncertain import is_share_path
from sim.version import VERSION

BASELINE_WEEKS: dict[str, Any] = {
    "type": click.IntRange(min=1, max=260),
    "default": 13,
    "show_default": True,
}
"""The weeks of a pilot's baseline period, as export-crm --pilot-teams, pilot and learn take
them (the default is sim.pilot.design.BASELINE_WEEKS, held equal by a test; not imported here:
sim.pilot loads the CRM readers, which most commands never need)."""

F = TypeVar("F", bound=Callable[..., Any])
"""A click command function, as a decorator of options gets and returns it."""


class ScenarioProblems(click.ClickException):
    """Scenario errors, one line per problem, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        """Print the problems as they are, one per line, without click's prefix."""
        click.echo(self.message, err=True)


MAX_REPLICATIONS = 1_000_000_000
"""The most replications a command line accepts; the memory estimate refuses far fewer."""

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Group(click.Group):
    """Remembers the arguments it was called with, for the manifest."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["coachsim.argv"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; running out of memory ends in one line, not a traceback."""
        try:
            return super().invoke(ctx)
        except MemoryError:
            pass  # answered below, once the frames that hold the memory are released
        gc.collect()
        raise click.ClickException(
            "this machine ran out of memory: try a smaller team, export or horizon, or a "
            "machine with more memory"
        )


def _program() -> list[str]:
    """The words that started this program, to be typed again: ``coachsim`` when that name on
    the PATH is this program, else the path or the ``python cli.py`` / ``python -m cli`` form
    it was started with; ``coachsim`` when called from Python (a notebook, a test's runner)."""
    argv = click.get_current_context().find_root().meta.get("coachsim.argv")
    if argv is None or argv != sys.argv[1:]:
        return ["coachsim"]
    script = sys.argv[0]
    typed = list(getattr(sys, "orig_argv", [sys.executable, *sys.argv]))
    words = typed[: len(typed) - len(argv)]  # the interpreter, its options, the script or -m
    if "-m" in words or script.endswith(".py") or not os.path.isfile(script):
        return words
    # An installed script: the shell hands over the path it found on the PATH.
    name = os.path.basename(script)
    found = shutil.which(name)
    if found is not None and os.path.samefile(found, script):
        return [name]
    return [script]


def _command_line() -> str:
    """The command line as typed, for the manifest (and the output's lock)."""
    ctx = click.get_current_context()
    return shlex.join([*_program(), *ctx.find_root().meta.get("coachsim.argv", sys.argv[1:])])


def _given(ctx: click.Context, names: tuple[str, ...]) -> frozenset[str]:
    """The options of ``names`` the user typed (not left at their defaults)."""
    from click.core import ParameterSource

    defaults = (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)
    return frozenset(n for n in names if ctx.get_parameter_source(n) not in defaults)


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(VERSION, prog_name="coachsim")
def main() -> None:
    """Simulate a coached B2B sales team and what coaching returns.

    Scenarios are YAML files (see scenarios/reference.yaml). Start with:

    \b
        coachsim run scenarios/reference.yaml
    """  # noqa: D301 (click keeps a paragraph after \b as written)


def _run_options(f: Any) -> Any:
    opts = [
        click.option(
            "-n",
            "--replications",
            type=click.IntRange(min=1, max=MAX_REPLICATIONS),
            default=None,
            help="Number of replications [default: 20] (the first round, with --precision); "
            "with uncertain inputs, replications per draw [default: 2].",
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
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings."),
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
            help="Complete the interrupted run in DIR with the settings it was started with; an "
            "option that differs from them is refused.",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


class Invalid(click.ClickException):
    """Settings that do not make sense together: one line, exit code 2."""

    exit_code = 2


class PoorFitExit(ScenarioProblems):
    """A fit that does not reproduce the export: the table of what it missed, exit code 3."""

    exit_code = 3


@contextmanager
def _answered() -> Iterator[None]:
    """A job's refusals as the command line ends: one line per problem and exit status 2 for
    bad input (3 for a poor fit), 1 for a job that may not go ahead; never a traceback."""
    try:
        yield
    except PoorFit as exc:
        raise PoorFitExit(str(exc)) from None
    except (JobProblems, ScenarioError) as exc:
        raise ScenarioProblems(str(exc)) from None
    except JobInvalid as exc:
        raise Invalid(str(exc)) from None
    except JobRefused as exc:
        raise click.ClickException(str(exc)) from None
    except JobStopped as stop:
        click.echo(stop.why, err=True)
        raise SystemExit(stop.code) from None


def _terminal(opts: dict[str, Any]) -> Terminal:
    """What a job may do at the terminal: print, note, show progress (none with -q), and run
    on the workers the options ask for."""
    quiet = bool(opts.get("quiet"))
    return Terminal(
        say=click.echo,
        note=lambda line: click.echo(line, err=True),
        progress=lambda total, label: progress(total, label, quiet),
        workers=lambda tasks: _pilot_executor(opts, tasks),
        command=_command_line(),
    )


def _resume_command(kind: str, where: Path, opts: dict[str, Any]) -> str:
    """The command that finishes an interrupted run, with the executor options it was given."""
    args = [*_program(), kind, "--resume", str(where)]
    for flag, key in (("-j", "jobs"), ("--scheduler", "scheduler"), ("--dask-local", "dask_local")):
        if opts.get(key) is not None:
            args += [flag, str(opts[key])]
    if opts.get("scheduler") is not None and opts.get("cluster_timeout") != 60.0:
        args += ["--cluster-timeout", f"{opts['cluster_timeout']:g}"]
    if opts.get("quiet"):
        args.append("-q")
    return shlex.join(args)


def _job(kind: Kind, files: list[str], opts: dict[str, Any]) -> Job:
    """The job the options describe (scenario files read and checked first)."""
    if not files and opts["resume"] is None:
        raise click.UsageError("name the scenario file(s), or --resume DIR")
    return Job(
        kind=kind,
        scenarios=tuple(_load_all(files)),
        files=tuple(files),
        replications=opts["replications"],
        uncertainty=opts.get("uncertainty"),
        sets=opts.get("sets", ()),
        sobol=opts.get("sobol"),
        seed=opts["seed"],
        precision=opts["precision"],
        max_replications=opts["max_replications"],
        batch_size=opts["batch_size"],
        output=opts["output"],
        force=opts["force"],
        resume=opts["resume"],
        executor=Executor(
            jobs=opts["jobs"],
            scheduler=opts["scheduler"],
            dask_local=opts["dask_local"],
            cluster_timeout_s=opts["cluster_timeout"],
        ),
        command=_command_line(),
        given=_given(click.get_current_context(), _SAVED_OPTIONS),
    )


_SAVED_OPTIONS = (
    "replications",
    "seed",
    "precision",
    "max_replications",
    "batch_size",
    "output",
    "uncertainty",
    "sobol",
    "sets",
)
"""Options an interrupted run saved: a resume refuses one given with another value."""


def _execute(kind: Kind, files: list[str], opts: dict[str, Any]) -> None:
    """Build the job, run it, and say how it went."""
    job = _job(kind, files, opts)
    quiet = opts["quiet"]

    def note(line: str) -> None:
        if not quiet:
            click.echo(f"note: {line}", err=True)

    try:
        done = run_job(job, lambda total, label: progress(total, label, quiet), note)
    except ScenarioError as exc:
        raise ScenarioProblems(str(exc)) from None
    except JobInvalid as exc:
        raise Invalid(str(exc)) from None
    except JobRefused as exc:
        raise click.ClickException(str(exc)) from None
    except JobStopped as stop:
        if stop.code == 130:
            click.echo("", err=True)
        if stop.complete is not None:
            click.echo(
                f"{stop.why} as the run finished: its results are complete in {stop.complete}",
                err=True,
            )
        elif stop.kept is not None:
            click.echo(
                f"{stop.why}: {stop.batches} finished batches kept in {stop.kept}; finish "
                f"with: {_resume_command(kind, stop.kept, opts)}",
                err=True,
            )
        else:
            click.echo(f"{stop.why}: nothing was finished, nothing kept", err=True)
        raise SystemExit(stop.code) from None
    for line in done.warnings:  # with --quiet too: they say the figures are weaker than asked
        click.echo(f"warning: {line}", err=True)
    if not quiet:
        for line in done_lines(done):
            click.echo(line)


def _parse_set(text: str) -> tuple[str, tuple[float, ...]]:
    """``PATH=V1,V2,...`` as (path, values)."""
    path, eq, rest = text.partition("=")
    values = []
    for v in rest.split(","):
        share = as_share(v)
        if share is not v:
            if not is_share_path(path.strip()):
                raise click.BadParameter(
                    f"{text!r}: {not_a_share(v, path.strip())}", param_hint="--set"
                )
            values.append(share)
            continue
        try:
            values.append(float(v))
        except ValueError:
            raise click.BadParameter(
                f"{text!r}: {v.strip()!r} is not a number; write PATH=V1,V2,..., e.g. "
                "outside_coach.hours_per_week=5,10,20",
                param_hint="--set",
            ) from None
    if not eq or not path.strip():
        raise click.BadParameter(
            f"{text!r}: write PATH=V1,V2,..., e.g. outside_coach.hours_per_week=5,10,20",
            param_hint="--set",
        )
    if len(set(values)) != len(values):
        raise click.BadParameter(f"{text!r}: a value is listed twice", param_hint="--set")
    return path.strip(), tuple(values)


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

    \b
        coachsim run scenarios/reference.yaml
        coachsim run scenarios/training_and_coaching.yaml -n 50 --seed 7 \\
            -o outputs/tc --force
        coachsim run scenarios/reference.yaml --precision 0.01 \\
            --max-replications 2000
        coachsim run --resume outputs/reference.partial
    """  # noqa: D301 (click keeps a paragraph after \b as written)
    _execute("run", [scenario] if scenario else [], opts)


@main.command()
@click.argument("baseline", required=False, type=click.Path())
@click.argument("scenarios", nargs=-1, type=click.Path())
@_run_options
@click.option(
    "--uncertainty",
    type=click.IntRange(min=0, max=MAX_REPLICATIONS),
    default=None,
    metavar="N",
    help="Draws of the uncertain inputs (the files' uncertain: blocks), each run -n times "
    "on the same random numbers in every scenario [default: 512 when a file has an uncertain: "
    "block; 0: use the files' values].",
)
@click.option(
    "--sobol",
    type=click.IntRange(min=8, max=1 << 20),
    default=None,
    metavar="N",
    help="Sobol indices of the NPV: a Saltelli design of N x (inputs + 2) draws of the "
    "uncertain inputs (N a power of two; 64 or more) instead of --uncertainty draws.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=V1,V2,...",
    callback=lambda ctx, param, value: tuple(_parse_set(v) for v in value),
    help="Sweep a setting of every alternative over these values, e.g. "
    "outside_coach.hours_per_week=5,10,20 (repeat for a grid): one comparison per setting, "
    "all on the same random numbers, written to sweep.csv.",
)
def compare(baseline: str | None, scenarios: tuple[str, ...], **opts: Any) -> None:
    """Compare SCENARIOS against BASELINE, paired on the same random numbers.

    Every scenario runs on the same seeds, replication by replication, so each difference is
    the programme's own effect. Writes comparison.csv (one row per scenario and metric: revenue
    uplift, incremental gross profit and cost, cost share of the gain, ROI, BCR, payback week,
    NPV, probability that ROI > 0, ... with 95% intervals), weekly.csv and summary.csv for all
    scenarios, manifest.json and report.html with an executive summary, to
    outputs/compare-<baseline>-vs-<first> (or -o).

    Examples:

    \b
        coachsim compare scenarios/reference.yaml scenarios/outside_coach.yaml
        coachsim compare scenarios/no_coaching.yaml scenarios/training_only.yaml \\
            scenarios/training_and_coaching.yaml -n 40 -o outputs/claims --force
        coachsim compare scenarios/reference.yaml scenarios/outside_coach.yaml \\
            --precision 0.05

    How sure are we? A file with an uncertain: block (or uncertain: defaults) runs 512 draws of
    its uncertain inputs and adds draws.csv, uncertainty.csv and a "How sure are we?" section:

    \b
        coachsim compare scenarios/reference.yaml \\
            scenarios/outside_coach_uncertain.yaml
        coachsim compare scenarios/reference.yaml \\
            scenarios/outside_coach_uncertain.yaml --sobol 64

    Sweeps (one comparison per setting, written to sweep.csv):

    \b
        coachsim compare scenarios/reference.yaml scenarios/outside_coach.yaml \\
            --set outside_coach.hours_per_week=5,10,20 -n 10
    """  # noqa: D301 (click keeps a paragraph after \b as written; a raw string would not)
    files = [baseline, *scenarios] if baseline else []
    if baseline and not scenarios and opts["resume"] is None:
        raise click.UsageError("compare needs a baseline and at least one scenario")
    _execute("compare", files, opts)


def _team_file_options(f: Any) -> Any:
    """--base, --seed and -o of the commands that write a team's scenario (calibrate, init)."""
    for option in (
        click.option(
            "-o",
            "--output",
            type=click.Path(),
            default="my_team.yaml",
            show_default=True,
            help="The scenario file to write.",
        ),
        click.option(
            "--seed",
            type=int,
            default=1,
            show_default=True,
            help="Seed of the fitting simulations.",
        ),
        click.option(
            "--base",
            type=click.Path(),
            default=None,
            help="The scenario whose stages (init), coaching, calendars and skill dynamics the "
            "team keeps [default: the reference].",
        ),
    ):
        f = option(f)
    return f


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip()) if text else ()


@main.command()
@click.argument("opportunities", type=click.Path())
@click.option(
    "--history",
    type=click.Path(),
    help="Salesforce OpportunityHistory export "
    "(OpportunityId, StageName, CreatedDate); HubSpot exports carry theirs in "
    'their "Date entered" columns. Without either, the figures a final-stage export holds '
    "are fitted on the base scenario's stage shape.",
)
@click.option(
    "--format",
    "shape",
    type=click.Choice(["salesforce", "hubspot", "generic"]),
    default=None,
    help="The export's format [default: told from its header].",
)
@click.option(
    "--columns",
    type=click.Path(),
    metavar="MAP.yaml",
    help="Other column names, one 'field: column' line each (fields: deal, owner, "
    "stage, amount, created, closed, won, is_closed, role, currency, pipeline).",
)
@click.option(
    "--stages",
    metavar="A,B,...",
    default=None,
    help="The open stages in order [default: the export's stage sort order or probability, "
    "else the moves most deals make].",
)
@click.option(
    "--won-stages",
    metavar="A,B,...",
    default=None,
    help="Stages that mean won, for an export without a won column [default: names like "
    "Won or Closed Won, in several languages].",
)
@click.option(
    "--lost-stages", metavar="A,B,...", default=None, help="Stages that mean lost (as above)."
)
@click.option(
    "--rates",
    type=click.Path(),
    metavar="FILE",
    default=None,
    help="A CSV currency,usd_per_unit: amounts in several currencies converted to US dollars.",
)
@click.option(
    "--currency",
    metavar="CODE",
    default=None,
    help="Use only the deals in this currency (the others are set aside).",
)
@click.option(
    "--pipeline",
    metavar="NAME",
    default=None,
    help="Use only this pipeline's deals (an export with a Pipeline column of several).",
)
@click.option(
    "--encoding",
    metavar="NAME",
    default=None,
    help="The files' encoding, e.g. cp1252 [default: detected, and said when not UTF-8].",
)
@click.option(
    "--date-order",
    type=click.Choice(["dmy", "mdy", "ymd"]),
    default=None,
    help="How dates such as 03/04/2024 are written [default: from the dates that can only "
    "be read one way, else from the file's dialect, and said].",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The export's date [default: the latest date in it].",
)
@click.option("--name", default=None, help="The scenario's name [default: from -o].")
@_team_file_options
@click.option(
    "--report",
    type=click.Path(),
    default=None,
    metavar="DIR",
    help="Also write DIR/report.html: your CRM against the simulated team, the data-quality "
    "ledger and a backtest (fitted without the last quarter, predicting it); "
    "DIR/backtest.csv and DIR/data_quality.csv hold their figures.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse the export if any row would be repaired or set aside.",
)
@click.option(
    "--accept-poor-fit",
    is_flag=True,
    help="Write the scenario even if the simulated team misses figures of the export (they "
    "are listed at the top of the file).",
)
@click.option(
    "--force", is_flag=True, help="Replace the file (and the report folder) if they exist."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the file written.")
def calibrate(opportunities: str, **opts: Any) -> None:
    """Write a scenario of your own team from its CRM export.

    Reads the opportunities (Salesforce, HubSpot or a generic CSV, in any common encoding,
    delimiter, date and number format) and their stage history, and keeps a ledger of every
    row: used, repaired by a stated rule, or set aside with its reason. Estimates each stage's
    conversion and days (open deals counted as undecided, not lost), new opportunities per
    rep, the booked deal size and how concentrated revenue is, each with a 95% interval; then
    fits the model's settings by simulation until the simulated team's CRM shows the same,
    and writes a complete scenario with each estimate beside its setting and an uncertain:
    block from the intervals. A fit that leaves a figure outside its interval exits with
    status 3 and says which and why (--accept-poor-fit writes it anyway).

    Examples:

    \b
        coachsim calibrate examples/crm/opportunities.csv \\
            --history examples/crm/history.csv --report outputs/my_team-fit
        coachsim calibrate opportunities.csv --history history.csv \\
            --rates rates.csv -o acme.yaml
        coachsim calibrate deals.csv --format hubspot --pipeline "Sales Pipeline"
        coachsim calibrate sales_pipeline.csv --columns map.yaml -o team.yaml
        coachsim calibrate export.csv --history changes.csv --encoding cp1252 \\
            --date-order dmy --as-of 2026-03-31
    """  # noqa: D301 (click keeps a paragraph after \b as written)
    from sim.calibration.command import read_columns
    from sim.calibration.exports import ExportError, Options, read_rates
    from sim.job.folder import check_folder
    from sim.job.team import Calibration, calibrate_team, team_file

    with _answered():
        out = team_file(opts["output"], opts["force"])
        if opts["report"]:
            check_folder(Path(opts["report"]), opts["force"], "--report ")
        base = _load_all([opts["base"]])[0] if opts["base"] else Scenario()
        try:
            options = Options(
                shape=opts["shape"],
                columns=read_columns(opts["columns"]) if opts["columns"] else None,
                encoding=opts["encoding"],
                date_order=opts["date_order"],
                won_stages=_names(opts["won_stages"]),
                lost_stages=_names(opts["lost_stages"]),
                currency=opts["currency"],
                rates=read_rates(opts["rates"]) if opts["rates"] else None,
                pipeline=opts["pipeline"],
                strict=opts["strict"],
            )
        except ExportError as exc:
            raise JobProblems("\n".join(exc.problems)) from None
        job = Calibration(
            opportunities,
            opts["history"],
            options,
            base,
            opts["name"] or out.stem,
            _names(opts["stages"]) or None,
            opts["as_of"].date() if opts["as_of"] else None,
            opts["seed"],
            out,
            Path(opts["report"]) if opts["report"] else None,
            opts["force"],
            opts["accept_poor_fit"],
            opts["quiet"],
        )
        calibrate_team(job, _terminal(opts))


def _init_options(f: Any) -> Any:
    from sim.calibration.init import QUESTIONS

    for name, q in reversed(list(QUESTIONS.items())):
        f = click.option(
            f"--{name.replace('_', '-')}",
            name,
            default=None,
            metavar="N" if not q.share else "SHARE",
            help=f"{q.prompt} [asked if not given; default {q.default:g}]"
            + (" (0.25 or 25%)" if q.share else ""),
        )(f)
    return f


@main.command()
@_init_options
@click.option("--ask", is_flag=True, help="Ask for what is not given even without a terminal.")
@click.option("-y", "--yes", is_flag=True, help="Take the default for anything not given.")
@_team_file_options
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def init(**opts: Any) -> None:
    """Write a scenario of your team from a few business figures.

    Asks what a sales leader knows (managers, reps per manager, the average booked deal, the
    win rate, the sales cycle, new opportunities per rep per month, the share of a manager's
    week spent coaching, the horizon), or takes them as options, and fits the model's
    settings by simulation so that the simulated team shows those figures. With a CRM export,
    coachsim calibrate estimates far more, with intervals.

    Examples:

    \b
        coachsim init -o acme.yaml
        coachsim init --managers 3 --reps-per-manager 7 --deal-usd 45000 \\
            --win-rate 20% --cycle-days 90 --opportunities-per-month 10 \\
            --coaching-share 10% --months 24 -o acme.yaml
    """  # noqa: D301 (click keeps a paragraph after \b as written)
    from sim.calibration.init import QUESTIONS, answer
    from sim.job.team import init_team, team_file

    with _answered():
        out = team_file(opts["output"], opts["force"])
        ask = opts["ask"] or (not opts["yes"] and sys.stdin.isatty())
        values: dict[str, float] = {}
        problems = []
        missing = False
        for name, q in QUESTIONS.items():
            given = opts[name]
            if given is None and ask:
                while True:
                    text = click.prompt(q.prompt, default=f"{q.default:g}")
                    try:
                        values[name] = answer(name, text)
                        break
                    except ValueError as exc:
                        click.echo(str(exc), err=True)
                continue
            if given is None and not opts["yes"]:
                what = q.prompt[0].lower() + q.prompt[1:]
                problems.append(f"--{name.replace('_', '-')}: not given ({what})")
                missing = True
                continue
            try:
                values[name] = answer(name, given) if given is not None else q.default
            except ValueError as exc:
                problems.append(f"--{name.replace('_', '-')}: {str(exc).split(': ', 1)[1]}")
        if problems:
            if missing:
                problems.append(
                    "give them, use -y for the defaults, or run in a terminal to be asked"
                )
            raise JobProblems("\n".join(problems))
        base = _load_all([opts["base"]])[0] if opts["base"] else Scenario()
        init_team(values, base, out, opts["seed"], _terminal(opts))


@main.command(name="export-crm")
@click.argument("scenario", type=click.Path())
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    default=None,
    help="The folder to write [default: outputs/<scenario name>-crm].",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the run.")
@click.option(
    "--replication",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Which replication of the run to export (each is another team of the same scenario).",
)
@click.option(
    "--messy",
    is_flag=True,
    help="Add what real exports have: blank amounts, skipped stages, late closes.",
)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The date of the simulation's first day [default: 2024-01-01].",
)
@click.option(
    "--pilot-teams",
    type=click.IntRange(min=1),
    default=None,
    help="Export a pilot instead: SCENARIO's outside coach on this many teams after a baseline "
    "period, the rest without it; coached.csv says who was in it (for coachsim learn).",
)
@click.option(
    "--pilot-weeks",
    type=click.IntRange(min=1),
    default=26,
    show_default=True,
    help="With --pilot-teams: the pilot's weeks.",
)
@click.option(
    "--baseline-weeks",
    **BASELINE_WEEKS,
    help="With --pilot-teams: weeks before the pilot starts.",
)
@click.option("--force", is_flag=True, help="Replace the folder if coachsim wrote it.")
def export_crm(scenario: str, **opts: Any) -> None:
    """Write a simulated team's deals as a Salesforce export.

    Runs one replication of SCENARIO and writes opportunities.csv (Id, OwnerId, OwnerRole,
    StageName, Amount, CreatedDate, CloseDate, IsClosed, IsWon) and history.csv (OpportunityId,
    StageName, CreatedDate), open deals at the horizon left open: a team whose every setting is
    known, to try coachsim calibrate on.

    Examples:

    \b
        coachsim export-crm scenarios/reference.yaml -o outputs/reference-crm
        coachsim export-crm scenarios/reference.yaml --messy --seed 7 \\
            -o outputs/messy --force
    """  # noqa: D301 (click keeps a paragraph after \b as written)
    from sim.job.team import CrmExport, export_crm

    job = CrmExport(
        _load_all([scenario])[0],
        Path(opts["output"]) if opts["output"] else None,
        opts["force"],
        opts["seed"],
        opts["replication"],
        opts["start"].date() if opts["start"] else None,
        opts["messy"],
        opts["pilot_teams"],
        opts["pilot_weeks"],
        opts["baseline_weeks"],
    )
    with _answered():
        export_crm(job, _terminal(opts))


def _output_options(default: str) -> Callable[[F], F]:
    """-o and --force, for a command whose output folder defaults to ``default``."""

    def add(f: F) -> F:
        f = click.option(
            "--force", is_flag=True, help="Replace the output folder if coachsim wrote it."
        )(f)
        return click.option(
            "-o",
            "--output",
            type=click.Path(path_type=Path),
            default=None,
            help=f"Output folder [default: {default}].",
        )(f)

    return add


def _pilot_executor(opts: dict[str, Any], tasks: int) -> Any:
    """The executor pilot and learn run on (-j, --scheduler, --dask-local); one line if none."""
    from sim.experiment.executors import ExecutorError, make_executor

    try:
        return make_executor(opts["jobs"], opts["scheduler"], opts["dask_local"], tasks=tasks)
    except ExecutorError as exc:
        raise click.ClickException(str(exc)) from None


def _worker_options(f: Any) -> Any:
    """The options pilot, learn and optimise share: the seed, the workers, quiet."""
    for option in (
        click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
        click.option(
            "--dask-local",
            type=click.IntRange(min=1, max=1024),
            default=None,
            metavar="N",
            help="Run on an in-process Dask LocalCluster of N workers.",
        ),
        click.option(
            "--scheduler",
            metavar="tcp://HOST:PORT",
            default=None,
            help="Run on an existing Dask cluster (needs coachsim[dask]).",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            default=None,
            help="Local worker processes [default: all cores].",
        ),
        click.option(
            "--seed",
            type=click.IntRange(min=0, max=2**63 - 1),
            default=0,
            show_default=True,
            help="Seed; the same seed gives identical results.",
        ),
    ):
        f = option(f)
    return f


def _pilot_options(f: Any) -> Any:
    """The options pilot and learn share: the baseline period, the draws, seed, workers."""
    for option in (
        click.option(
            "--draws",
            type=click.IntRange(min=16, max=100_000),
            default=512,
            show_default=True,
            help="Draws of the uncertain inputs (worlds), each with a pilot simulated in it.",
        ),
        click.option(
            "--baseline-weeks",
            **BASELINE_WEEKS,
            help="Weeks before the pilot each team is compared with.",
        ),
        _worker_options,
    ):
        f = option(f)
    return f


@main.command()
@click.argument("baseline", type=click.Path())
@click.argument("option", type=click.Path())
@click.option(
    "--teams",
    default=None,
    help="Teams given the option in the pilot, comma-separated [default: a quarter, half and "
    "three quarters of the managers' teams].",
)
@click.option(
    "--weeks",
    default=None,
    help="Pilot lengths in weeks, comma-separated [default: 8,13,26,39, those within three "
    "quarters of the horizon].",
)
@click.option(
    "--measure",
    type=click.Choice(["stage_progress", "win_rate", "bookings"]),
    default="stage_progress",
    show_default=True,
    help="What the pilot is judged by: stage progress (share of deals leaving a stage that "
    "move on), the win rate of deals decided, or bookings per rep per week.",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1, max=100),
    default=1,
    show_default=True,
    help="Paired replications per draw of rolling out against the baseline.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(min=0.001, max=0.5),
    default=0.05,
    show_default=True,
    help="Two-sided significance level of the pilot's test (for power).",
)
@_output_options("outputs/pilot-<option name>")
@_pilot_options
def pilot(baseline: str, option: str, **opts: Any) -> None:
    """Design a pilot of OPTION on some of BASELINE's teams and say what it is worth.

    OPTION is BASELINE plus an outside coach, with uncertain inputs (an uncertain: block, or
    uncertain: defaults). For each draw of them, rolling the coach out to every team is run
    against BASELINE, and each candidate pilot (some teams coached for some weeks after a
    baseline period, the rest not) is simulated on the same team and luck, its deals measured
    as the real pilot's export will be. Says whether to roll out now, pilot (which design), or
    do nothing; each pilot's power, minimum detectable effect and expected net benefit against
    deciding now (its delay counted); and the decision rule to fix before it starts. Writes
    report.html, designs.csv, pilots.csv, draws.csv and teaches.csv.

    Examples:

    \b
        coachsim pilot scenarios/reference.yaml \\
            scenarios/outside_coach_unproven.yaml
        coachsim pilot scenarios/reference.yaml \\
            scenarios/outside_coach_evidence.yaml --teams 2,4 --weeks 13,26
    """  # noqa: D301 (click keeps a paragraph after \b as written)
    from sim.job.pilot import PilotStudy
    from sim.job.pilot import pilot as run_pilot

    base, opt = _load_all([baseline, option])
    with _answered():
        job = PilotStudy(
            base,
            opt,
            baseline,
            option,
            opts["teams"],
            opts["weeks"],
            opts["baseline_weeks"],
            opts["alpha"],
            opts["measure"],
            opts["draws"],
            opts["replications"],
            opts["seed"],
            opts["output"],
            opts["force"],
        )
        run_pilot(job, _terminal(opts))


@main.command()
@click.argument("option", type=click.Path())
@click.argument("opportunities", type=click.Path())
@click.option(
    "--coached",
    type=click.Path(),
    required=True,
    help="CSV of who was in the pilot: owner (the export's OwnerId), team, and coached_from "
    "(YYYY-MM-DD) on the coached teams' rows, blank on the others'.",
)
@click.option(
    "--history",
    type=click.Path(),
    default=None,
    help="The stage history export (Salesforce OpportunityHistory); without it, stage progress "
    "is read from HubSpot's 'Date entered' columns if there are any.",
)
@click.option("--encoding", default=None, help="The files' encoding [default: detected].")
@click.option(
    "--end",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The pilot's last day [default: the latest date in the export].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    default=None,
    help="The scenario file to write [default: <option file's name>_after_pilot.yaml, here].",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@_pilot_options
def learn(option: str, opportunities: str, **opts: Any) -> None:
    """Update OPTION's uncertain inputs with what its pilot showed.

    Reads the pilot's CRM export as calibrate does (with the same data-quality ledger),
    measures each team's change in stage progress, win rate and bookings against its own
    baseline, and compares the coached teams with the others. Then simulates a pilot of the
    same shape in every draw of OPTION's uncertain inputs and keeps the draws whose pilots
    looked like this one (approximate Bayesian computation with regression adjustment). Writes
    a scenario that extends OPTION with the updated uncertain: block, each input's before and
    after side by side; coachsim compare on it gives the business case after the pilot.

    Examples:

    \b
        coachsim export-crm scenarios/outside_coach_unproven.yaml \\
            --pilot-teams 4 -o outputs/pilot-crm
        coachsim learn scenarios/outside_coach_unproven.yaml \\
            outputs/pilot-crm/opportunities.csv \\
            --history outputs/pilot-crm/history.csv \\
            --coached outputs/pilot-crm/coached.csv
    """  # noqa: D301 (click keeps a paragraph after \b as written)
    from sim.job.pilot import Learning
    from sim.job.pilot import learn as learn_from_pilot

    job = Learning(
        _load_all([option])[0],
        option,
        opportunities,
        opts["history"],
        opts["coached"],
        opts["encoding"],
        opts["end"].date() if opts["end"] else None,
        opts["baseline_weeks"],
        opts["draws"],
        opts["seed"],
        Path(opts["output"]) if opts["output"] else None,
        opts["force"],
    )
    with _answered():
        learn_from_pilot(job, _terminal(opts))


@main.command()
@click.argument("baseline", type=click.Path())
@click.argument("option", type=click.Path())
@click.argument("space", type=click.Path())
@click.option(
    "--zone",
    type=click.FloatRange(min=1.0, max=1e12),
    default=250_000.0,
    show_default=True,
    metavar="USD",
    help="Indifference zone: the smallest difference in expected NPV (over the horizon) worth "
    "telling plans apart by.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(min=0.001, max=0.5),
    default=0.05,
    show_default=True,
    help="The chance the procedure may miss a best plan that is a zone better than the rest.",
)
@click.option(
    "--draws",
    type=click.IntRange(min=32, max=100_000),
    default=128,
    show_default=True,
    help="The most draws of the uncertain inputs a plan is run on (the first 32 for every plan).",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1, max=100),
    default=1,
    show_default=True,
    help="Paired replications per draw of each plan against the baseline.",
)
@_output_options("outputs/optimise-<option name>")
@click.option("--resume", is_flag=True, help="Finish a stopped search (its .partial folder).")
@_worker_options
def optimise(baseline: str, option: str, space: str, **opts: Any) -> None:
    """Find the best plan: OPTION with the choices of SPACE, each against BASELINE.

    SPACE is a YAML file of the choices a sales leader controls (the outside coach's hours,
    format and style, the focus, coach-the-coach, protected coaching time...), how many plans
    to try and a budget. Every plan is run on the same draws of OPTION's uncertain inputs and
    the same luck; after the first 32 draws a screen drops the plans clearly behind, and Kim and
    Nelson's procedure runs the rest on more draws until one is left. Says the best plan and how
    sure that is, the plans within --zone of it, and the cheapest of those; writes them as
    scenario files (plans/) with report.html, plans.csv and evaluations.csv. Ctrl-C keeps every
    finished draw; --resume goes on.

    Examples:

    \b
        coachsim optimise scenarios/reference.yaml \\
            scenarios/outside_coach_evidence.yaml \\
            scenarios/spaces/outside_coach.yaml
        coachsim optimise scenarios/reference.yaml \\
            scenarios/outside_coach_evidence.yaml \\
            scenarios/spaces/outside_coach.yaml --zone 100000 --draws 256
    """  # noqa: D301 (click keeps a paragraph after \b as written)
    from sim.job.optimise import Asked
    from sim.job.optimise import optimise as search

    base, opt = _load_all([baseline, option])
    job = Asked(
        base,
        opt,
        baseline,
        option,
        space,
        opts["zone"],
        opts["alpha"],
        opts["draws"],
        opts["replications"],
        opts["seed"],
        opts["output"],
        opts["force"],
        opts["resume"],
    )
    with _answered():
        search(job, _terminal(opts))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-q", "--quiet", is_flag=True, help="Print only ok, problems and warnings.")
def validate(files: tuple[str, ...], quiet: bool) -> None:
    """Check scenario FILES without running them.

    Prints "FILE: ok" for each valid file, with the figures a sales leader would check (the
    team, win rate, sales cycle and revenue per rep at base rates, a manager's week by
    activity, the outside coach's week) and warnings of workloads the model will cut (coaching
    beyond the hours left, an outside coach booked beyond its hours); or one line per problem
    (file:line:column: field: what is wrong). Exits non-zero if any file has a problem.

    Examples:

    \b
        coachsim validate scenarios/*.yaml
        coachsim validate my_team.yaml -q
    """  # noqa: D301 (click keeps a paragraph after \b as written)
    from sim.job.team import check_files

    if check_files(list(files), quiet, _terminal({"quiet": quiet})):
        raise SystemExit(2)


@main.command()
def schema() -> None:
    """Print the JSON Schema of scenario files.

    Editors use it to complete and check scenarios; the committed copy is
    scenarios/scenario.schema.json.

    Example:

    \b
        coachsim schema > scenarios/scenario.schema.json
    """  # noqa: D301 (click keeps a paragraph after \b as written)
    click.echo(json.dumps(scenario_json_schema(), indent=2))


if __name__ == "__main__":
    main()
