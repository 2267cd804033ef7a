"""When each deal entered each stage: a CRM's stage history as one table, and the stages' order.

- Salesforce's OpportunityHistory export: ``OpportunityId, StageName, CreatedDate`` (the time of
  each change);
- HubSpot's deals export, whose ``Date entered "<stage>" (<pipeline>)`` columns hold the same.

Either becomes ``deal, stage, date`` (:func:`read_history`, :func:`hubspot_history`), the input
of :func:`sim.analysis.stages.stage_spells`, with its closes from the deals table
(:func:`closes`). Closing stages ("Closed Won", "Closed Lost") are outcomes, not stages, and are
left out. :func:`stage_order` puts the stages in the order deals go through them, unless the user
gives it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.calibration.exports import ExportError

SALESFORCE_HISTORY = {"deal": "OpportunityId", "stage": "StageName", "date": "CreatedDate"}
_ENTERED = re.compile(r'^Date entered "(?P<stage>.+)" \((?P<pipeline>.+)\)$')


def _is_closing(stage: pd.Series) -> pd.Series:
    return stage.str.lower().str.startswith("closed")


def _dates(text: pd.Series) -> pd.Series:
    dates = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
    return dates.dt.tz_convert(None).dt.normalize()


def read_history(path: str | os.PathLike[str], deals: pd.DataFrame) -> pd.DataFrame:
    """A Salesforce OpportunityHistory export as ``deal, stage, date``, or every problem at once:
    missing columns, dates that do not parse, deals the opportunities export does not have."""
    p = Path(path)
    shown = p.name
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ExportError([f"{shown}: not a readable CSV ({str(exc).splitlines()[0]})"]) from None
    return history_table(raw, deals, shown)


def history_table(raw: pd.DataFrame, deals: pd.DataFrame, shown: str) -> pd.DataFrame:
    """An OpportunityHistory export read as text as ``deal, stage, date`` (see
    :func:`read_history`), named ``shown`` in problems."""
    missing = [c for c in SALESFORCE_HISTORY.values() if c not in raw.columns]
    if missing:
        raise ExportError(
            [f"{shown}: no column {c!r} (an OpportunityHistory export has it)" for c in missing]
        )
    table = pd.DataFrame({f: raw[c].str.strip() for f, c in SALESFORCE_HISTORY.items()})
    table["date"] = _dates(table["date"])
    problems = []
    bad = table["date"].isna()
    if bad.any():
        rows = ", ".join(str(i + 2) for i in bad[bad].index[:5])
        problems.append(f"{shown}: dates that do not parse on rows {rows}")
    unknown = ~table["deal"].isin(set(deals["deal"]))
    if unknown.any():
        some = ", ".join(sorted(table.loc[unknown, "deal"].unique())[:5])
        problems.append(
            f"{shown}: {int(unknown.sum())} changes of deals the opportunities export does not "
            f"have ({some})"
        )
    if problems:
        raise ExportError(problems)
    return table[~_is_closing(table["stage"])].reset_index(drop=True)


def hubspot_history(raw: pd.DataFrame, deal_column: str = "Record ID") -> pd.DataFrame:
    """The ``Date entered "<stage>" (<pipeline>)`` columns of a HubSpot deals export as
    ``deal, stage, date`` (blank cells: the deal never entered that stage)."""
    rows = []
    for column in raw.columns:
        m = _ENTERED.match(str(column))
        if m is None:
            continue
        dates = _dates(raw[column].astype(str).str.strip().replace("", None))
        entered = dates.notna()
        rows.append(
            pd.DataFrame(
                {
                    "deal": raw.loc[entered, deal_column].astype(str).str.strip(),
                    "stage": m["stage"],
                    "date": dates[entered],
                }
            )
        )
    if not rows:
        return pd.DataFrame(
            {"deal": [], "stage": [], "date": pd.Series([], dtype="datetime64[ns]")}
        )
    table = pd.concat(rows, ignore_index=True)
    return table[~_is_closing(table["stage"])].reset_index(drop=True)


def closes(deals: pd.DataFrame) -> pd.DataFrame:
    """``deal, won, date`` of the closed deals of a deals table."""
    done = deals[deals["closed"].notna()]
    return pd.DataFrame({"deal": done["deal"], "won": done["won"], "date": done["closed"]})


def stage_order(history: pd.DataFrame, given: Sequence[str] | None = None) -> list[str]:
    """The open stages in the order deals go through them: as ``given`` (checked against the
    history), or by the mean position at which deals enter each."""
    seen = list(dict.fromkeys(history["stage"]))
    if given is not None:
        unknown = [s for s in seen if s not in given]
        if unknown:
            raise ExportError(
                [f"the history has stages not in the order given: {', '.join(unknown[:5])}"]
            )
        return list(given)
    first = history.sort_values(["deal", "date"]).drop_duplicates(["deal", "stage"])
    position = first.groupby("deal").cumcount()
    return list(
        first.assign(position=position).groupby("stage")["position"].mean().sort_values().index
    )
