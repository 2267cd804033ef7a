"""Common random numbers, determinism, and results that do not depend on how a run is split."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt

from sim.experiment.batches import run_replication, run_scenario
from sim.model.replication import Replication
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS
from tests.sim.helpers import small

COACH_COLUMNS = [
    "sessions_planned",
    "sessions_held",
    "sessions_unscheduled",
    "outside_sessions_held",
    "outside_coach_hours",
    "outside_fees_usd",
    "travel_usd",
    "rep_coaching_hours",
    "outside_session_hours",
    "rep_offselling_hours",
    "coaching_hours",
    "cash_cost_usd",
    "time_cost_usd",
]


def test_same_seed_same_results() -> None:
    s = small(coaching={"style": "micro", "tailored": True})
    a = run_scenario(s, 3, seed=11)
    b = run_scenario(s, 3, seed=11)
    pdt.assert_frame_equal(a.weekly, b.weekly)
    pdt.assert_frame_equal(a.summary, b.summary)
    c = run_scenario(s, 3, seed=12)
    assert not a.weekly["revenue"].equals(c.weekly["revenue"])


def test_a_replication_is_the_same_alone_or_in_a_batch() -> None:
    s = small()
    batch = run_scenario(s, 4, seed=5)
    alone, _ = run_replication(s, 5, 3)
    pdt.assert_frame_equal(
        batch.weekly[batch.weekly.replication == 3].reset_index(drop=True), alone
    )


def test_zero_effect_outside_coach_reproduces_the_baseline() -> None:
    """A whole coaching programme whose sessions do nothing changes nothing but its own ledger.

    The outside coach draws from its own streams, schedules sessions and picks deals; with
    quality 0 (and no harm: ``skill.harm_threshold`` 0) and sessions held in the reps'
    non-selling time it must leave every lead, meeting, deal and skill exactly where the
    baseline has them.
    """
    base = load_scenario(str(SCENARIOS / "reference.yaml")).model_copy(update={"weeks": 30})
    zero = base.model_validate(
        {
            **base.model_dump(),
            "skill": {**base.skill.model_dump(), "harm_threshold": 0.0},
            "outside_coach": {
                "quality": 0.0,
                "rep_time_share": 0.0,
                "sessions_per_rep_per_week": 2,
            },
        }
    )
    a = run_scenario(base, 2, seed=3).weekly
    b = run_scenario(zero, 2, seed=3).weekly
    assert b["outside_sessions_held"].sum() > 0
    keep = [c for c in a.columns if c not in COACH_COLUMNS]
    pdt.assert_frame_equal(a[keep], b[keep])


def test_zero_effect_manager_coaching_reproduces_no_coaching() -> None:
    base = small(coaching={"sessions_per_rep_per_week": 0})
    zero = small(
        coaching={"sessions_per_rep_per_week": 2, "rep_time_share": 0.0, "style": "micro"},
        managers={
            "quality_untrained": 0.0,
            "meetings_per_week": 0.0001,
            "selling_hours_per_week": 10.0,
        },
        skill={"harm_threshold": 0.0},  # quality 0 does nothing, rather than harm
    )
    base = base.model_copy(update={"managers": zero.managers})
    a = run_scenario(base, 2, seed=4).weekly
    b = run_scenario(zero, 2, seed=4).weekly
    cols = [
        "revenue",
        "deals_won",
        "leads",
        "revenue_A",
        "revenue_B",
        "revenue_C",
        "mgr_selling_hours",
        "skill_closing",
        "skill_prospecting",
    ]
    pdt.assert_frame_equal(a[cols], b[cols])
    assert b["sessions_held"].sum() > 0


def test_less_selling_time_keeps_a_subset_of_the_same_leads() -> None:
    """Thinning couples scenarios: a rep with less selling time keeps a subset of the leads."""
    s = small()
    r_full = Replication(s, 2, 0)
    r_less = Replication(s, 2, 0)
    times_full, thin_full = r_full.rep_leads.candidates(0)
    times_less, thin_less = r_less.rep_leads.candidates(0)
    kept_full = {j for j, u in enumerate(thin_full) if u < 1.0}
    kept_less = {j for j, u in enumerate(thin_less) if u < 0.8}
    assert times_full.tolist() == times_less.tolist()
    assert kept_less <= kept_full
    assert 0.7 < len(kept_less) / len(kept_full) < 0.9


def test_rows_carry_scenario_replication_and_seed() -> None:
    r = run_scenario(small(), 2, seed=9)
    assert set(
        r.weekly[["scenario", "replication", "seed"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
    ) == {("small", 0, 9), ("small", 1, 9)}
    assert isinstance(r.summary, pd.DataFrame)
    assert len(r.summary) == 2
