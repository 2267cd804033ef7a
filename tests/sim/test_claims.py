"""The first two claims of the 000 article, as behaviour of the shipped scenarios.

Each shipped scenario runs against ``no_coaching.yaml`` on the same seeds, so differences are
paired replication by replication. Two measures, the article's "both graphics":

* behaviour: deal progress, the share of stage ends at which a deal advances (a lead measure);
* results: revenue.

Training is in week 13 of both scenarios.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.intervals import mean_ci
from sim.experiment.batches import run_scenario
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

pytestmark = pytest.mark.slow  # runs many replications or processes: not in make test-fast

N = 12
T = 13  # training week


@pytest.fixture(scope="module")
def weekly() -> dict[str, pd.DataFrame]:
    names = ("no_coaching", "training_only", "training_and_coaching")
    return {
        n: run_scenario(load_scenario(str(SCENARIOS / f"{n}.yaml")), N, 0).weekly for n in names
    }


def _table(df: pd.DataFrame, col: str) -> pd.DataFrame:
    return df.pivot(index="replication", columns="week", values=col)


def progress_diff(
    w: dict[str, pd.DataFrame], name: str, a: int, z: int
) -> tuple[float, float, float]:
    """Paired difference in deal progress (percentage points) over weeks a..z."""

    def rate(df: pd.DataFrame) -> pd.Series:
        return _table(df, "stage_advances").loc[:, a:z].sum(axis=1) / _table(df, "stage_exits").loc[
            :, a:z
        ].sum(axis=1)

    return mean_ci((rate(w[name]) - rate(w["no_coaching"])) * 100)


def revenue_uplift(
    w: dict[str, pd.DataFrame], name: str, a: int, z: int
) -> tuple[float, float, float]:
    """Paired revenue uplift (%) over weeks a..z."""
    base = _table(w["no_coaching"], "revenue").loc[:, a:z].sum(axis=1)
    alt = _table(w[name], "revenue").loc[:, a:z].sum(axis=1)
    return mean_ci((alt - base) / base * 100)


def test_nothing_differs_before_training(weekly: dict[str, pd.DataFrame]) -> None:
    for name in ("training_only", "training_and_coaching"):
        before = weekly[name][weekly[name].week < T].reset_index(drop=True)
        base = weekly["no_coaching"][weekly["no_coaching"].week < T].reset_index(drop=True)
        assert before["revenue"].equals(base["revenue"])
        assert before["stage_advances"].equals(base["stage_advances"])


def test_training_only_dips_boosts_then_slips_back_part_of_the_way(
    weekly: dict[str, pd.DataFrame],
) -> None:
    """docs/claims.md's row: the dip and the boost hold; the slip back only partly, since a
    training leaves a third of its gain for good (the transfer floor, Saks and Belcourt).

    The boost builds over a sales cycle (deals carried further fill the later stages) and peaks
    three to four months after the training, so it is measured over the half-year after it and
    the slip back in the last quarter of the year after it. (Until the defaults of 2026-12 the
    boost was measured in weeks 2-5 after the training and the slip in months 6-9: with a
    training gain at the ceiling and faster forgetting, the peak came sooner.)"""
    _, _, dip_high = progress_diff(weekly, "training_only", T, T)
    assert dip_high < 0, "a slight dip right after training"
    boost, boost_low, _ = progress_diff(weekly, "training_only", T + 2, T + 26)
    assert boost_low > 0, "a one-time boost"
    _, late_low, late_high = progress_diff(weekly, "training_only", T + 39, T + 51)
    assert late_high < boost, "people slip back from the boost"
    assert late_low > 0, "but not all the way: what a training leaves for good"
    _, rev_low, _ = revenue_uplift(weekly, "training_only", T + 14, T + 25)
    assert rev_low > 0, "the boost reaches revenue, one sales cycle later"
    _, late_low, _ = revenue_uplift(weekly, "training_only", 65, 103)
    assert late_low > 0, "a lasting revenue gain from training alone"


def test_training_then_coaching_dips_then_keeps_growing(weekly: dict[str, pd.DataFrame]) -> None:
    _, _, dip_high = progress_diff(weekly, "training_and_coaching", T, T)
    assert dip_high < 0, "the same slight dip right after training"
    quarters = [(T + 1, 26), (27, 38), (39, 51)]
    progress = [progress_diff(weekly, "training_and_coaching", a, z) for a, z in quarters]
    assert all(lo > 0 for _, lo, _ in progress)
    means = [m for m, _, _ in progress]
    assert means == sorted(means), "deal progress improves quarter after quarter in year one"
    q2 = revenue_uplift(weekly, "training_and_coaching", *quarters[0])
    q4 = revenue_uplift(weekly, "training_and_coaching", *quarters[2])
    year2 = revenue_uplift(weekly, "training_and_coaching", 78, 103)
    assert q2[1] > 0, "revenue uplift grows through the first year"
    assert q4[1] > q2[2], "revenue uplift grows through the first year"
    assert year2[0] > q4[0], "and is still higher in the second year"
    trained_only = revenue_uplift(weekly, "training_only", 39, 51)
    assert q4[1] > trained_only[2], "coached reps outperform reps who were only trained"
