"""Test before you buy: what ``coachsim pilot`` and ``coachsim learn`` do once their options are
read (:mod:`sim.pilot` holds the methods).

Each takes what was asked for and a :class:`~sim.job.spec.Terminal`, refuses bad input before
any work (:class:`~sim.job.spec.JobProblems`), runs on the workers the terminal gives, and writes
its folder or file whole or not at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sim.experiment.budget import one_replication_refusal
from sim.experiment.output import slug, write_atomic, write_json
from sim.experiment.uncertainty import PlanError, plan
from sim.job.folder import check_folder, staged
from sim.job.spec import JobProblems, JobRefused, Terminal
from sim.job.team import team_file
from sim.scenario import Scenario
from sim.version import VERSION


def distinct_names(base: Scenario, opt: Scenario, baseline: str, option: str) -> None:
    """Refuse an option named as its baseline (their runs would be told apart by name)."""
    if base.name == opt.name:
        raise JobProblems(
            f"{option}: has the name {opt.name!r}, as {baseline} does; give it a name of its "
            "own (name:)"
        )


def whole_list(text: str | None, flag: str) -> tuple[int, ...] | None:
    """``2,4,6`` as whole numbers, or None if not given; a bad list is one line, exit 2."""
    if text is None:
        return None
    try:
        values = tuple(sorted({int(x) for x in text.replace(" ", "").split(",") if x}))
    except ValueError:
        raise JobProblems(f"{flag} {text}: whole numbers separated by commas") from None
    if not values:
        raise JobProblems(f"{flag}: give at least one number")
    return values


@dataclass(frozen=True)
class PilotStudy:
    """What ``coachsim pilot`` was asked for."""

    baseline: Scenario
    option: Scenario
    baseline_file: str
    option_file: str
    sizes: str | None
    """Teams given the option in a pilot, as typed (``2,4,6``); None: a quarter, half and three
    quarters of the managers' teams."""
    lengths: str | None
    """Pilot lengths in weeks, as typed; None: those of 8, 13, 26 and 39 within the horizon."""
    baseline_weeks: int
    alpha: float
    measure: str
    draws: int
    replications: int
    seed: int
    out: Path | None
    force: bool


def pilot(p: PilotStudy, t: Terminal) -> None:
    """Value every candidate pilot over the uncertain draws (:func:`sim.pilot.study.run_study`)
    and write the report and tables; say the recommendation."""
    from sim.pilot.design import Plan, default_lengths, default_sizes, option_problems
    from sim.pilot.study import run_study, total_runs
    from sim.report.pilot import pilot_report, recommendation
    from sim.scenario.uncertain import comparison_block

    base, opt = p.baseline, p.option
    if Path(p.baseline_file).resolve() == Path(p.option_file).resolve():
        raise JobProblems(f"{p.option_file}: given as both BASELINE and OPTION; give two files")
    distinct_names(base, opt, p.baseline_file, p.option_file)
    sizes = whole_list(p.sizes, "--teams") or default_sizes(base.team.managers)
    lengths = whole_list(p.lengths, "--weeks") or default_lengths(base.weeks)
    if not lengths:
        raise JobProblems(
            f"{p.baseline_file}: a {base.weeks}-week horizon leaves no room for the default "
            "pilot lengths; give --weeks"
        )
    design_plan = Plan(sizes, lengths, p.baseline_weeks, p.alpha)
    problems = option_problems(base, opt, design_plan)
    block = comparison_block([base, opt])
    if not block.inputs and not block.problems:
        problems.append(
            f"{p.option_file}: no uncertain inputs; a pilot is worth something only when "
            "something is unknown: add uncertain: defaults (or an uncertain: block)"
        )
    if problems:
        raise JobProblems("\n".join(problems))
    out = p.out or Path("outputs") / f"pilot-{slug(opt.name)}"
    check_folder(out, p.force, advice="use --force to replace it, or -o elsewhere")
    try:
        design, notes = plan([base, opt], p.draws, p.replications, p.seed)
    except PlanError as exc:
        raise JobProblems(str(exc)) from None
    too_big = one_replication_refusal(opt)
    if too_big:
        raise JobRefused(too_big)
    for note in notes:
        t.note(f"note: {note}")
    label = f"pilot: {len(sizes) * len(lengths)} designs x {design.draws} draws"
    with (
        t.workers(design.draws) as executor,
        t.progress(total_runs(design, design_plan), label) as tick,
    ):
        study = run_study(base, opt, design, design_plan, p.seed, p.measure, executor, tick)
    with staged(out, p.force, "pilot", p.seed, scenario=opt.name) as d:
        write_atomic(d / "report.html", pilot_report(study, {"seed": p.seed, "version": VERSION}))
        write_atomic(d / "designs.csv", study.valuation.designs.to_csv(index=False))
        write_atomic(d / "pilots.csv", study.pilots.to_csv(index=False))
        write_atomic(d / "teaches.csv", study.teaches.to_csv(index=False))
        write_atomic(d / "draws.csv", study.draws_table().to_csv(index=False))
        write_json(
            d / "pilot.json",
            {
                "command": t.command,
                "seed": p.seed,
                "baseline": base.name,
                "option": opt.name,
                "draws": design.draws,
                "replications_per_draw": design.reps_per_draw,
                "teams": list(sizes),
                "weeks": list(lengths),
                "baseline_weeks": design_plan.baseline_weeks,
                "measure": p.measure,
                "alpha": design_plan.alpha,
                "recommendation": study.valuation.recommendation,
                "expected_npv_usd": study.valuation.expected_npv,
                "evpi_usd": study.valuation.evpi,
                "evpi_learnable_usd": study.valuation.evpi_learnable,
                "coachsim": VERSION,
            },
        )
    for line in recommendation(study):
        t.say(line)
    t.say(f"Report: {out / 'report.html'}")


@dataclass(frozen=True)
class Learning:
    """What ``coachsim learn`` was asked for."""

    option: Scenario
    option_file: str
    opportunities: str
    history: str | None
    coached: str
    encoding: str | None
    end: date | None
    baseline_weeks: int
    draws: int
    seed: int
    out: Path | None
    force: bool


def learn(x: Learning, t: Terminal) -> None:
    """Read the pilot's export, update the option's uncertain inputs from it
    (:func:`sim.pilot.learn.learn`) and write the scenario that extends the option."""
    from sim.calibration.exports import ExportError, Options
    from sim.pilot.learn import findings_lines, read_pilot, scenario_text
    from sim.pilot.learn import learn as learn_from

    opt = x.option
    if opt.outside_coach is None:
        raise JobProblems(f"{x.option_file}: has no outside_coach; learn updates a piloted coach")
    out = team_file(x.out or Path(f"{Path(x.option_file).stem}_after_pilot.yaml"), x.force)
    try:
        data = read_pilot(
            x.opportunities,
            x.history,
            x.coached,
            Options(encoding=x.encoding),
            x.baseline_weeks,
            x.end,
        )
        design, notes = plan([opt], x.draws, 1, x.seed)
    except ExportError as exc:
        raise JobProblems(str(exc)) from None
    except PlanError as exc:
        raise JobProblems(str(exc)) from None
    for note in [*data.notes, *notes, *data.ledger.notes]:
        t.note(f"note: {note}")
    for line in data.ledger.table():
        t.note(line)
    with (
        t.workers(design.draws) as executor,
        t.progress(design.draws, f"learn: {design.draws} simulated pilots") as tick,
    ):
        result = learn_from(
            opt,
            data.deals,
            data.history,
            data.coached,
            x.baseline_weeks,
            data.end,
            design,
            x.seed,
            executor,
            tick,
        )
    extends = os.path.relpath(Path(x.option_file).resolve(), out.resolve().parent)
    text = scenario_text(result, extends, data.export_name, data.ledger.table(), date.today())
    write_atomic(out, text)
    for line in findings_lines(result):
        t.say(line)
    t.say(f"Scenario: {out}")
    t.say(f"Next: coachsim compare BASELINE {out} --uncertainty {design.draws}")
