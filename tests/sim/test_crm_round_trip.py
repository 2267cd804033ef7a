"""A simulated team's CRM export, and the calibration that reads it back (issue 14).

The export must be what the run did (its won deals book the run's revenue), and calibrating
from it must recover the settings the team was simulated with, within the issue's tolerances:
conversions within 0.05, durations and lead rate within 15%, deal size within 10%, the spread
of ability in the right band.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration.exports import Options, read_export
from sim.calibration.fit import Fitted, fit
from sim.calibration.history import read_history
from sim.calibration.ledger import Ledger
from sim.calibration.simulated import (
    LOST,
    START,
    WON,
    as_tables,
    crm_stage,
    simulated_export,
    write_export,
)
from sim.model.replication import Replication
from sim.scenario import Scenario
from sim.scenario.uncertain import apply_draw


def _small() -> Scenario:
    s = Scenario.model_validate(
        {**Scenario().model_dump(), "weeks": 40, "warmup_weeks": 6, "name": "small"}
    )
    return apply_draw(s, {"team.managers": 3})


def test_the_export_books_exactly_what_the_run_booked() -> None:
    s = _small()
    export = simulated_export(s, seed=4)
    weekly, _ = Replication(s, 4, 0).run()
    o = export.opportunities
    won = o[o["IsWon"]]
    reported = np.busday_offset(np.datetime64(START, "D"), 5 * s.warmup_weeks)
    booked = won.loc[won["CloseDate"] >= reported, "Amount"].sum()
    assert booked == pytest.approx(weekly["revenue"].sum(), abs=0.01 * len(won))
    assert (~o["IsClosed"]).sum() > 0  # deals open at the horizon stay open
    assert set(o.loc[~o["IsClosed"], "StageName"]) <= {crm_stage(st.name) for st in s.stages}
    assert o["OwnerRole"].eq("Sales Manager").any()  # managers sell too
    h = export.history
    dates = pd.to_datetime(h["CreatedDate"])
    assert (dates.groupby(h["OpportunityId"]).diff().dropna() >= pd.Timedelta(0)).all()
    closes = h[h["StageName"].isin([WON, LOST])]
    assert len(closes) == o["IsClosed"].sum()  # one closing change per closed deal


def test_the_tables_are_what_reading_the_files_gives(tmp_path: Path) -> None:
    export = simulated_export(_small(), seed=5, messy=True)
    write_export(export, str(tmp_path))
    deals, history = as_tables(export)
    ledger = Ledger()
    read = read_export(tmp_path / "opportunities.csv", Options(), ledger)
    got = read.deals[list(deals.columns)]
    pd.testing.assert_frame_equal(_ns(deals), _ns(got), check_dtype=False)
    changes = read_history(tmp_path / "history.csv", read, Options(), ledger)
    pd.testing.assert_frame_equal(
        _ns(history), _ns(changes[list(history.columns)]), check_dtype=False
    )
    assert deals["amount"].isna().any()  # messy: blank amounts
    assert ledger.entries == []  # a simulated export needs no repair


def _ns(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates in one unit, whatever unit each reader chose."""
    dates = frame.select_dtypes(include="datetime").columns
    return frame.astype({c: "datetime64[ns]" for c in dates})


def _round_trip(truth: Scenario, seed: int) -> Fitted:
    export = simulated_export(truth, seed=seed, messy=True)
    deals, history = as_tables(export)
    stages = [crm_stage(st.name) for st in truth.stages]
    return fit(deals, history, stages, export.as_of, Scenario(), "fitted", seed=seed + 1)


def _assert_recovered(truth: Scenario, found: Fitted) -> None:
    f = found.scenario
    for st_true, st_found in zip(truth.stages, f.stages, strict=True):
        assert st_found.base_conversion == pytest.approx(st_true.base_conversion, abs=0.05)
        assert st_found.duration_mean_days == pytest.approx(st_true.duration_mean_days, rel=0.15)
    assert f.leads.per_rep_per_week == pytest.approx(truth.leads.per_rep_per_week, rel=0.15)
    assert f.deal_value.mean_usd == pytest.approx(truth.deal_value.mean_usd, rel=0.10)
    # The spread of ability: one team's reps are few, so the band is the estimate's own 95%
    # interval, which must hold the truth and still tell a flat team from a concentrated one.
    spread = found.settings["team.top20_revenue_share"]
    assert spread.low < truth.team.top20_revenue_share < spread.high
    assert spread.high - spread.low < 0.3
    assert f.team.managers * f.team.reps_per_manager == pytest.approx(
        truth.team.managers * truth.team.reps_per_manager, abs=truth.team.managers
    )
    assert found.gap < 0.02


@pytest.mark.slow
def test_calibration_recovers_the_reference_team() -> None:
    truth = Scenario()
    _assert_recovered(truth, _round_trip(truth, seed=21))


@pytest.mark.slow
def test_calibration_recovers_a_different_team_and_stages() -> None:
    data = Scenario().model_dump()
    data["stages"] = [
        {"name": "qualify", "base_conversion": 0.35, "duration_mean_days": 6.0, "duration_cv": 0.6},
        {"name": "demo", "base_conversion": 0.6, "duration_mean_days": 12.0, "duration_cv": 0.5},
        {
            "name": "negotiate",
            "base_conversion": 0.8,
            "duration_mean_days": 25.0,
            "duration_cv": 0.4,
        },
    ]
    data["team"].update(managers=3, reps_per_manager=7, top20_revenue_share=0.4)
    data["leads"]["per_rep_per_week"] = 2.0
    data["deal_value"]["mean_usd"] = 45_000.0
    truth = Scenario.model_validate(data)
    _assert_recovered(truth, _round_trip(truth, seed=33))
