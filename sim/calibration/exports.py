"""Reading a CRM's opportunity export into one table of deals, or one line per problem.

Three shapes are known, told apart by their header unless named:

- ``salesforce``: an Opportunity export, ``Id, OwnerId, StageName, Amount, CreatedDate,
  CloseDate, IsClosed, IsWon``;
- ``hubspot``: a deals export, ``Deal ID`` (or ``Record ID``), ``Deal owner``, ``Deal Stage``,
  ``Amount``, ``Create Date``, ``Close Date``; closed and won are read from the stage's name
  ("closed won", "closed lost");
- ``generic``: ``deal, owner, stage, amount, created, closed, won`` (``closed``: the close date,
  blank while open; ``won``: true or false).

Any other names are mapped with ``columns`` ({our name: their column}). The result has one row
per deal with ``deal, owner, stage, amount, created, closed, won`` (``closed`` NaT while open),
and ``role`` when the export has the owner's role (``OwnerRole``).
Everything wrong is reported at once (:class:`ExportError`), one line each: missing columns with
the mapping line that would fix them, dates and amounts that do not parse (row numbers, the
first few), repeated ids, negative amounts, a close before its creation, an empty or binary file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pandas as pd

Format = Literal["salesforce", "hubspot", "generic"]
FIELDS = ("deal", "owner", "stage", "amount", "created", "closed", "won")
"""The columns of the deals table, in order."""
SHAPES: dict[str, dict[str, str]] = {
    "salesforce": {
        "deal": "Id",
        "owner": "OwnerId",
        "stage": "StageName",
        "amount": "Amount",
        "created": "CreatedDate",
        "closed": "CloseDate",
        "is_closed": "IsClosed",
        "won": "IsWon",
    },
    "hubspot": {
        "deal": "Deal ID",
        "owner": "Deal owner",
        "stage": "Deal Stage",
        "amount": "Amount",
        "created": "Create Date",
        "closed": "Close Date",
    },
    "generic": {f: f for f in FIELDS},
}
"""Each known export's column for each field."""
OPTIONAL = {"role": ("OwnerRole", "Owner Role", "role")}
"""Fields read when the export has one of their columns: the owner's role (an owner whose role
names a manager is a manager, not a rep)."""
SHOWN_ROWS = 5
"""Row numbers named in one problem line."""
TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f", ""}


class ExportError(ValueError):
    """An export that cannot be read as it is: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def detect(header: list[str]) -> Format | None:
    """The export a header comes from, or None."""
    names = set(header)
    if "StageName" in names and ({"Id", "CloseDate"} & names):
        return "salesforce"
    if "Deal Stage" in names and ({"Deal ID", "Record ID"} & names):
        return "hubspot"
    if {"deal", "stage", "created"} <= names:
        return "generic"
    return None


def _rows(mask: pd.Series) -> str:
    rows = [str(i + 2) for i in mask[mask].index[:SHOWN_ROWS]]  # +2: the header is line 1
    more = int(mask.sum()) - len(rows)
    return ", ".join(rows) + (f" and {more} more" if more > 0 else "")


def read_export(
    path: str | os.PathLike[str],
    shape: Format | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The deals of the export at ``path`` (see the module docstring)."""
    return deals_table(read_raw(path), Path(path).name, shape, columns)


def read_raw(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The CSV at ``path`` as text (every cell a string, blanks empty), or why it cannot be."""
    p = Path(path)
    shown = p.name
    try:
        head = p.read_bytes()[:4096]
    except OSError as exc:
        raise ExportError([f"{shown}: cannot read it ({exc.strerror or exc})"]) from None
    if b"\x00" in head:
        raise ExportError([f"{shown}: a binary file, not a CSV export"])
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ExportError([f"{shown}: not a readable CSV ({str(exc).splitlines()[0]})"]) from None
    with open(p, encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f), [])
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise ExportError(
            [
                f"{shown}: the column {c!r} appears {header.count(c)} times; export it once, or "
                "rename one and map it with --columns"
                for c in twice
            ]
        )
    return raw


def deals_table(
    raw: pd.DataFrame,
    shown: str,
    shape: Format | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The deals of an export read as text (every cell a string, blanks empty), named ``shown``
    in problems."""
    if raw.empty:
        raise ExportError([f"{shown}: no deals (only a header, or nothing)"])
    shape = shape or detect(list(raw.columns))
    if shape is None and not columns:
        raise ExportError(
            [
                f"{shown}: not a Salesforce, HubSpot or generic export (its columns: "
                f"{', '.join(list(raw.columns)[:8])}); name the format, or map the columns"
            ]
        )
    names = {**SHAPES[shape or "generic"], **(columns or {})}
    if shape == "hubspot" and "Deal ID" not in raw.columns:  # newer exports say Record ID
        names["deal"] = (columns or {}).get("deal", "Record ID")
    missing = [f for f, c in names.items() if c not in raw.columns]
    if missing:
        raise ExportError(
            [
                f"{shown}: no column {names[f]!r} for {f}; if it has another name, map it: "
                f"{f}: <its column>"
                for f in missing
            ]
        )
    deals = _deals(raw, names, shown)
    for field, candidates in OPTIONAL.items():
        column = (columns or {}).get(field) or next((c for c in candidates if c in raw), None)
        if column is not None and column in raw:
            deals[field] = raw[column].str.strip().to_numpy()
    return deals


def _deals(raw: pd.DataFrame, names: Mapping[str, str], shown: str) -> pd.DataFrame:
    problems: list[str] = []
    col = {f: raw[c].str.strip() for f, c in names.items()}
    deals = pd.DataFrame({"deal": col["deal"], "owner": col["owner"], "stage": col["stage"]})
    repeated = deals["deal"].duplicated(keep=False) & (deals["deal"] != "")
    if repeated.any():
        problems.append(f"{shown}: deal ids repeated on rows {_rows(repeated)}")
    blank = deals["deal"] == ""
    if blank.any():
        problems.append(f"{shown}: no deal id on rows {_rows(blank)}")
    amount = pd.to_numeric(col["amount"].str.replace(",", "", regex=False), errors="coerce")
    bad = amount.isna() & (col["amount"] != "")
    if bad.any():
        problems.append(f"{shown}: amounts that are not numbers on rows {_rows(bad)}")
    if (amount < 0).any():
        problems.append(f"{shown}: negative amounts on rows {_rows(amount < 0)}")
    deals["amount"] = amount
    for field in ("created", "closed"):
        # times of day and zones dropped: a date is a working day (naive times read as UTC)
        dates = pd.to_datetime(col[field], errors="coerce", format="mixed", utc=True)
        dates = dates.dt.tz_convert(None)
        bad = dates.isna() & (col[field] != "")
        if bad.any():
            problems.append(f"{shown}: {field} dates that do not parse on rows {_rows(bad)}")
        deals[field] = dates.dt.normalize()
    if (deals["created"].isna()).any():
        problems.append(f"{shown}: no created date on rows {_rows(deals['created'].isna())}")
    stage = deals["stage"].str.lower()
    if "won" in names:
        won = col["won"].str.lower()
        unknown = ~won.isin(TRUE | FALSE)
        if unknown.any():
            problems.append(f"{shown}: won is not true or false on rows {_rows(unknown)}")
        deals["won"] = won.isin(TRUE)
    else:
        deals["won"] = stage.str.contains("closed won", regex=False)
    if "is_closed" in names:
        is_closed = col["is_closed"].str.lower().isin(TRUE)
    else:
        is_closed = deals["closed"].notna() & (
            stage.str.contains("closed", regex=False) | ("won" in names)
        )
    deals.loc[~is_closed, "closed"] = pd.NaT
    early = deals["closed"] < deals["created"]
    if early.any():
        problems.append(f"{shown}: closed before created on rows {_rows(early)}")
    if problems:
        raise ExportError(problems)
    return deals[list(FIELDS)].reset_index(drop=True)
