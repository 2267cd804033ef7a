"""Simulation-based calibration of ``coachsim learn`` (Talts et al. 2018, arXiv 1804.06788).

Truths are drawn from the prior (a design of the scenario's uncertain inputs on another seed
than the reference table's); each truth's pilot is simulated on random numbers of its own,
exported as a CRM would and measured (:func:`sim.pilot.design.measure_run`); ``learn``'s
posterior (:func:`sim.pilot.learn.abc_posterior`, on a reference table of the prior's draws with
their own simulated pilots) is computed for each. If the posterior is calibrated, the truth's
rank among the posterior draws, as a share (:meth:`~sim.pilot.learn.Posterior.pit`), is uniform,
and a 90% interval covers the truth 90% of the time.

    python validation/learn_sbc.py [TRUTHS] [DRAWS] [MANAGERS]  # the figures in the user guide

The criteria (tests/sim/test_learn_calibration.py) were committed before the first run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.experiment.executors import Executor, make_executor  # noqa: E402
from sim.experiment.uncertainty import plan  # noqa: E402
from sim.pilot.design import Plan, pilot_runs, simulate_pilots  # noqa: E402
from sim.pilot.learn import (  # noqa: E402
    Coached,
    abc_posterior,
    pilot_shape,
    prior_bounds,
    summaries,
)
from sim.scenario import Scenario, load_scenario  # noqa: E402

SCENARIO = ROOT / "scenarios" / "outside_coach_unproven.yaml"
TEAMS, WEEKS = 4, 26
"""The pilot: 4 of the reference's 8 teams (half the teams) for half a year (after a 13-week
baseline)."""


@dataclass(frozen=True)
class Calibration:
    """Per truth and input: the truth, the posterior's PIT, mean and 90% interval."""

    table: pd.DataFrame
    """truth, input, value, pit, posterior_mean, low, high, covered."""

    def by_input(self) -> pd.DataFrame:
        """Coverage of the 90% interval and the uniformity of the PIT, per input."""
        from scipy import stats

        rows = []
        for path, g in self.table.groupby("input", sort=True):
            rows.append(
                {
                    "input": path,
                    "coverage_90": float(g["covered"].mean()),
                    "pit_ks_p": float(stats.kstest(g["pit"], "uniform").pvalue),
                    "spearman_truth_posterior": float(
                        g["value"].corr(g["posterior_mean"], method="spearman")
                    ),
                }
            )
        return pd.DataFrame(rows)


def _coached(scenario: Scenario) -> Coached:
    per = scenario.team.reps_per_manager
    teams = {f"r{i}": f"t{i // per}" for i in range(scenario.team.managers * per)}
    coached = frozenset(f"t{k}" for k in range(scenario.team.managers * TEAMS // 8))
    return Coached(teams, coached, start=pd.Timestamp(0).date())


def run(
    truths: int,
    draws: int,
    seed: int = 0,
    executor: Executor | None = None,
    managers: int | None = None,
) -> Calibration:
    """The calibration of ``truths`` simulated pilots against a reference table of ``draws``;
    with ``managers``, of a team of that many managers (half of them coached) instead of the
    reference's 8 (4 coached)."""
    option = load_scenario(SCENARIO)
    if managers is not None:
        option = option.model_copy(
            update={"team": option.team.model_copy(update={"managers": managers})}
        )
    base, opt = pilot_shape(option, _coached(option))
    pilot = Plan(sizes=(option.team.managers * TEAMS // 8,), lengths=(WEEKS,))
    reference, _ = plan([opt], draws, 1, seed)
    truth, _ = plan([opt], truths, 1, seed + 1)
    ref = simulate_pilots(pilot_runs(base, opt, reference, pilot, seed), executor)
    ref_s = summaries(ref, reference.draws)
    # Each truth's pilot on random numbers of its own (another seed than the reference's).
    seen = simulate_pilots(pilot_runs(base, opt, truth, pilot, seed + 1), executor)
    seen_s = summaries(seen, truth.draws)
    bounds = prior_bounds(reference.dists)
    rows = []
    for t in range(truth.draws):
        post = abc_posterior(reference.values, ref_s, seen_s[t], reference.paths, bounds)
        for j, path in enumerate(reference.paths):
            value = float(truth.values[t, j])
            low, high = post.quantiles(j, np.array([0.05, 0.95]))
            rows.append(
                {
                    "truth": t,
                    "input": path,
                    "value": value,
                    "pit": post.pit(j, value),
                    "posterior_mean": post.mean(j),
                    "low": float(low),
                    "high": float(high),
                    "covered": bool(low <= value <= high),
                }
            )
    return Calibration(pd.DataFrame(rows))


def main() -> None:
    """Print the calibration's figures."""
    truths = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    draws = int(sys.argv[2]) if len(sys.argv) > 2 else 512
    managers = int(sys.argv[3]) if len(sys.argv) > 3 else None
    with make_executor() as ex:
        cal = run(truths, draws, executor=ex, managers=managers)
    pd.set_option("display.width", 200)
    table = cal.by_input()
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"pooled 90% coverage: {cal.table['covered'].mean():.3f} ({truths} truths)")


if __name__ == "__main__":
    main()
