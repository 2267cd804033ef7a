"""Your team as a scenario, a simulated team as a CRM export, and scenario files checked: what
``coachsim init``, ``coachsim calibrate``, ``coachsim export-crm`` and ``coachsim validate`` do
once their options are read.

Each takes what was asked for and a :class:`~sim.job.spec.Terminal`, refuses bad input before
any work (:class:`~sim.job.spec.JobProblems`, one line per problem), and writes its file or
folder whole or not at all (:func:`sim.experiment.output.write_atomic`,
:func:`sim.job.folder.staged`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sim.experiment.budget import one_replication_refusal
from sim.experiment.output import slug, write_atomic
from sim.job.folder import check_folder, staged
from sim.job.spec import JobProblems, JobRefused, PoorFit, Terminal
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.calibration.exports import Options


def team_file(path: str | Path, force: bool) -> Path:
    """The scenario file a team command writes, refused before any work if it cannot be."""
    out = Path(path)
    if out.suffix not in (".yaml", ".yml"):
        raise JobProblems(f"-o {out}: a scenario file ends in .yaml")
    if out.exists() and not force:
        raise JobProblems(f"{out} already exists; use --force to replace it")
    if not out.parent.exists():
        raise JobProblems(f"-o {out}: the folder {out.parent} does not exist")
    return out


def init_team(values: dict[str, float], base: Scenario, out: Path, seed: int, t: Terminal) -> None:
    """Fit a scenario to a leader's business figures (:mod:`sim.calibration.init`) and write
    it, with the figures and the simulated team's side by side."""
    from sim.calibration.init import business, comparison, init_scenario, init_text

    b = business(values)
    fitted, warnings = init_scenario(b, base, out.stem, seed)
    t.say(f"{'':<36}{'yours':>12}{'simulated':>12}")
    for label, yours, simulated in comparison(fitted, b):
        t.say(f"{label:<36}{yours:>12}{simulated:>12}")
    for w in warnings:
        t.note(f"warning: {w}")
    write_atomic(out, init_text(fitted, b))
    t.say(f"Scenario: {out}")
    t.say(f"Check it: coachsim validate {out}")


@dataclass(frozen=True)
class Calibration:
    """What ``coachsim calibrate`` was asked for."""

    opportunities: str
    history: str | None
    options: Options
    base: Scenario
    name: str
    stages: tuple[str, ...] | None
    as_of: date | None
    seed: int
    out: Path
    report: Path | None
    force: bool
    accept_poor_fit: bool
    quiet: bool


def calibrate_team(c: Calibration, t: Terminal) -> None:
    """Read the export with its ledger, fit the model to it, write the scenario (unless the fit
    misses: :class:`~sim.job.spec.PoorFit`) and, with a report folder, the fit report and a
    backtest."""
    from sim.calibration.backtest import backtest
    from sim.calibration.command import calibrate, fit_lines
    from sim.calibration.exports import ExportError
    from sim.calibration.fit import miss_table
    from sim.report.fit import fit_report

    if c.report is not None:
        check_folder(c.report, c.force, "--report ")
    say = (lambda line: None) if c.quiet else t.say
    try:
        result = calibrate(
            c.opportunities,
            c.history,
            c.base,
            c.name,
            c.options,
            list(c.stages) if c.stages else None,
            c.as_of,
            c.seed,
            note=say,
        )
    except ExportError as exc:
        raise JobProblems("\n".join(exc.problems)) from None
    for line in result.ledger.notes:
        say(f"note: {line}")
    for line in [*result.ledger.table(), *fit_lines(result)]:
        say(line)
    poor = bool(result.fitted.misses) and not c.accept_poor_fit
    if c.report is not None:
        say("Backtest: fitting without the last quarter, then predicting it ...")
        bt = backtest(
            result.deals, result.history, result.stages, result.as_of, c.base, c.name, c.seed
        )
        html = fit_report(
            result.deals,
            result.fitted,
            bt,
            Path(c.opportunities).name,
            str(c.out),
            result.ledger,
        )
        with staged(c.report, c.force, "calibrate", c.seed, "--report ", scenario=str(c.out)) as d:
            write_atomic(d / "report.html", html)
            write_atomic(d / "data_quality.csv", result.ledger.frame().to_csv(index=False))
            if bt is not None:
                write_atomic(d / "backtest.csv", bt.table().to_csv(index=False))
                for row in bt.table().itertuples():
                    say(f"  {row.label:<52} {row.verdict}")
            if not poor:
                write_atomic(c.out, result.text)
                t.say(f"Scenario: {c.out}")
        t.say(f"Report: {c.report / 'report.html'}")
    elif not poor:
        write_atomic(c.out, result.text)
        t.say(f"Scenario: {c.out}")
    if poor:
        raise PoorFit(
            "\n".join(
                [
                    f"The fitted team does not show {len(result.fitted.misses)} figure(s) of the "
                    "export within their 95% intervals; no scenario was written:",
                    *(f"  {line}" for line in miss_table(result.fitted)),
                    "Check the export (the ledger above), give --stages, or write it anyway "
                    "with --accept-poor-fit (the table goes at the top of the file).",
                ]
            )
        )
    say(f"Next: coachsim compare {c.out} <a scenario that extends it>")


@dataclass(frozen=True)
class CrmExport:
    """What ``coachsim export-crm`` was asked for."""

    scenario: Scenario
    out: Path | None
    force: bool
    seed: int
    replication: int
    start: date | None
    messy: bool
    pilot_teams: int | None
    pilot_weeks: int
    baseline_weeks: int


def export_crm(e: CrmExport, t: Terminal) -> None:
    """Run one replication and write its deals as a Salesforce export (with ``pilot_teams``, a
    pilot's: some teams coached from a date, and coached.csv saying which)."""
    from sim.calibration.simulated import START, simulated_export, write_export

    s = e.scenario
    out = e.out or Path("outputs") / f"{slug(s.name)}-crm"
    check_folder(out, e.force)
    too_big = one_replication_refusal(s)
    if too_big:
        raise JobRefused(too_big)
    start = e.start or START
    if start.weekday() >= 5:
        raise JobProblems(f"--start {start}: a working day (Monday to Friday)")
    coached = None
    if e.pilot_teams is not None:
        from sim.pilot.design import Plan, option_problems, pilot_export

        if start != START or e.messy:
            raise JobProblems("--pilot-teams: --start and --messy are not for pilots yet")
        base = s.model_copy(update={"outside_coach": None, "name": f"{s.name}-without-coach"})
        plan = Plan((e.pilot_teams,), (e.pilot_weeks,), e.baseline_weeks)
        problems = option_problems(base, s, plan)
        if problems:
            raise JobProblems("\n".join(problems))
        export, coached = pilot_export(base, s, e.pilot_teams, plan, e.seed, e.replication)
    else:
        export = simulated_export(s, e.seed, e.replication, start, e.messy)
    with staged(out, e.force, "export-crm", e.seed, scenario=s.name) as d:
        write_export(export, str(d))
        if coached is not None:
            coached.to_csv(d / "coached.csv", index=False)
    o = export.opportunities
    t.say(
        f"{len(o)} opportunities ({int(o['IsWon'].sum())} won, {int((~o['IsClosed']).sum())} "
        f"open on {export.as_of}) of {o['OwnerId'].nunique()} owners"
    )
    t.say(f"Export: {out / 'opportunities.csv'} and {out / 'history.csv'}")
    if coached is not None:
        t.say(f"Who was in the pilot: {out / 'coached.csv'}")


def check_files(files: list[str], quiet: bool, t: Terminal) -> int:
    """``FILE: ok`` for each valid scenario file with the figures a sales leader would check
    (none with ``quiet``) and warnings of workloads the model will cut; each problem of an
    invalid one on its own line. Returns how many files have problems."""
    from sim.analysis.workload import figures, warnings
    from sim.scenario import ScenarioError, load_scenario

    bad = 0
    for f in files:
        try:
            s = load_scenario(f)
        except ScenarioError as exc:
            bad += 1
            t.note(str(exc))
            continue
        t.say(f"{f}: ok")
        if not quiet:
            for line in figures(s):
                t.say(f"  {line}")
        for line in warnings(s):
            t.note(f"{f}: warning: {line}")
        too_big = one_replication_refusal(s)
        if too_big:
            t.note(f"{f}: warning: will not run on this machine: {too_big}")
    return bad
