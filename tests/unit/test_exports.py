"""Reading CRM exports: three shapes, told apart by their header, and every problem at once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.calibration.exports import ExportError, detect, read_export

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


def _file(tmp: Path, text: str | bytes, name: str = "export.csv") -> Path:
    path = tmp / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "shape"), [(SALESFORCE, "salesforce"), (HUBSPOT, "hubspot"), (GENERIC, "generic")]
)
def test_each_shape_is_told_by_its_header_and_read_into_one_table(
    tmp_path: Path, text: str, shape: str
) -> None:
    assert detect(text.splitlines()[0].split(",")) == shape
    deals = read_export(_file(tmp_path, text))
    assert list(deals.columns) == ["deal", "owner", "stage", "amount", "created", "closed", "won"]
    assert deals["won"].tolist()[0] is True
    assert pd.isna(deals["closed"].iloc[1])  # the open deal has no close, whatever its export says
    assert deals["created"].iloc[0] == pd.Timestamp("2026-01-05")  # times of day dropped


def test_salesforce_amounts_with_thousands_separators_and_blanks(tmp_path: Path) -> None:
    deals = read_export(_file(tmp_path, SALESFORCE))
    assert deals["amount"].iloc[0] == 45_000
    assert pd.isna(deals["amount"].iloc[2])
    assert deals["won"].tolist() == [True, False, False]
    assert deals["closed"].iloc[2] == pd.Timestamp("2026-02-27")


def test_other_column_names_are_mapped(tmp_path: Path) -> None:
    text = GENERIC.replace("owner", "rep").replace("deal,", "id,", 1)
    with pytest.raises(ExportError, match="not a Salesforce, HubSpot or generic export"):
        read_export(_file(tmp_path, text))
    deals = read_export(_file(tmp_path, text), "generic", {"deal": "id", "owner": "rep"})
    assert deals["owner"].tolist() == ["r1", "r2"]


def test_every_problem_is_one_line_with_its_rows(tmp_path: Path) -> None:
    text = (
        "deal,owner,stage,amount,created,closed,won\n"
        "a,r1,Won,12x,2026-01-05,2026-01-30,true\n"
        "a,r1,Won,-5,2026-13-45,2026-01-30,maybe\n"
        "c,r2,Lost,10,2026-02-05,2026-01-30,false\n"
    )
    with pytest.raises(ExportError) as caught:
        read_export(_file(tmp_path, text))
    lines = caught.value.problems
    assert "export.csv: deal ids repeated on rows 2, 3" in lines
    assert "export.csv: amounts that are not numbers on rows 2" in lines
    assert "export.csv: negative amounts on rows 3" in lines
    assert "export.csv: created dates that do not parse on rows 3" in lines
    assert "export.csv: won is not true or false on rows 3" in lines
    assert "export.csv: closed before created on rows 4" in lines


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "not a readable CSV"),
        (b"\x00\x01\x02binary", "a binary file"),
        (b"deal,owner,stage,amount,created,closed,won\n", "no deals"),
        (b"Id,StageName,CloseDate\n1,Won,2026-01-01\n", "no column 'OwnerId' for owner"),
    ],
)
def test_files_that_are_not_exports_say_so(tmp_path: Path, content: bytes, words: str) -> None:
    with pytest.raises(ExportError, match=words):
        read_export(_file(tmp_path, content))


def test_many_bad_rows_are_counted_not_listed(tmp_path: Path) -> None:
    rows = "".join(f"d{i},r,Won,x{i},2026-01-05,,false\n" for i in range(9))
    with pytest.raises(ExportError, match=r"rows 2, 3, 4, 5, 6 and 4 more"):
        read_export(_file(tmp_path, "deal,owner,stage,amount,created,closed,won\n" + rows))
