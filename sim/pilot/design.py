"""The candidate pilots, and each one simulated on every draw of the uncertain inputs.

A pilot gives the option (an outside coach) to ``K`` of the ``M`` managers' teams for ``T``
weeks, after a baseline period of ``B`` weeks in which no team has it, and then the option is
decided for everyone. The teams are alike but for chance, so the coached teams are the first
``K`` (``outside_coach.teams``), with the coach's hours scaled to them (the same hours per rep as
the option gives the whole team).

For draw ``d`` of the design (one world of the uncertain inputs), the pilot of ``K`` teams is run
once, on replication ``d * reps_per_draw``: the random numbers of the comparison's first
replication of that draw, so every pilot size meets the same teams and the same luck (common
random numbers), and the pilot is the comparison's team. The run lasts ``B`` plus the longest
length; a shorter pilot is the same run measured over its first ``T`` weeks (what happens after
the measurement cannot change it). Each run's deals become the tables a CRM export is read into
(:func:`sim.calibration.simulated.deal_tables`, what :func:`~sim.calibration.simulated.
as_tables` makes of the export without its text), measured as the real pilot's export will be
(:mod:`sim.pilot.measure`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.simulated import (
    START,
    Export,
    deal_records,
    deal_tables,
    rep_owner,
    sim_dates,
    simulated_export,
)
from sim.clock import DAYS
from sim.experiment.executors import Executor, SerialExecutor
from sim.pilot.measure import METRICS, Period, compare_arms, team_events
from sim.scenario import Scenario
from sim.scenario.designs import Design

BASELINE_WEEKS = 13
"""Weeks of the baseline period before the pilot starts (a quarter of CRM history)."""
LENGTHS = (8, 13, 26, 39)
"""Candidate pilot lengths, weeks: two months, a quarter, half a year, three quarters."""


@dataclass(frozen=True)
class Plan:
    """The candidate pilots: every size with every length."""

    sizes: tuple[int, ...]
    """Teams coached in the pilot."""
    lengths: tuple[int, ...]
    """Weeks the pilot runs."""
    baseline_weeks: int = BASELINE_WEEKS
    alpha: float = 0.05
    """Two-sided significance level of the pilot's test."""

    @property
    def run_weeks(self) -> int:
        """Weeks each simulated pilot runs: the baseline and the longest pilot."""
        return self.baseline_weeks + max(self.lengths)


def default_sizes(managers: int) -> tuple[int, ...]:
    """A quarter, half and three quarters of the teams (at least one coached, one not)."""
    return tuple(
        sorted({min(managers - 1, max(1, round(managers * f))) for f in (0.25, 0.5, 0.75)})
    )


def default_lengths(horizon: int) -> tuple[int, ...]:
    """:data:`LENGTHS` that leave at least a quarter of the horizon to decide for."""
    return tuple(t for t in LENGTHS if t <= 0.75 * horizon)


def option_problems(baseline: Scenario, option: Scenario, plan: Plan | None = None) -> list[str]:
    """Why ``option`` cannot be piloted against ``baseline``, one line each: a pilot gives some
    teams an outside coach, so the option must be the baseline plus an outside coach."""
    problems = []
    if option.outside_coach is None:
        problems.append(
            f"{option.name}: has no outside_coach; a pilot tries an outside coach on some teams"
        )
    if baseline.outside_coach is not None:
        problems.append(f"{baseline.name}: the baseline has an outside_coach already")
    skip = {"name", "description", "outside_coach", "uncertain", "extends", "sweep", "correlated"}
    a = baseline.model_dump(exclude=skip)
    b = option.model_dump(exclude=skip)
    differ = sorted(k for k in a if a[k] != b[k])
    if differ:
        problems.append(
            f"{option.name}: differs from {baseline.name} in {', '.join(differ)} as well as the "
            "outside coach; a pilot of it would not test the coach alone (make the option "
            f"extend {baseline.name} and add only outside_coach:)"
        )
    if baseline.team.managers < 2:
        problems.append(f"{baseline.name}: a pilot needs at least two managers' teams")
    if plan is not None:
        for k in plan.sizes:
            if not 1 <= k < baseline.team.managers:
                problems.append(
                    f"--teams {k}: between 1 and {baseline.team.managers - 1} (one team at "
                    "least must stay without the coach)"
                )
        for t in plan.lengths:
            if t < 1 or t >= baseline.weeks:
                problems.append(
                    f"--weeks {t}: between 1 and {baseline.weeks - 1} (the pilot must leave "
                    f"weeks of the {baseline.weeks}-week horizon to decide for)"
                )
    return problems


def pilot_scenario(baseline: Scenario, option: Scenario, teams: int, plan: Plan) -> Scenario:
    """The run of a pilot of ``option`` on ``teams`` of the baseline's teams: the baseline for
    :attr:`Plan.run_weeks`, with the option's outside coach from the end of the baseline period
    on the first ``teams`` teams, its hours scaled to them."""
    oc = option.outside_coach
    assert oc is not None
    share = teams / baseline.team.managers
    coach = oc.model_copy(
        update={
            "start_week": plan.baseline_weeks,
            "end_week": plan.run_weeks,
            "teams": teams,
            "hours_per_week": oc.hours_per_week * share,
        }
    )
    return baseline.model_copy(
        update={"name": f"pilot-{teams}", "weeks": plan.run_weeks, "outside_coach": coach}
    )


@dataclass(frozen=True)
class PilotRun:
    """One simulated pilot: a draw, a size, the run's scenario and random numbers."""

    draw: int
    teams: int
    scenario: Scenario
    seed: int
    replication: int
    plan: Plan


def periods(warmup_weeks: int, plan: Plan, length: int) -> tuple[Period, Period]:
    """The baseline and pilot periods of a simulated export, as dates."""
    first = warmup_weeks * DAYS
    edges = np.array(
        [first, first + plan.baseline_weeks * DAYS, first + (plan.baseline_weeks + length) * DAYS]
    )
    a, b, c = sim_dates(START, edges)
    return Period(a, b), Period(b, c)


def measure_run(task: PilotRun) -> np.ndarray:
    """A simulated pilot's results: (lengths x metrics x [effect, se, p]).

    Module-level so that worker processes can run it."""
    s = task.scenario
    deals, history = deal_tables(deal_records(s, task.seed, task.replication))
    per = s.team.reps_per_manager
    teams = {i: i // per for i in range(s.team.managers * per)}
    coached = set(range(task.teams))
    out = np.full((len(task.plan.lengths), len(METRICS), 3), np.nan)
    events = team_events(deals, history, teams)
    base = events.outcomes(periods(s.warmup_weeks, task.plan, 0)[0])
    for i, length in enumerate(task.plan.lengths):
        pilot = events.outcomes(periods(s.warmup_weeks, task.plan, length)[1])
        for j, metric in enumerate(METRICS):
            r = compare_arms(base, pilot, coached, metric)
            out[i, j] = (r.effect, r.se, r.p_value)
    return out


def pilot_runs(
    baseline: Scenario, option: Scenario, design: Design, plan: Plan, seed: int
) -> list[PilotRun]:
    """Every simulated pilot of ``plan`` on every draw of ``design``, draw by draw."""
    runs = []
    for d in range(design.draws):
        b, o = design.scenarios([baseline, option], d)
        for k in plan.sizes:
            runs.append(
                PilotRun(d, k, pilot_scenario(b, o, k, plan), seed, d * design.reps_per_draw, plan)
            )
    return runs


def simulate_pilots(
    runs: Sequence[PilotRun],
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Run and measure every pilot: one row per (draw, teams, weeks), with each metric's
    ``<metric>``, ``<metric>_se`` and ``<metric>_p``."""
    executor = executor or SerialExecutor()
    results: list[np.ndarray | None] = [None] * len(runs)
    for done, (i, r) in enumerate(executor.run(measure_run, runs), start=1):
        results[i] = r
        if progress is not None:
            progress(done)
    rows = []
    for run, res in zip(runs, results, strict=True):
        assert res is not None
        for i, length in enumerate(run.plan.lengths):
            row: dict[str, float] = {"draw": run.draw, "teams": run.teams, "weeks": length}
            for j, metric in enumerate(METRICS):
                row[metric], row[f"{metric}_se"], row[f"{metric}_p"] = res[i, j]
            rows.append(row)
    table = pd.DataFrame(rows)
    for c in ("draw", "teams", "weeks"):
        table[c] = table[c].astype(np.int64)
    return table


def pilot_export(
    baseline: Scenario, option: Scenario, teams: int, plan: Plan, seed: int, replication: int = 0
) -> tuple[Export, pd.DataFrame]:
    """The CRM export of a simulated pilot of ``teams`` teams for the longest of ``plan``'s
    lengths, and the table of who was in it (``owner, team, coached_from``) that
    ``coachsim learn --coached`` reads: a pilot whose every input is known, to learn from."""
    s = pilot_scenario(baseline, option, teams, plan)
    export = simulated_export(s, seed, replication)
    per = s.team.reps_per_manager
    start = periods(s.warmup_weeks, plan, 0)[1].start
    day = str(pd.Timestamp(start).date())
    coached = pd.DataFrame(
        {
            "owner": [rep_owner(i) for i in range(s.team.managers * per)],
            "team": [f"team {i // per + 1}" for i in range(s.team.managers * per)],
            "coached_from": [day if i // per < teams else "" for i in range(s.team.managers * per)],
        }
    )
    return export, coached
