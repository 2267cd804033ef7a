"""``coachsim optimise`` as a job: the output folder, the record that lets a stopped search
resume, and the files of the answer.

While a search runs, its files live in ``<output>.partial/``: ``job.json`` (what is searched: the
scenarios' and plans' digests, the seed, draws, zone and error) and ``draws/``, one Parquet file
per finished draw (:class:`sim.optimise.search.Store`). ``--resume`` goes on from them if
``job.json`` says the same search, and is refused in one line naming what differs if not; the
answer is the same as an uninterrupted search's, as the eliminations depend on the observations
alone. Finished, the folder holds report.html, plans.csv, evaluations.csv, optimise.json and, in
``plans/``, a scenario file for the best plan, each runner-up and the cheapest near-best plan,
and it is renamed to ``<output>`` in one step.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.executors import Executor
from sim.experiment.findings import what_must_be_true
from sim.experiment.output import (
    MARKER,
    OutputError,
    OutputLock,
    check_replaceable,
    identity,
    made_by_coachsim,
    replace_dir,
    slug,
    write_atomic,
    write_json,
)
from sim.experiment.uncertainty import PlanError, plan
from sim.job.interrupts import interrupts_deferred, interrupts_noted
from sim.job.pilot import distinct_names
from sim.job.spec import JobProblems, JobStopped, Terminal
from sim.optimise.search import FIRST_STAGE, Search, Store, search, total_runs
from sim.optimise.space import Plan, make_plans, plan_file, read_space
from sim.report.optimise import answer, optimise_report
from sim.scenario import Scenario, ScenarioError
from sim.scenario.designs import Design
from sim.scenario.uncertain import comparison_block
from sim.version import VERSION

PARTIAL = ".partial"


@dataclass(frozen=True)
class Job:
    """One search, as the command line gives it."""

    baseline: Scenario
    option: Scenario
    option_file: Path
    plans: list[Plan]
    design: Design
    seed: int
    delta: float
    alpha: float
    out: Path
    command: str
    combinations: int = 0
    """How many plans the search space holds (0: not known)."""

    def record(self) -> dict[str, Any]:
        """What job.json holds: enough to tell whether a stopped search is this one."""
        return {
            "kind": "optimise",
            "coachsim": VERSION,
            "seed": self.seed,
            "draws": self.design.draws,
            "replications_per_draw": self.design.reps_per_draw,
            "zone_usd": self.delta,
            "alpha": self.alpha,
            "baseline": self.baseline.digest(),
            "plans": {p.name: p.scenario.digest() for p in self.plans},
        }


def kept_draws(work: Path) -> int:
    """Draws a stopped search left in ``work`` with at least one plan's runs finished."""
    return len({f.name.split("-")[1] for f in (work / "draws").glob("draw-*.parquet")})


def partial(out: Path) -> Path:
    """Where a search of ``out`` keeps its files until it is finished."""
    return out.with_name(out.name + PARTIAL)


def prepare(job: Job, resume: bool, force: bool) -> Path:
    """The ``.partial`` folder to work in, made or checked: raises :class:`OutputError` (one
    line) if the output exists without ``force``, or a stopped search is there and neither
    ``resume`` nor ``force`` is given, or ``resume`` finds another search."""
    work = partial(job.out)
    check_replaceable(job.out, force, "use --force to replace it, or -o elsewhere")
    if work.exists():
        if not made_by_coachsim(work):
            raise OutputError(f"{work} was not written by coachsim; move it away or choose -o")
        if resume:
            try:
                before = json.loads((work / "job.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                before = {}
            now = job.record()
            differ = [k for k in now if before.get(k) != now[k]]
            if differ:
                raise OutputError(
                    f"{work} holds another search ({', '.join(differ)} differ); run it as "
                    "before to resume it, or --force to start this one afresh"
                )
            return work
        if not force:
            raise OutputError(
                f"a stopped search is in {work}: --resume to finish it, or --force to start again"
            )
        shutil.rmtree(work)
    elif resume:
        raise OutputError(f"nothing to resume: no {work}")
    work.mkdir(parents=True)
    write_json(work / MARKER, identity("optimise", f"seed-{job.seed}", scenario=job.option.name))
    write_json(work / "job.json", job.record())
    return work


def must_be_true(found: Search, design: Design) -> list[str]:
    """What must be true for the best plan to fail to pay (or to pay), from its draws
    (:func:`sim.experiment.findings.what_must_be_true`); nothing if the best is no change."""
    b = found.best
    if b == 0:
        return []
    n = int(found.used[b])
    inputs = pd.DataFrame(design.values[:n], columns=list(design.paths))
    inputs = inputs.loc[:, inputs.nunique() > 1]
    return list(what_must_be_true(inputs, found.observations[:n, b]))


def run(
    job: Job,
    work: Path,
    executor: Executor | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[Search, list[str]]:
    """Run the search in ``work``, write its files and move them to the output; the lines for
    the terminal: the answer, then what must be true for the best plan."""
    with interrupts_noted() as still_running:

        def tick(done: int, total: int) -> None:
            still_running()  # a Ctrl-C that library code swallowed stops the search here
            if progress is not None:
                progress(done, total)

        found = search(
            job.baseline,
            job.plans,
            job.design,
            job.seed,
            job.delta,
            job.alpha,
            executor=executor,
            progress=tick,
            store=Store(work / "draws"),
        )
        still_running()
    base, opt = str(job.baseline.name), str(job.option.name)
    lines = answer(found, base, job.combinations)
    discovery = must_be_true(found, job.design)
    meta = {"seed": job.seed, "version": VERSION}
    page = optimise_report(found, base, opt, meta, discovery, job.combinations)
    write_atomic(work / "report.html", page)
    table = found.table()
    write_atomic(work / "plans.csv", table.to_csv(index=False))
    write_atomic(work / "evaluations.csv", found.rows.to_csv(index=False))
    folder = work / "plans"
    folder.mkdir(exist_ok=True)
    chosen = [found.best, *found.runners_up, found.cheapest_near_best]
    written = []
    for j in dict.fromkeys(chosen):
        if j == 0:
            continue
        p = job.plans[j - 1]
        write_atomic(folder / f"{p.name}.yaml", plan_file(p, job.option_file, job.out / "plans"))
        written.append(p.name)
    write_json(
        work / "optimise.json",
        {
            **job.record(),
            "command": job.command,
            "best": "keep" if found.best == 0 else job.plans[found.best - 1].name,
            "finished": found.selection.finished,
            "prob_best": found.prob_best,
            "runners_up": [table.loc[j, "plan"] for j in found.runners_up],
            "cheapest_near_best": table.loc[found.cheapest_near_best, "plan"],
            "plan_files": written,
        },
    )
    with interrupts_deferred():  # a Ctrl-C now is acted on once the folder is in place
        replace_dir(work, job.out, True)
        shutil.rmtree(job.out / "draws", ignore_errors=True)
        (job.out / "job.json").unlink(missing_ok=True)
    heading = ["What must be true for the best plan:"] if discovery else []
    return found, lines + heading + [f"  {line}" for line in discovery]


@dataclass(frozen=True)
class Asked:
    """What ``coachsim optimise`` was asked for."""

    baseline: Scenario
    option: Scenario
    baseline_file: str
    option_file: str
    space_file: str
    zone: float
    alpha: float
    draws: int
    replications: int
    seed: int
    out: Path | None
    force: bool
    resume: bool


def optimise(a: Asked, t: Terminal) -> None:
    """Read the space, make its plans, and search them (:func:`run`), resuming a stopped search
    if asked; say the answer. Ctrl-C ends in :class:`~sim.job.spec.JobStopped` saying how many
    draws are kept and the command that finishes the search."""
    base, opt = a.baseline, a.option
    distinct_names(base, opt, a.baseline_file, a.option_file)
    try:
        searched = read_space(a.space_file, opt, list(comparison_block([base, opt]).inputs))
    except ScenarioError as exc:
        raise JobProblems(str(exc)) from None
    plans, notes = make_plans(opt, searched, a.seed)
    if not plans:
        raise JobProblems(f"{a.space_file}: no plan is left to try: " + "; ".join(notes))
    if any(p.name == base.name for p in plans):
        raise JobProblems(f"{a.baseline_file}: the name {base.name!r} is a plan's; rename it")
    out = a.out or Path("outputs") / f"optimise-{slug(opt.name)}"
    try:
        design, more = plan([base, opt], a.draws, a.replications, a.seed)
    except PlanError as exc:
        raise JobProblems(str(exc)) from None
    grid = math.prod(len(v) for v in searched.choices.values())
    job = Job(
        base,
        opt,
        Path(a.option_file),
        plans,
        design,
        a.seed,
        a.zone,
        a.alpha,
        out,
        t.command,
        grid if grid > searched.plans else 0,  # sampled: say a plan not tried may be better
    )
    for note in notes + more:
        t.note(f"note: {note}")
    try:
        with OutputLock(out, job.command):
            work = prepare(job, a.resume, a.force)
            label = f"optimise: {len(plans)} plans"
            with (
                t.workers(design.draws) as executor,
                t.progress(total_runs(len(plans), FIRST_STAGE), label) as tick,
            ):
                _, lines = run(job, work, executor, lambda done, total: tick(done, total))
    except OutputError as exc:
        raise JobProblems(str(exc)) from None
    except KeyboardInterrupt:
        work = partial(out)
        if out.is_dir() and not work.exists():
            why = f"stopped as the search finished: its results are complete in {out}"
        else:
            again = job.command if a.resume else f"{job.command} --resume"
            why = f"stopped: {kept_draws(work)} finished draws kept in {work}; finish with: {again}"
        raise JobStopped(f"\n{why}", 130) from None
    for line in lines:
        t.say(line)
    t.say(f"Report: {out / 'report.html'}")
