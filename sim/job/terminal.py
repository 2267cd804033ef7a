"""What the commands print on a terminal: the progress bar, and the closing lines of a run, a
comparison and a sweep (the HTML reports are :mod:`sim.report`'s)."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from sim.analysis.intervals import mean_ci
from sim.clock import WEEKS_PER_YEAR
from sim.experiment.batches import RunResult
from sim.job.run import JobDone
from sim.report.compare import headline
from sim.report.sweep import summary_lines
from sim.report.uncertainty import verdict


def clock(seconds: float) -> str:
    """h:mm:ss."""
    s = max(0, round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def times(elapsed_s: float | None, remaining_s: float | None, done: int) -> str:
    """The progress bar's times in words: elapsed, and the time left once there is a rate."""
    text = f"elapsed {clock(elapsed_s or 0.0)}"
    if done and remaining_s is not None:
        text += f", about {clock(remaining_s)} left"
    return text


def _bar(console: Any) -> Any:
    """The rich progress bar: what runs, replications done, rate, elapsed and time left, or
    what happens before the first replication finishes (workers starting)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
    )
    from rich.table import Column
    from rich.text import Text

    class Times(ProgressColumn):
        def render(self, task: Any) -> Text:
            if task.fields.get("status"):
                return Text(f"{task.fields['status']}...")
            return Text(times(task.elapsed, task.time_remaining, int(task.completed)))

    return Progress(  # the bar takes what the words leave: they fit in 80 columns
        TextColumn("{task.description}"),
        BarColumn(bar_width=None, table_column=Column(ratio=1)),
        MofNCompleteColumn(),
        TextColumn("replications"),
        TextColumn("{task.fields[rate]}"),
        Times(),
        console=console,
        transient=True,
        expand=True,
    )


@contextmanager
def progress(total: int, label: str, quiet: bool, console: Any = None) -> Iterator[Any]:
    """A rich progress bar on a terminal (or ``console``), one closing line otherwise, nothing
    with ``quiet``.

    Yields ``tick(done, new_total=None, status=None)``; a new total (``--precision``) resizes
    the bar, a status shows until the first replication finishes.
    """
    start = time.perf_counter()
    state = {"done": 0}

    def count(done: int, new_total: int | None = None, status: str | None = None) -> None:
        state["done"] = done

    if quiet:
        yield count
        return
    if console is not None or sys.stderr.isatty():
        from rich.console import Console

        with _bar(console or Console(stderr=True)) as bar:
            task = bar.add_task(label, total=total, rate="", status="")

            def tick(done: int, new_total: int | None = None, status: str | None = None) -> None:
                count(done)
                rate = done / max(time.perf_counter() - start, 1e-9)
                bar.update(
                    task,
                    completed=done,
                    total=new_total or bar.tasks[0].total,
                    rate=f"{rate:.1f}/s" if done else "",
                    status=status if status and not done else "",
                )

            yield tick
    else:
        yield count
    wall = time.perf_counter() - start
    click.echo(f"{label}: {state['done']} replications in {wall:.1f} s", err=True)


def run_lines(result: RunResult, out: Path) -> list[str]:
    """A few lines of a run's results."""
    sm = result.summary
    years = result.scenario.weeks / WEEKS_PER_YEAR
    m, lo, hi = mean_ci(sm["revenue"] / years)
    lines = [
        f"Scenario {result.scenario.name}: {result.replications} replications, "
        f"{result.scenario.weeks} weeks"
    ]
    if math.isfinite(lo) and math.isfinite(hi):
        lines.append(f"  revenue per year   {m:,.0f} USD (95% CI {lo:,.0f} to {hi:,.0f})")
    else:
        lines.append(f"  revenue per year   {m:,.0f} USD (one run: no interval)")
    lines.append(
        f"  sessions held      {sm['sessions_held'].mean() / result.scenario.weeks:.1f} "
        f"per week; cancelled by meetings {sm['sessions_cancelled'].mean():,.0f}, "
        f"unscheduled {sm['sessions_unscheduled'].mean():,.0f} over the horizon"
    )
    lines.append(
        f"  top-20% share      {sm['top20_revenue_share'].mean():.1%} of rep revenue; "
        f"headroom {sm['headroom_multiple'].mean():.2f}x"
    )
    lines.append(f"Report: {out / 'report.html'}")
    return lines


def done_lines(done: JobDone) -> list[str]:
    """The closing lines of a finished run, comparison or sweep."""
    if done.written.sweep is not None:
        design = done.engine.design
        assert design is not None
        return [
            f"Against {done.scenarios[0].name}, {design.draws} settings of "
            f"{' x '.join(design.paths)}, {design.reps_per_draw} paired "
            "replications each on the same random numbers:",
            *(
                f"  {name}: {text}"
                for name, text in summary_lines(done.written.sweep, design.paths)
            ),
            f"Table: {done.target / 'sweep.csv'}",
            f"Report: {done.target / 'report.html'}",
        ]
    if done.comparison is not None:
        weeks = done.scenarios[0].weeks
        lines = [
            f"Against {done.scenarios[0].name}, {done.engine.done} paired replications, "
            f"{weeks} weeks:"
        ]
        for s in done.scenarios[1:]:
            lines.append(f"  {s.name}: {headline(done.comparison.table, s.name or '', weeks)}")
        for f in done.written.sure:
            lines.append(
                f"How sure are we? {f.name}, over {f.draws} draws of the uncertain inputs:"
            )
            lines.extend(f"  {line}" for line in verdict(f))
        lines.append(f"Report: {done.target / 'report.html'}")
        return lines
    return run_lines(done.engine.result(0), done.target)
