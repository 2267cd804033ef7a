"""The paired comparison on real runs: structure, pairing, and costs counted once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis import economics as eco
from sim.analysis.paired import METRICS
from sim.experiment.comparison import compare
from tests.sim.helpers import small


@pytest.fixture(scope="module")
def cmp():  # type: ignore[no-untyped-def]
    base = small(weeks=30)
    coach = small(weeks=30, name="coach", outside_coach={"hours_per_week": 10, "quality": 0.9})
    free = small(weeks=30, name="more_sessions", coaching={"sessions_per_rep_per_week": 3})
    return compare(base, [coach, free], replications=8, seed=1)


def test_table_has_every_metric_for_every_scenario(cmp) -> None:  # type: ignore[no-untyped-def]
    t = cmp.table
    assert list(t.columns) == ["scenario", "metric", "mean", "ci_low", "ci_high", "n"]
    for name in ("coach", "more_sessions"):
        assert list(t[t.scenario == name].metric) == list(METRICS)


def test_cash_and_time_costs_are_separate_and_add_up(cmp) -> None:  # type: ignore[no-untyped-def]
    per = cmp.per_replication
    coach = per[per.scenario == "coach"]
    assert (coach.incremental_cash_cost > 0).all()  # fees
    more = per[per.scenario == "more_sessions"]
    assert (more.incremental_cash_cost == 0).all()
    assert (more.incremental_time_cost > 0).all()  # manager hours
    total = per.incremental_cash_cost + per.incremental_time_cost
    assert np.allclose(total, per.incremental_cost)


def test_roi_matches_its_parts(cmp) -> None:  # type: ignore[no-untyped-def]
    per = cmp.per_replication
    for row in per.itertuples():
        assert row.roi_pct == pytest.approx(
            eco.roi_pct(row.incremental_gross_profit, row.incremental_cost)
        )
        if math.isfinite(row.payback_week):
            assert row.prob_payback == 1.0


def test_paired_interval_is_narrower_than_unpaired(cmp) -> None:  # type: ignore[no-untyped-def]
    base = cmp.baseline.summary.sort_values("replication")["revenue"].to_numpy()
    alt = cmp.alternatives[0].summary.sort_values("replication")["revenue"].to_numpy()
    _, plo, phi = eco.paired_ci(alt, base)
    _, ulo, uhi = eco.unpaired_ci(alt, base)
    assert (phi - plo) < 0.5 * (uhi - ulo)


def test_names_must_differ() -> None:
    with pytest.raises(ValueError, match="must differ"):
        compare(small(), [small()], replications=1)
