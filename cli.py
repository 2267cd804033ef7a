"""The ``coachsim`` command line: a thin layer over the :mod:`sim` library."""

from __future__ import annotations

import json
import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pandas as pd

import sim
from sim.compare import compare as run_comparison
from sim.config import Scenario, ScenarioError, load_scenario
from sim.output import OutputExists, check_target, write_atomically, write_json
from sim.report import run_report
from sim.report_compare import compare_report, headline
from sim.runner import RunResult, run_scenario
from sim.stats import mean_ci


class ScenarioProblems(click.ClickException):
    """Scenario errors, one line per problem, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def _load(path: str) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise ScenarioProblems(str(exc)) from None


@contextmanager
def _progress(total: int, label: str, quiet: bool) -> Iterator[Any]:
    """A rich progress bar on a terminal, one closing line otherwise, nothing with ``quiet``."""
    start = time.perf_counter()
    if quiet:
        yield lambda done: None
        return
    if sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("replications"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(label, total=total)
            yield lambda done: bar.update(task, completed=done)
    else:
        yield lambda done: None
    click.echo(f"{label}: {total} replications in {time.perf_counter() - start:.1f} s", err=True)


def _manifest(result: RunResult, files: list[str], wall_s: float) -> dict[str, Any]:
    s = result.scenario
    import numpy
    import pandas
    import simpy

    return {
        "coachsim_version": sim.__version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": _command_line(),
        "seed": result.seed,
        "replications": result.replications,
        "scenario_name": s.name,
        "scenario_files": files,
        "scenario_hash": s.digest(),
        "scenario": s.canonical(),
        "wall_time_s": round(wall_s, 3),
        "versions": {
            "python": sys.version.split()[0],
            "numpy": numpy.__version__,
            "pandas": pandas.__version__,
            "simpy": simpy.__version__,
        },
    }


def _print_run_summary(result: RunResult, out: Path) -> None:
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
@click.version_option(sim.__version__, prog_name="coachsim")
def main() -> None:
    """Simulate a coached B2B sales team and what coaching returns.

    Scenarios are YAML files (see scenarios/reference.yaml). Start with:

        coachsim run scenarios/reference.yaml
    """


def _run_options(f: Any) -> Any:
    f = click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")(f)
    f = click.option("--force", is_flag=True, help="Replace the output directory if it exists.")(f)
    f = click.option(
        "-o",
        "--output",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Output directory [default: outputs/<scenario name>].",
    )(f)
    f = click.option(
        "--seed",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Seed of the run; the same seed gives identical results.",
    )(f)
    f = click.option(
        "-n",
        "--replications",
        type=click.IntRange(min=1),
        default=20,
        show_default=True,
        help="Number of replications.",
    )(f)
    return f


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@_run_options
def run(
    scenario: str, replications: int, seed: int, output: Path | None, force: bool, quiet: bool
) -> None:
    """Run SCENARIO and write tables and an HTML report.

    Writes weekly.csv (one row per replication and week), summary.csv (one row per
    replication), manifest.json (the resolved scenario, seed, versions) and report.html.

    Examples:

        coachsim run scenarios/reference.yaml

        coachsim run scenarios/training_and_coaching.yaml -n 50 --seed 7 -o outputs/tc --force
    """
    s = _load(scenario)
    out = output or Path("outputs") / (s.name or Path(scenario).stem)
    try:
        check_target(out, force)
    except OutputExists as exc:
        raise click.ClickException(str(exc)) from None
    t0 = time.perf_counter()
    with _progress(replications, f"run {s.name}", quiet) as tick:
        result = run_scenario(s, replications, seed, progress=tick)
    wall = time.perf_counter() - t0
    meta = {
        "replications": replications,
        "seed": seed,
        "version": sim.__version__,
        "scenario_hash": s.digest(),
    }

    def write(tmp: Path) -> None:
        result.weekly.to_csv(tmp / "weekly.csv", index=False)
        result.summary.to_csv(tmp / "summary.csv", index=False)
        (tmp / "report.html").write_text(
            run_report(
                result.weekly,
                result.summary,
                s.name or "scenario",
                s.description,
                s.stage_names(),
                s.team.managers,
                meta,
            ),
            encoding="utf-8",
        )
        write_json(
            tmp / "manifest.json",
            _manifest(result, [str(Path(scenario))], time.perf_counter() - t0),
        )

    try:
        write_atomically(out, force, write)
    except OutputExists as exc:
        raise click.ClickException(str(exc)) from None
    del wall
    if not quiet:
        _print_run_summary(result, out)


@main.command()
@click.argument("baseline", type=click.Path(dir_okay=False))
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_run_options
def compare(
    baseline: str,
    scenarios: tuple[str, ...],
    replications: int,
    seed: int,
    output: Path | None,
    force: bool,
    quiet: bool,
) -> None:
    """Compare SCENARIOS against BASELINE, paired on the same random numbers.

    Every scenario runs on the same seeds, replication by replication, so each difference is
    the programme's own effect. Writes comparison.csv (one row per scenario and metric: revenue
    uplift, incremental gross profit and cost, cost share of the gain, ROI, BCR, payback week,
    NPV, probability that ROI > 0, ... with 95% intervals), weekly.csv and summary.csv for all
    scenarios, manifest.json and report.html with an executive summary.

    Examples:

        coachsim compare scenarios/reference.yaml scenarios/outside_coach.yaml

        coachsim compare scenarios/no_coaching.yaml scenarios/training_only.yaml
        scenarios/training_and_coaching.yaml -n 40 -o outputs/claims --force
    """
    problems: list[str] = []
    loaded: list[Scenario] = []
    for path in (baseline, *scenarios):
        try:
            loaded.append(load_scenario(path))
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise ScenarioProblems("\n".join(problems))
    names = [s.name for s in loaded]
    dupes = sorted({n for n in names if names.count(n) > 1 and n is not None})
    if dupes:
        raise click.ClickException(
            f"scenario names must differ within a comparison; repeated: {', '.join(dupes)} "
            "(set name: in the files)"
        )
    base, alts = loaded[0], loaded[1:]
    out = output or Path("outputs") / f"compare-{base.name}-vs-{alts[0].name}"
    try:
        check_target(out, force)
    except OutputExists as exc:
        raise click.ClickException(str(exc)) from None
    t0 = time.perf_counter()
    total = replications * len(loaded)
    with _progress(total, f"compare {base.name}", quiet) as tick:
        cmp = run_comparison(base, alts, replications, seed, progress=tick)
    meta = {"replications": replications, "seed": seed, "version": sim.__version__}

    def write(tmp: Path) -> None:
        runs = [cmp.baseline, *cmp.alternatives]
        pd.concat([r.weekly for r in runs], ignore_index=True).to_csv(
            tmp / "weekly.csv", index=False
        )
        pd.concat([r.summary for r in runs], ignore_index=True).to_csv(
            tmp / "summary.csv", index=False
        )
        cmp.table.to_csv(tmp / "comparison.csv", index=False)
        (tmp / "report.html").write_text(compare_report(cmp, meta), encoding="utf-8")
        manifest = _manifest(cmp.baseline, [baseline], time.perf_counter() - t0)
        manifest["baseline"] = manifest.pop("scenario_name")
        manifest["scenario_files"] = [baseline, *scenarios]
        manifest["scenarios"] = {
            r.scenario.name: {"hash": r.scenario.digest(), "scenario": r.scenario.canonical()}
            for r in runs
        }
        for key in ("scenario", "scenario_hash"):
            manifest.pop(key)
        write_json(tmp / "manifest.json", manifest)

    try:
        write_atomically(out, force, write)
    except OutputExists as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet:
        weeks = base.weeks
        click.echo(f"Against {base.name}, {replications} paired replications, {weeks} weeks:")
        for a in alts:
            click.echo(f"  {a.name}: {headline(cmp.table, a.name or '', weeks)}")
        click.echo(f"Report: {out / 'report.html'}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
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
    click.echo(json.dumps(sim.config.scenario_json_schema(), indent=2))


if __name__ == "__main__":
    main()
