"""Stage histories from CRM exports, their stages' order, and the spells they give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.stages import ADVANCED, LOST, OPEN, stage_spells
from sim.calibration.exports import ExportError, read_export
from sim.calibration.history import closes, hubspot_history, read_history, stage_order

OPPORTUNITIES = """Id,OwnerId,StageName,Amount,CreatedDate,CloseDate,IsClosed,IsWon
A,r1,Closed Won,100,2026-03-02,2026-03-20,true,true
B,r1,Closed Lost,100,2026-03-02,2026-03-13,true,false
C,r2,Propose,100,2026-03-09,2026-06-30,false,false
"""
HISTORY = """OpportunityId,StageName,CreatedDate
A,Qualify,2026-03-02T10:00:00.000+0000
A,Propose,2026-03-09T10:00:00.000+0000
A,Closed Won,2026-03-20T10:00:00.000+0000
B,Qualify,2026-03-02T10:00:00.000+0000
B,Closed Lost,2026-03-13T10:00:00.000+0000
C,Qualify,2026-03-09T10:00:00.000+0000
C,Propose,2026-03-16T10:00:00.000+0000
"""


def test_a_salesforce_history_gives_the_stages_in_order_and_their_spells(tmp_path: Path) -> None:
    (tmp_path / "opps.csv").write_text(OPPORTUNITIES)
    (tmp_path / "hist.csv").write_text(HISTORY)
    deals = read_export(tmp_path / "opps.csv")
    history = read_history(tmp_path / "hist.csv", deals)
    assert set(history["stage"]) == {"Qualify", "Propose"}  # closing stages are outcomes
    order = stage_order(history)
    assert order == ["Qualify", "Propose"]
    spells = stage_spells(history, closes(deals), order, np.datetime64("2026-03-27"))
    q = sorted(zip(*spells["Qualify"], strict=True))
    assert q == [(5.0, ADVANCED), (5.0, ADVANCED), (9.0, LOST)]
    p = sorted(zip(*spells["Propose"], strict=True))
    assert p == [(9.0, OPEN), (9.0, ADVANCED)]  # C still open on the 27th; A won on the 20th


def test_a_history_that_does_not_fit_its_deals_says_so(tmp_path: Path) -> None:
    (tmp_path / "opps.csv").write_text(OPPORTUNITIES)
    (tmp_path / "hist.csv").write_text(HISTORY + "Z,Qualify,2026-03-02\nA,Propose,someday\n")
    deals = read_export(tmp_path / "opps.csv")
    with pytest.raises(ExportError) as caught:
        read_history(tmp_path / "hist.csv", deals)
    assert caught.value.problems == [
        "hist.csv: dates that do not parse on rows 10",
        "hist.csv: 1 changes of deals the opportunities export does not have (Z)",
    ]
    with pytest.raises(ExportError, match="not in the order given: Propose"):
        stage_order(
            pd.DataFrame({"deal": ["A"], "stage": ["Propose"], "date": [pd.Timestamp(0)]}),
            ["Qualify"],
        )


def test_hubspot_date_entered_columns_become_the_history() -> None:
    raw = pd.DataFrame(
        {
            "Record ID": ["11", "12"],
            'Date entered "Appointment scheduled" (Sales Pipeline)': [
                "2026-01-05 10:00",
                "2026-01-06 09:00",
            ],
            'Date entered "Contract sent" (Sales Pipeline)': ["2026-01-20 10:00", ""],
            'Date entered "Closed won" (Sales Pipeline)': ["2026-02-02 10:00", ""],
        }
    )
    history = hubspot_history(raw)
    assert history.to_dict("list") == {
        "deal": ["11", "12", "11"],
        "stage": ["Appointment scheduled", "Appointment scheduled", "Contract sent"],
        "date": [
            pd.Timestamp("2026-01-05"),
            pd.Timestamp("2026-01-06"),
            pd.Timestamp("2026-01-20"),
        ],
    }
    assert stage_order(history) == ["Appointment scheduled", "Contract sent"]
