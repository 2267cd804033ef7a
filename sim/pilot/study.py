"""A pilot study from end to end: the uncertain draws, the comparison that values rolling out in
each, the simulated pilots of every design in each, and what they are worth.

Both halves run on one design of the uncertain inputs (:func:`sim.experiment.uncertainty.plan`)
and one executor: the comparison of the baseline and the option (``reps_per_draw`` paired
replications a draw) gives ``N``, rolling out's NPV in each draw; the pilots
(:func:`sim.pilot.design.pilot_runs`) give what each design would show in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment.executors import Executor
from sim.experiment.findings import by_draw
from sim.experiment.uncertainty import run_uncertain
from sim.pilot.design import Plan, pilot_runs, simulate_pilots
from sim.pilot.value import Valuation, value_designs, what_it_teaches
from sim.scenario import Scenario
from sim.scenario.designs import Design


@dataclass(frozen=True)
class Study:
    """What ``coachsim pilot`` computes."""

    baseline: Scenario
    option: Scenario
    plan: Plan
    design: Design
    npv: np.ndarray
    """Rolling out's expected NPV in each draw (mean of its replications)."""
    pilots: pd.DataFrame
    """:func:`sim.pilot.design.simulate_pilots`."""
    valuation: Valuation
    teaches: pd.DataFrame
    """:func:`sim.pilot.value.what_it_teaches` for :attr:`shown`."""
    metric: str

    def draws_table(self) -> pd.DataFrame:
        """Each draw's inputs and rolling out's expected NPV: the audit trail (draws.csv)."""
        d = self.design
        table = pd.DataFrame(d.values, columns=list(d.paths))
        table.insert(0, "npv_roll_out", self.npv)
        table.insert(0, "draw", range(d.draws))
        return table

    @property
    def shown(self) -> pd.Series:
        """The design the report dwells on: the one of highest expected net benefit against
        deciding now (the best, if it beats deciding now)."""
        return self.valuation.top


def total_runs(design: Design, plan: Plan) -> int:
    """Replications a study runs, the comparison's and the pilots': for a progress bar."""
    return design.draws * design.reps_per_draw + design.draws * len(plan.sizes)


def run_study(
    baseline: Scenario,
    option: Scenario,
    design: Design,
    plan: Plan,
    seed: int,
    metric: str,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> Study:
    """Run the comparison and the pilots and value every design. ``progress(done)`` counts
    the comparison's replications, then the pilots (:func:`total_runs` in all)."""
    table = run_uncertain([baseline, option], design, seed, executor, progress)
    runs = by_draw(table, str(option.name), "npv")
    npv = runs.mean(axis=1)
    done = design.draws * design.reps_per_draw

    def more(n: int) -> None:
        if progress is not None:
            progress(done + n)

    pilots = simulate_pilots(pilot_runs(baseline, option, design, plan, seed), executor, more)
    valuation = value_designs(
        npv, pilots, plan, baseline.team.managers, baseline.weeks, metric=metric, runs=runs
    )
    shown = valuation.top
    rows = pilots[(pilots["teams"] == shown["teams"]) & (pilots["weeks"] == shown["weeks"])]
    summary = rows.set_index("draw")[metric].reindex(range(design.draws)).to_numpy(dtype=float)
    inputs = {p: design.values[:, j] for j, p in enumerate(design.paths)}
    return Study(
        baseline,
        option,
        plan,
        design,
        npv,
        pilots,
        valuation,
        what_it_teaches(inputs, summary),
        metric,
    )
