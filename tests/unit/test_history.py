"""Stage histories from CRM exports, their stages' order, and the spells they give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.stages import ADVANCED, LOST, OPEN, stage_spells
from sim.calibration.exports import ExportError, Options, read_export
from sim.calibration.history import (
    closes,
    entered_columns,
    hubspot_history,
    order_by_moves,
    read_history,
    stage_order,
)
from sim.calibration.ledger import Ledger

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


def _read(
    tmp: Path, opps: str, history: str, **options: object
) -> tuple[pd.DataFrame, pd.DataFrame, Ledger]:
    (tmp / "opps.csv").write_text(opps, encoding="utf-8")
    (tmp / "hist.csv").write_text(history, encoding="utf-8")
    ledger = Ledger()
    opts = Options(**options)  # type: ignore[arg-type]
    export = read_export(tmp / "opps.csv", opts, ledger)
    return export.deals, read_history(tmp / "hist.csv", export, opts, ledger), ledger


def test_a_salesforce_history_gives_the_stages_in_order_and_their_spells(tmp_path: Path) -> None:
    deals, history, _ = _read(tmp_path, OPPORTUNITIES, HISTORY)
    assert set(history["stage"]) == {"Qualify", "Propose"}  # closing stages are outcomes
    order, _ = stage_order(history)
    assert order == ["Qualify", "Propose"]
    spells = stage_spells(history, closes(deals), order, np.datetime64("2026-03-27"))
    q = sorted(zip(*spells["Qualify"], strict=True))
    assert q == [(5.0, ADVANCED), (5.0, ADVANCED), (9.0, LOST)]
    p = sorted(zip(*spells["Propose"], strict=True))
    assert p == [(9.0, OPEN), (9.0, ADVANCED)]  # C still open on the 27th; A won on the 20th


def test_history_rows_that_cannot_be_used_are_set_aside_with_their_reason(tmp_path: Path) -> None:
    _, history, ledger = _read(
        tmp_path, OPPORTUNITIES, HISTORY + "Z,Qualify,2026-03-02\nA,Propose,someday\n"
    )
    assert [(e.action, e.reason, e.lines) for e in ledger.entries] == [
        ("set aside", "a date that is not a date", [10]),
        (
            "set aside",
            "a change of a deal not in the opportunities export (deleted, or not exported)",
            [9],
        ),
    ]
    assert len(history) == 5
    with pytest.raises(ExportError, match="--strict"):
        _read(tmp_path, OPPORTUNITIES, HISTORY + "Z,Qualify,2026-03-02\n", strict=True)
    with pytest.raises(ExportError, match="not in the order given: Propose"):
        stage_order(
            pd.DataFrame({"deal": ["A"], "stage": ["Propose"], "date": [pd.Timestamp(0)]}),
            ["Qualify"],
        )


def test_a_step_back_is_one_visit_that_ends_undecided(tmp_path: Path) -> None:
    history = HISTORY.replace(
        "A,Closed Won,2026-03-20",
        "A,Qualify,2026-03-11T10:00:00.000+0000\nA,Propose,2026-03-13T10:00:00.000+0000\n"
        "A,Closed Won,2026-03-20",
    )
    deals, h, _ = _read(tmp_path, OPPORTUNITIES, history)
    spells = stage_spells(h, closes(deals), ["Qualify", "Propose"], np.datetime64("2026-03-27"))
    a_propose = sorted(zip(*spells["Propose"], strict=True))
    # A: Propose 9th-11th (stepped back: open), Propose again 13th-20th (won); C open.
    assert a_propose == [(2.0, OPEN), (5.0, ADVANCED), (9.0, OPEN)]
    a_qualify = sorted(zip(*spells["Qualify"], strict=True))
    assert a_qualify == [(2.0, ADVANCED), (5.0, ADVANCED), (5.0, ADVANCED), (9.0, LOST)]


def test_the_stage_order_follows_the_moves_not_the_first_entries() -> None:
    """Most deals created straight into "Negotiation" (a migration) would put it first by the
    position at which deals first appear; the moves deals make put it last."""
    rows = []
    for i in range(30):  # migrated: first seen in Negotiation
        rows.append((f"m{i}", "Negotiation", "2026-01-05"))
    for i in range(10):  # new deals go through the funnel
        rows += [
            (f"n{i}", "Qualify", "2026-01-06"),
            (f"n{i}", "Propose", "2026-01-08"),
            (f"n{i}", "Negotiation", "2026-01-12"),
        ]
    h = pd.DataFrame(rows, columns=["deal", "stage", "date"]).assign(
        date=lambda d: pd.to_datetime(d["date"]), seq=range(len(rows))
    )
    assert order_by_moves(h) == ["Qualify", "Propose", "Negotiation"]


def test_a_sort_order_or_probability_column_gives_the_order(tmp_path: Path) -> None:
    history = (
        "OpportunityId,StageName,Probability,CreatedDate\n"
        + "\n".join(
            f"{d},{s},{p},{t}"
            for d, s, p, t in [
                ("C", "Propose", "50", "2026-03-09"),  # C entered Propose before Qualify
                ("C", "Qualify", "10", "2026-03-16"),
                ("A", "Qualify", "10", "2026-03-02"),
                ("A", "Closed Won", "100", "2026-03-20"),
            ]
        )
        + "\n"
    )
    _, h, _ = _read(tmp_path, OPPORTUNITIES, history)
    order, how = stage_order(h, None, {"Qualify": 10.0, "Propose": 50.0})
    assert order == ["Qualify", "Propose"]
    assert how == "by the export's stage sort order or probability"
    ledger = Ledger()
    (tmp_path / "opps.csv").write_text(OPPORTUNITIES)
    export = read_export(tmp_path / "opps.csv", Options(), ledger)
    read_history(tmp_path / "hist.csv", export, Options(), ledger)
    assert export.sort_keys == {"Qualify": 10.0, "Propose": 50.0}


@pytest.mark.parametrize(
    ("header", "pipelines", "expected"),
    [
        ('Date entered "Closed Won (Sales Pipeline)"', (), ("Closed Won", "Sales Pipeline")),
        ('Date entered "Closed Won" (Sales Pipeline)', (), ("Closed Won", "Sales Pipeline")),
        ('Date entered "Closed Won"', (), ("Closed Won", None)),
        (
            'Date entered "Reunião realizada (SQL) (Closer - Pipeline de Vendas)"',
            ("Closer - Pipeline de Vendas",),
            ("Reunião realizada (SQL)", "Closer - Pipeline de Vendas"),
        ),
        ('Date entered "Reunião realizada (SQL)"', ("Vendas",), ("Reunião realizada (SQL)", None)),
        (
            'Data de entrada "Proposta enviada (Vendas)"',
            ("Vendas",),
            ("Proposta enviada", "Vendas"),
        ),
    ],
)
def test_hubspot_stage_history_headers_in_their_real_forms(
    header: str, pipelines: tuple[str, ...], expected: tuple[str, str | None]
) -> None:
    [(column, stage, pipeline)] = entered_columns(
        [header, 'Date exited "Closed Won (Sales Pipeline)"', "Date entered current stage"],
        pipelines,
    )
    assert column == header
    assert (stage, pipeline) == expected


def test_without_a_pipeline_column_a_shared_trailing_group_is_the_pipeline() -> None:
    headers = [
        'Date entered "Reunião agendada (Closer)"',
        'Date entered "Reunião realizada (SQL) (Closer)"',
        'Date entered "Fechado ganho (Closer)"',
    ]
    assert [(s, p) for _, s, p in entered_columns(headers)] == [
        ("Reunião agendada", "Closer"),
        ("Reunião realizada (SQL)", "Closer"),
        ("Fechado ganho", "Closer"),
    ]
    mixed = ['Date entered "Reunião realizada (SQL)"', 'Date entered "Proposta"']
    assert [(s, p) for _, s, p in entered_columns(mixed)] == [
        ("Reunião realizada (SQL)", None),
        ("Proposta", None),
    ]


def test_hubspot_date_entered_columns_become_the_history(tmp_path: Path) -> None:
    text = (
        "Record ID,Deal owner,Deal Stage,Amount,Create Date,Close Date,Pipeline,"
        '"Date entered ""Appointment scheduled (Sales Pipeline)""",'
        '"Date entered ""Contract sent (Sales Pipeline)""",'
        '"Date entered ""Closed won (Sales Pipeline)"""\n'
        "11,Ann,Closed won,3000,2026-01-05 10:00,2026-02-02 10:00,Sales Pipeline,"
        "2026-01-05 10:00,2026-01-20 10:00,2026-02-02 10:00\n"
        "12,Bo,Appointment scheduled,800,2026-01-06 09:00,2026-05-01 00:00,Sales Pipeline,"
        "2026-01-06 09:00,,\n"
    )
    (tmp_path / "deals.csv").write_text(text)
    ledger = Ledger()
    export = read_export(tmp_path / "deals.csv", Options(), ledger)
    history = hubspot_history(export, Options(), ledger)
    assert history[["deal", "stage", "date"]].to_dict("list") == {
        "deal": ["11", "11", "12"],
        "stage": ["Appointment scheduled", "Contract sent", "Appointment scheduled"],
        "date": [
            pd.Timestamp("2026-01-05"),
            pd.Timestamp("2026-01-20"),
            pd.Timestamp("2026-01-06"),
        ],
    }
    assert stage_order(history)[0] == ["Appointment scheduled", "Contract sent"]
