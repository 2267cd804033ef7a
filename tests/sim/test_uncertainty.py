"""Two-level runs: the same draws give the same table however they are executed, and no
uncertainty reproduces the plain paired comparison."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis.paired import replication_metrics
from sim.experiment.batches import run_scenario
from sim.experiment.executors import make_executor
from sim.experiment.findings import draws_wide, findings
from sim.experiment.uncertainty import run_uncertain
from sim.scenario.designs import Design, make_design
from sim.scenario.uncertain import DISTRIBUTION
from tests.sim.helpers import small

BASE = small(name="base", weeks=12)
ALT = small(
    name="coach",
    weeks=12,
    outside_coach={"hours_per_week": 6, "format": "virtual", "fee_per_hour_usd": 150},
)
BLOCK = {
    "outside_coach.quality": DISTRIBUTION.validate_python({"uniform": [0.3, 1.0]}),
    "skill.improvement": DISTRIBUTION.validate_python({"triangular": [0.2, 0.5, 1.0]}),
}


def test_a_design_is_the_same_for_the_same_seed_and_within_each_distribution() -> None:
    a, b = make_design(BLOCK, 16, 2, seed=3), make_design(BLOCK, 16, 2, seed=3)
    assert a.paths == ("outside_coach.quality", "skill.improvement")
    assert (a.values == b.values).all()
    assert ((a.values[:, 0] >= 0.3) & (a.values[:, 0] <= 1.0)).all()
    assert ((a.values[:, 1] >= 0.2) & (a.values[:, 1] <= 1.0)).all()


def test_serial_and_processes_give_identical_tables() -> None:
    design = make_design(BLOCK, 4, 2, seed=1)
    serial = run_uncertain([BASE, ALT], design, seed=7)
    with make_executor(jobs=2, tasks=4) as ex:
        parallel = run_uncertain([BASE, ALT], design, seed=7, executor=ex)
    pd.testing.assert_frame_equal(serial, parallel)
    assert len(serial) == 4 * 2
    assert serial["outside_coach.quality"].nunique() == 4


def test_without_uncertain_inputs_it_is_the_paired_comparison() -> None:
    design = Design((), np.empty((1, 0)), reps_per_draw=3)
    table = run_uncertain([BASE, ALT], design, seed=7)
    base, alt = run_scenario(BASE, 3, 7), run_scenario(ALT, 3, 7)
    assert base.weekly is not None
    assert alt.weekly is not None
    plain = replication_metrics(
        "coach", (base.weekly, base.summary), (alt.weekly, alt.summary), 12, 0.08
    )
    assert table["npv"].tolist() == pytest.approx(plain["npv"].tolist(), rel=1e-12)


def test_the_analysis_of_a_small_run() -> None:
    design = make_design(BLOCK, 8, 2, seed=2)
    table = run_uncertain([BASE, ALT], design, seed=7)
    f = findings(table, ALT, design.paths)
    assert 0.0 <= f.prob_expected <= 1.0
    assert f.evpi >= 0.0
    assert all(0.0 <= v <= f.evpi + 1e-6 * abs(f.npv) + 1e-9 for v in f.evppi.values())
    assert f.variance.luck >= 0.0
    assert f.npv_range[0] <= f.npv <= f.npv_range[1]
    assert {b.path for b in f.break_evens} == set(design.paths)
    # at the scenarios' own discount rate (8%) the hurdle curve is the NPV itself
    h = f.hurdles.set_index("hurdle_rate_pct")
    assert h.loc[8, "npv"] == pytest.approx(f.npv, rel=1e-9)
    assert h.loc[8, "prob_npv_positive"] == f.prob_expected
    assert h.loc[0, "npv"] != pytest.approx(f.npv, rel=1e-6)
    wide = draws_wide(table, design.paths)
    assert len(wide) == 8
    assert wide["npv [coach]"].tolist() == pytest.approx(
        table.groupby("draw")["npv"].mean().tolist()
    )


def test_re_costing_at_the_fee_run_gives_the_run_and_higher_fees_pay_less_often() -> None:
    design = make_design(BLOCK, 8, 2, seed=2)
    table = run_uncertain([BASE, ALT], design, seed=7)
    fees = findings(table, ALT, design.paths).fees
    assert fees is not None
    assert fees.run_fee == 150.0
    curve = fees.curve.set_index("fee_usd")
    at_run = table.groupby("draw")["npv"].mean()
    assert curve.loc[150.0, "npv"] == pytest.approx(at_run.mean())
    assert curve.loc[150.0, "prob_npv_positive"] == pytest.approx((at_run > 0).mean())
    assert curve["prob_npv_positive"].is_monotonic_decreasing
    assert curve["npv"].is_monotonic_decreasing
    assert (table["outside_fees_pv"] > 0).all()
    if fees.break_even is not None:  # expected NPV is zero at the break-even fee
        x, y = curve.index.to_numpy(), curve["npv"].to_numpy()
        assert np.interp(fees.break_even, x, y) == pytest.approx(0.0, abs=1e-6 * abs(y[0]))


def test_a_design_comes_back_whole_from_its_run_record() -> None:
    """--resume rebuilds the draws from run.json: plain, correlated and Saltelli designs."""
    from sim.experiment.store import UncertaintyRecord
    from sim.experiment.uncertainty import design_from_record, design_record
    from sim.scenario.designs import make_sobol_design

    for design in (
        make_design(BLOCK, 16, 2, seed=5),
        make_design(BLOCK, 16, 2, seed=5, correlated={tuple(sorted(BLOCK)): 0.5}),  # type: ignore[dict-item]
        make_sobol_design(BLOCK, 8, 2, seed=5),
    ):
        record = json.loads(json.dumps(design_record(design)))
        UncertaintyRecord.model_validate(record)  # what run.json is checked against
        again = design_from_record(record, seed=5)
        assert np.array_equal(again.values, design.values)
        assert again.sobol_n == design.sobol_n
        assert again.correlated == design.correlated


def test_the_monte_carlo_error_and_one_run_per_draw() -> None:
    """The expected NPV's Monte Carlo error is the draws' standard error; with one replication
    per draw the share that pays on average is not estimated (nan) and the verdict quotes the
    share of single runs instead, saying why."""
    from sim.report.uncertainty import chance_line

    design = make_design(BLOCK, 8, 1, seed=2)
    table = run_uncertain([BASE, ALT], design, seed=7)
    f = findings(table, ALT, design.paths)
    npv = table.groupby("draw")["npv"].mean().to_numpy()
    assert f.npv_se == pytest.approx(npv.std(ddof=1) / np.sqrt(8))
    assert f.one_run_per_draw
    assert np.isnan(f.prob_expected)
    chance, (low, high) = f.prob_pays
    assert chance == f.prob_one_team
    assert low <= chance <= high
    line = chance_line(f)
    assert "cannot be told apart" in line
    assert f"{chance:.0%} of the plausible worlds drawn" in line
    two = findings(
        run_uncertain([BASE, ALT], make_design(BLOCK, 8, 2, seed=2), 7), ALT, design.paths
    )
    assert not two.one_run_per_draw
    assert two.prob_pays[0] == two.prob_expected
    assert "averaged over a team's luck" in chance_line(two)


def test_wilson_interval() -> None:
    from sim.analysis.intervals import wilson

    low, high = wilson(256, 256)
    assert low == pytest.approx(256 / (256 + 1.959963984540054**2))
    assert high == pytest.approx(1.0)
    low, high = wilson(50, 100)
    assert (low, high) == pytest.approx((0.4038, 0.5962), abs=1e-4)


@pytest.mark.slow
def test_one_yardstick_on_the_shipped_unproven_coach() -> None:
    """On the shipped reference and unproven coach (256 draws of 2 replications, on two cores):
    what a pilot's result is worth for the whole horizon, and what knowing any one input is
    worth, are each at most what knowing every input is worth with the runs' luck taken out,
    which is at most the same with the luck left in. Criterion written before the figures."""
    from sim.analysis.voi import evppi
    from sim.experiment.findings import by_draw
    from sim.experiment.uncertainty import plan
    from sim.pilot.design import Plan, pilot_runs, simulate_pilots
    from sim.pilot.value import value_designs
    from sim.scenario import load_scenario
    from tests.conftest import SCENARIOS

    base = load_scenario(str(SCENARIOS / "reference.yaml"))
    option = load_scenario(str(SCENARIOS / "outside_coach_unproven.yaml"))
    design, _ = plan([base, option], 256, 2, 0)
    trial = Plan(sizes=(2, 4), lengths=(8, 26))
    with make_executor(jobs=2) as ex:
        table = run_uncertain([base, option], design, 0, ex)
        pilots = simulate_pilots(pilot_runs(base, option, design, trial, 0), ex)
    f = findings(table, option, design.paths)
    runs = by_draw(table, str(option.name), "npv")
    v = value_designs(runs.mean(axis=1), pilots, trial, base.team.managers, base.weeks, runs=runs)
    assert v.evpi_learnable == pytest.approx(f.evpi_learnable)
    assert 0.0 < f.evpi_learnable < f.evpi
    # Each input's EVPPI as regressed, before findings caps it at the learnable EVPI
    net = np.column_stack([np.zeros(len(runs)), runs.mean(axis=1)])
    params = table[table["scenario"] == option.name].groupby("draw")[list(design.paths)].first()
    regressed = [evppi(net, params[p].to_numpy(dtype=float)) for p in f.evppi]
    assert max(regressed) <= f.evpi_learnable
    whole = v.designs["evsi"] / ((base.weeks - v.designs["weeks"]) / base.weeks)
    assert (whole <= f.evpi_learnable).all()
