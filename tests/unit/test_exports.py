"""Reading CRM exports: three shapes told apart by their header, every row in the ledger (used,
repaired by a rule, or set aside with a reason), and a refusal only when nothing can stand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.calibration.exports import (
    ExportError,
    Options,
    detect,
    outcome_of,
    read_export,
    read_rates,
)
from sim.calibration.ledger import Ledger
from sim.calibration.reading import LINE

SALESFORCE = """Id,OwnerId,StageName,Amount,CreatedDate,CloseDate,IsClosed,IsWon
006A,005X,Closed Won,"45,000",2026-01-05T09:30:00.000+0000,2026-03-02,true,true
006B,005X,Proposal,12000,2026-02-10,2026-06-30,false,false
006C,005Y,Closed Lost,,2026-01-20,2026-02-27,true,false
"""
HUBSPOT = """Record ID,Deal Name,Deal owner,Deal Stage,Amount,Create Date,Close Date
11,Acme,Ann,Closed won,30000,2026-01-05 10:00,2026-02-16 12:00
12,Bolt,Bo,Presentation scheduled,8000,2026-02-01 09:00,2026-05-01 00:00
13,Cog,Ann,Closed lost,5000,2026-01-12 09:00,2026-02-02 09:00
"""
GENERIC = """deal,owner,stage,amount,created,closed,won
a,r1,Won,100,2026-01-05,2026-01-30,true
b,r2,Qualify,200,2026-01-06,,false
"""
FIELDS = ["deal", "owner", "stage", "amount", "created", "closed", "won", LINE]


def _file(tmp: Path, text: str | bytes, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode(encoding))
    return path


def _read(path: Path, **options: object) -> tuple[pd.DataFrame, Ledger]:
    ledger = Ledger()
    export = read_export(path, Options(**options), ledger)  # type: ignore[arg-type]
    return export.deals, ledger


@pytest.mark.parametrize(
    ("text", "shape"), [(SALESFORCE, "salesforce"), (HUBSPOT, "hubspot"), (GENERIC, "generic")]
)
def test_each_shape_is_told_by_its_header_and_read_into_one_table(
    tmp_path: Path, text: str, shape: str
) -> None:
    assert detect(text.splitlines()[0].split(",")) == shape
    deals, ledger = _read(_file(tmp_path, text))
    assert list(deals.columns) == FIELDS
    assert deals["won"].tolist()[0] is True
    assert pd.isna(deals["closed"].iloc[1])  # the open deal has no close, whatever its export says
    assert deals["created"].iloc[0] == pd.Timestamp("2026-01-05")  # times of day dropped
    assert deals[LINE].tolist()[:2] == [2, 3]
    assert ledger.entries == []


def test_salesforce_amounts_with_thousands_separators_and_blanks(tmp_path: Path) -> None:
    deals, _ = _read(_file(tmp_path, SALESFORCE))
    assert deals["amount"].iloc[0] == 45_000
    assert pd.isna(deals["amount"].iloc[2])
    assert deals["won"].tolist() == [True, False, False]
    assert deals["closed"].iloc[2] == pd.Timestamp("2026-02-27")


def test_other_column_names_are_mapped(tmp_path: Path) -> None:
    text = GENERIC.replace("owner", "seller").replace("deal,", "ref,", 1)
    with pytest.raises(ExportError, match="not a Salesforce, HubSpot or generic export"):
        _read(_file(tmp_path, text))
    deals, _ = _read(
        _file(tmp_path, text), shape="generic", columns={"deal": "ref", "owner": "seller"}
    )
    assert deals["owner"].tolist() == ["r1", "r2"]


def test_data_loader_upper_case_headers_are_the_same_columns(tmp_path: Path) -> None:
    upper = SALESFORCE.replace(SALESFORCE.splitlines()[0], SALESFORCE.splitlines()[0].upper())
    deals, _ = _read(_file(tmp_path, upper))
    assert deals["won"].tolist() == [True, False, False]


def test_rows_that_cannot_be_used_as_they_are_go_into_the_ledger(tmp_path: Path) -> None:
    text = (
        "deal,owner,stage,amount,created,closed,won\n"
        "a,r1,Won,12x,2026-01-05,2026-01-30,true\n"  # 2: amount not a number -> blank
        "a,r1,Won,5,2026-01-06,2026-01-30,true\n"  # 3: repeated id -> set aside
        "c,r2,Lost,-10,2026-02-05,2026-02-20,false\n"  # 4: negative -> set aside
        "d,r2,Won,10,2026-13-45,2026-01-30,true\n"  # 5: created not a date -> set aside
        "e,r2,Won,10,2026-02-05,2026-01-30,maybe\n"  # 6: won neither -> set aside
        "f,r2,Lost,10,2026-02-05,2026-01-30,false\n"  # 7: closed before created -> repaired
        "g,r2,Qualify,10,,,false\n"  # 8: no created date -> set aside
        "h,r2,Won,1e23,2026-02-05,2026-03-30,true\n"  # 9: implausible amount -> set aside
        "i,r3,Lost,5\n"  # 10: too few fields -> set aside
    )
    deals, ledger = _read(_file(tmp_path, text))
    assert deals["deal"].tolist() == ["a", "f"]
    got = {(e.action, e.reason.split(" (")[0].split(":")[0]): e.lines for e in ledger.entries}
    assert got == {
        ("set aside", "another number of fields than the header"): [10],
        ("repaired", "an amount that is not a number"): [2],
        ("set aside", "a negative amount"): [4],
        ("set aside", "a created date that is not a date"): [5],
        ("set aside", "won is neither true nor false"): [6],
        ("repaired", "closed before it was created"): [7],
        ("set aside", "no created date"): [8],
        ("set aside", "an amount over 1,000,000,000"): [9],
        ("set aside", "a deal id repeated"): [3],
    }
    assert deals.loc[deals["deal"] == "f", "closed"].iloc[0] == pd.Timestamp("2026-02-05")
    assert pd.isna(deals["amount"].iloc[0])
    with pytest.raises(ExportError) as caught:
        _read(_file(tmp_path, text), strict=True)
    assert "export.csv: 1 row closed before it was created" in "\n".join(caught.value.problems)
    assert len(caught.value.problems) == len(ledger.entries)


def test_won_on_an_open_deal_is_closed_won_on_its_close_date(tmp_path: Path) -> None:
    text = SALESFORCE + "006D,005Y,Proposal,10,2026-01-20,2026-02-27,false,true\n"
    deals, ledger = _read(_file(tmp_path, text))
    assert deals["closed"].iloc[3] == pd.Timestamp("2026-02-27")
    assert deals["won"].iloc[3]
    assert [e.reason for e in ledger.entries] == [
        "marked won but open: counted as closed won on its close date"
    ]


def test_stage_names_are_kept_as_written_and_spellings_made_one(tmp_path: Path) -> None:
    text = (
        "deal,owner,stage,amount,created,closed,won\n"
        "a,r1,Negociación,1,2026-01-05,,false\n"
        "b,r1,Negociación,1,2026-01-05,,false\n"
        'c,r1,"negociación ",1,2026-01-05,,false\n'
        'd,r1,"Diseño\ufeff o\npropuesta",1,2026-01-05,,false\n'
        "e,r1,🚀 Launch,1,2026-01-05,,false\n"
    )
    deals, ledger = _read(_file(tmp_path, text))
    assert deals["stage"].tolist() == [
        "Negociación",
        "Negociación",
        "Negociación",
        "Diseño o propuesta",
        "🚀 Launch",
    ]
    reasons = {e.reason: e.lines for e in ledger.entries}
    assert reasons["stage written as 'negociación': read as 'Negociación'"] == [4]
    assert reasons["stage name cleaned of invisible characters or line breaks"] == [5]


@pytest.mark.parametrize(
    ("label", "outcome"),
    [
        ("Closed Won", "won"),
        ("closed lost", "lost"),
        ("Won", "won"),
        ("Cerrada ganada", "won"),
        ("Cerrada perdida", "lost"),
        ("Fechado ganho (Closer)", "won"),
        ("Perdu", "lost"),
        ("Gewonnen", "won"),
        ("Negociación", None),
        ("Win/Loss review", None),
    ],
)
def test_outcome_stages_are_told_by_their_words(label: str, outcome: str | None) -> None:
    assert outcome_of(label) == outcome
    assert outcome_of(label, won=("Negociación",)) == ("won" if label == "Negociación" else outcome)


def test_final_stage_exports_without_a_won_column_read_won_and_lost_from_the_stage(
    tmp_path: Path,
) -> None:
    text = (
        "opportunity_id,sales_agent,product,deal_stage,engage_date,close_date,close_value\n"
        "A1,Ann,P,Won,2017-01-05,2017-02-01,1054\n"
        "A2,Ann,P,Lost,2017-01-06,2017-02-03,0\n"
        "A3,Bo,P,Engaging,2017-01-07,,\n"
        "A4,Bo,P,Prospecting,,,\n"
        "A5,Bo,P,Gagné,2017-01-08,2017-03-01,10\n"
    )
    deals, ledger = _read(_file(tmp_path, text))
    assert deals["deal"].tolist() == ["A1", "A2", "A3", "A5"]
    assert deals["won"].tolist() == [True, False, False, True]
    assert deals["closed"].notna().tolist() == [True, True, False, True]
    assert [(e.reason, e.lines) for e in ledger.entries] == [("no created date", [5])]
    custom, _ = _read(_file(tmp_path, text.replace("Won", "Signed")), won_stages=("Signed",))
    assert custom["won"].tolist() == [True, False, False, True]


def test_several_currencies_are_refused_unless_converted_or_one_is_kept(tmp_path: Path) -> None:
    text = (
        "Id,OwnerId,StageName,Amount,CurrencyIsoCode,CreatedDate,CloseDate,IsClosed,IsWon\n"
        "1,o,Closed Won,100,USD,2026-01-05,2026-02-01,true,true\n"
        "2,o,Closed Won,100,EUR,2026-01-05,2026-02-01,true,true\n"
        "3,o,Closed Won,2000000,COP,2026-01-05,2026-02-01,true,true\n"
    )
    path = _file(tmp_path, text)
    with pytest.raises(ExportError) as caught:
        _read(path)
    assert caught.value.problems == [
        "export.csv: amounts in 3 currencies (USD 1, EUR 1, COP 1): give --rates FILE (lines "
        "currency,usd_per_unit) to convert them, or --currency CODE to use one"
    ]
    rates = read_rates(
        str(_file(tmp_path, "currency,usd_per_unit\nUSD,1\nEUR,1.08\nCOP,0.00025\n", "rates.csv"))
    )
    deals, _ = _read(path, rates=rates)
    assert deals["amount"].tolist() == pytest.approx([100, 108, 500])
    kept, ledger = _read(path, currency="eur")
    assert kept["deal"].tolist() == ["2"]
    assert ledger.entries[0].reason == "an amount in another currency than EUR"
    with pytest.raises(ExportError, match=r"--rates: no rate for COP"):
        _read(path, rates={"USD": 1.0, "EUR": 1.1})


def test_one_pipeline_at_a_time(tmp_path: Path) -> None:
    text = HUBSPOT.replace("Close Date\n", "Close Date,Pipeline\n", 1)
    lines = text.splitlines()
    pipelines = ["Sales", "Sales", "Renewals"]
    rows = [f"{ln},{p}" for ln, p in zip(lines[1:], pipelines, strict=True)]
    text = "\n".join([lines[0], *rows]) + "\n"
    path = _file(tmp_path, text)
    with pytest.raises(ExportError, match=r"deals of 2 pipelines \(Sales 2, Renewals 1\)"):
        _read(path)
    deals, ledger = _read(path, pipeline="Sales")
    assert deals["deal"].tolist() == ["11", "12"]
    assert ledger.entries[0].count == 1
    with pytest.raises(ExportError, match=r"--pipeline Other: export\.csv has no such pipeline"):
        _read(path, pipeline="Other")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "a binary file"),
        (b"deal,owner,stage,amount,created,closed,won\n", "no deals"),
        (b"Id,StageName,CloseDate\n1,Won,2026-01-01\n", "no column 'OwnerId' for owner"),
        (b"AWS_SECRET_ACCESS_KEY=abc123\n", "not a CSV export \\(its first line is not a header"),
        (b"root:*:19000:0:99999:7:::\n", "not a CSV export \\(its first line is not a header"),
    ],
)
def test_files_that_are_not_exports_say_so_without_quoting_them(
    tmp_path: Path, content: bytes, words: str
) -> None:
    with pytest.raises(ExportError, match=words) as caught:
        _read(_file(tmp_path, content))
    assert "abc123" not in str(caught.value)
    assert "root" not in str(caught.value)


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(ExportError, match="not a regular file"):
        _read(fifo)
    with pytest.raises(ExportError, match="not a regular file"):
        _read(Path("/dev/urandom"))
    with pytest.raises(ExportError, match="a folder"):
        _read(tmp_path)
