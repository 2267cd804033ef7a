"""When each deal entered each stage: a CRM's stage history as one table, and the stages' order.

- Salesforce's OpportunityHistory export: ``OpportunityId, StageName, CreatedDate`` (the time of
  each change), often with ``Probability`` and a sort order;
- HubSpot's deals export, whose ``Date entered "<stage> (<pipeline>)"`` columns hold the same
  (:func:`hubspot_history`: the pipeline inside the quotes as HubSpot writes it today, after
  them as older exports did, or left out; stage names that hold parentheses themselves).

Either becomes ``deal, stage, date, seq`` (``seq`` orders the changes of one day), the input of
:func:`sim.analysis.stages.stage_spells`, with its closes from the deals table
(:func:`closes`). Outcome stages ("Closed Won", "Cerrada perdida") are outcomes, not stages, and
are left out. :func:`stage_order` puts the open stages in order: as given, else by the export's
sort order or probability, else by the moves most deals make.

Rows that cannot be used go into the ledger: changes of deals the opportunities export does not
have (deleted since, or filtered out) and of deals set aside there, dates that are not dates,
blank stages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.calibration.exports import (
    OPTIONAL,
    Export,
    ExportError,
    Options,
    clean_labels,
    find_column,
    outcome_of,
    stage_ranks,
)
from sim.calibration.ledger import Ledger, lines_of
from sim.calibration.reading import LINE, decide_order, parse_dates, read_table
from sim.scenario.fields import MAX_STAGE_NAME
from sim.scenario.problems import clean

SALESFORCE_HISTORY = {
    "deal": ("OpportunityId", "Opportunity ID", "Opportunity"),
    "stage": ("StageName", "Stage", "To Stage"),
    "date": ("CreatedDate", "Created Date", "Edit Date", "Date"),
}
"""Each field's columns in a Salesforce OpportunityHistory export."""
ENTERED = re.compile(
    r"^\s*(?:Date entered|Fecha de entrada(?: en| a)?|Fecha introducida|Data de entrada(?: em| no)?"
    r"|Date d.entr[ée]e(?: dans)?|Datum des Eintritts(?: in)?|Eintrittsdatum)\s*"
    r"[\"“](?P<label>.+)[\"”]\s*(?:\((?P<outer>[^()]*)\))?\s*$",
    re.IGNORECASE,
)
"""A HubSpot stage-history column: its stage label (with the pipeline inside, as HubSpot writes
it today) and a pipeline after the quotes (older exports). English, and the portal languages'
forms we could infer; any other is read with --columns."""
_TRAILING = re.compile(r"^(?P<stage>.+?)\s*\((?P<pipeline>[^()]*)\)$")
EMPTY = pd.DataFrame(
    {
        "deal": pd.Series([], dtype=object),
        "stage": pd.Series([], dtype=object),
        "date": pd.Series([], dtype="datetime64[ns]"),
        "seq": pd.Series([], dtype=np.int64),
    }
)


def read_history(
    path: str | os.PathLike[str], export: Export, options: Options, ledger: Ledger
) -> pd.DataFrame:
    """A Salesforce OpportunityHistory export as ``deal, stage, date, seq`` (see the module
    docstring); its sort order or probability columns fill ``export.sort_keys`` if the
    opportunities export had none."""
    table = read_table(path, options.encoding)
    shown = table.name
    ledger.file(table)
    names = {f: find_column(table.columns, c) for f, c in SALESFORCE_HISTORY.items()}
    missing = [SALESFORCE_HISTORY[f][0] for f, c in names.items() if c is None]
    if missing:
        raise ExportError(
            [f"{shown}: no column {c!r} (an OpportunityHistory export has it)" for c in missing]
        )
    raw = table.rows
    text = {f: raw[c].astype(str).str.strip() for f, c in names.items() if c is not None}
    order, said = decide_order([text["date"]], shown, table.delimiter, options.date_order)
    ledger.note(said)
    stage, changed = clean_labels(text["stage"])
    known = _label_keys(export)
    stage = stage.map({s: known.get(_key(s), s) for s in stage.unique()})
    history = pd.DataFrame(
        {
            "deal": text["deal"],
            "stage": stage,
            "date": parse_dates(text["date"], order),
            LINE: raw[LINE],
        }
    )
    # Several changes on one day: in the order of their times, then as listed.
    history["stamp"] = pd.to_datetime(
        text["date"], errors="coerce", format="ISO8601", utc=True
    ).dt.tz_convert(None)
    history = history.sort_values(["deal", "date", "stamp"], kind="stable", na_position="last")
    history["seq"] = np.arange(len(history))
    aside = np.zeros(len(history), dtype=bool)
    kept_deals = set(export.deals["deal"])

    def set_aside(mask: pd.Series | np.ndarray, reason: str) -> None:
        m = np.asarray(mask, dtype=bool) & ~aside
        ledger.add(shown, "set aside", reason, lines_of(history, m))
        aside[m] = True

    set_aside(history["deal"] == "", "no deal id")
    set_aside(history["stage"] == "", "no stage")
    set_aside(
        history["stage"].str.len() > MAX_STAGE_NAME,
        f"a stage name over {MAX_STAGE_NAME} characters",
    )
    set_aside(history["date"].isna(), "a date that is not a date")
    read_deals = set(export.table.rows[export.names["deal"]].astype(str).str.strip())
    set_aside(
        ~history["deal"].isin(read_deals),
        "a change of a deal not in the opportunities export (deleted, or not exported)",
    )
    set_aside(~history["deal"].isin(kept_deals), "a change of a deal set aside there")
    ledger.add(
        shown,
        "repaired",
        "stage name cleaned of invisible characters or line breaks",
        lines_of(history, np.asarray(changed.reindex(history.index), bool) & ~aside),
    )
    if not export.sort_keys:
        rows = raw.loc[history.index]
        found = (find_column(table.columns, OPTIONAL[f]) for f in ("sort_order", "probability"))
        ranks = stage_ranks(
            [rows[c] if c is not None else None for c in found], history["stage"], export.outcomes
        )
        if ranks:
            export.sort_keys = ranks
    if options.strict and ledger.entries:
        raise ExportError(ledger.problems())
    kept = history[~aside]
    opened = kept["stage"].map({s: _is_open(s, export, options) for s in kept["stage"].unique()})
    return kept.loc[opened.to_numpy(bool), ["deal", "stage", "date", "seq"]].reset_index(drop=True)


def _key(label: str) -> str:
    from sim.scenario.fields import label_key

    return label_key(label)


def _label_keys(export: Export) -> dict[str, str]:
    """The opportunities export's spelling of each stage, by its key: a history that writes a
    stage another way ("negociación" for "Negociación") is read as the export writes it."""
    return {_key(s): s for s in pd.unique(export.deals["stage"])}


def _is_open(label: str, export: Export, options: Options) -> bool:
    if label in export.outcomes:
        return False
    return outcome_of(label, options.won_stages, options.lost_stages) is None


def entered_columns(
    columns: Sequence[str], pipelines: Sequence[str] = ()
) -> list[tuple[str, str, str | None]]:
    """(column, stage, pipeline) of each HubSpot stage-history column among ``columns``.

    The pipeline is what follows the stage in the quotes ("Closed Won (Sales Pipeline)") or
    after them (older exports). A stage name may hold parentheses itself ("Reunião realizada
    (SQL)"), so a trailing ``(...)`` inside the quotes is a pipeline only if it is one of
    ``pipelines`` (the export's Pipeline column) or, without that column, if every such column
    ends with it (an export of one pipeline)."""
    found = []
    for column in columns:
        m = ENTERED.match(str(column))
        if m is not None:
            found.append((column, m["label"].strip(), m["outer"]))
    known = {p.strip() for p in pipelines if p.strip()}
    trailing = [_TRAILING.match(label) for _, label, outer in found if outer is None]
    shared = {t["pipeline"] for t in trailing if t is not None}
    common = (
        next(iter(shared))
        if not known and len(shared) == 1 and all(t is not None for t in trailing)
        else None
    )
    out: list[tuple[str, str, str | None]] = []
    for column, label, outer in found:
        if outer is not None:
            out.append((column, label, outer.strip()))
            continue
        t = _TRAILING.match(label)
        if t is not None and (t["pipeline"].strip() in known or t["pipeline"] == common):
            out.append((column, t["stage"].strip(), t["pipeline"].strip()))
        else:
            out.append((column, label, None))
    return out


def hubspot_history(export: Export, options: Options, ledger: Ledger) -> pd.DataFrame:
    """The stage-history columns of a HubSpot deals export as ``deal, stage, date, seq`` (see
    :func:`entered_columns`; blank cells: the deal never entered that stage). With a Pipeline
    column only the kept pipeline's columns are read."""
    table = export.table
    pipeline_column = export.names.get("pipeline")
    pipelines = (
        list(pd.unique(table.rows[pipeline_column].astype(str).str.strip()))
        if pipeline_column
        else []
    )
    columns = entered_columns(table.columns, pipelines)
    if not columns:
        return EMPTY.copy()
    chosen = options.pipeline or (pipelines[0] if len(pipelines) == 1 else None)
    deal_col = export.names["deal"]
    ids = table.rows[deal_col].astype(str).str.strip()
    keep = ids.isin(set(export.deals["deal"])).to_numpy()
    known = _label_keys(export)
    texts = [table.rows[c].astype(str).str.strip() for c, _, _ in columns]
    order, note = decide_order(texts, table.name, table.delimiter, options.date_order)
    ledger.note(note)
    rows = []
    for k, ((_, stage, pipeline), text) in enumerate(zip(columns, texts, strict=True)):
        if pipeline is not None and chosen is not None and pipeline != chosen:
            continue
        label = clean_labels(pd.Series([stage]))[0].iloc[0]
        label = known.get(_key(label), label)
        if not label or len(label) > MAX_STAGE_NAME:
            ledger.note(
                f"{table.name}: a 'Date entered' column whose stage name is blank or over "
                f"{MAX_STAGE_NAME} characters was not read"
            )
            continue
        if not _is_open(label, export, options):
            continue
        dates = parse_dates(text, order)
        entered = dates.notna().to_numpy() & keep
        rows.append(
            pd.DataFrame(
                {
                    "deal": ids[entered].to_numpy(),
                    "stage": label,
                    "date": dates[entered].to_numpy(),
                    "seq": k,
                }
            )
        )
    if not rows:
        return EMPTY.copy()
    history = pd.concat(rows, ignore_index=True)
    return history.sort_values(["deal", "date", "seq"], kind="stable").reset_index(drop=True)


def closes(deals: pd.DataFrame) -> pd.DataFrame:
    """``deal, won, date`` of the closed deals of a deals table."""
    done = deals[deals["closed"].notna()]
    return pd.DataFrame({"deal": done["deal"], "won": done["won"], "date": done["closed"]})


def stage_order(
    history: pd.DataFrame,
    given: Sequence[str] | None = None,
    sort_keys: Mapping[str, float] | None = None,
) -> tuple[list[str], str]:
    """The open stages in the order deals go through them, and how it was found: as ``given``
    (checked against the history), by the export's sort order or probability (``sort_keys``),
    or by the moves deals make (:func:`order_by_moves`)."""
    seen = list(dict.fromkeys(history["stage"]))
    if given is not None:
        keys = [_key(g) for g in given]
        twice = sorted(
            {clean(g, 40) for g, k in zip(given, keys, strict=True) if keys.count(k) > 1}
        )
        if twice:
            raise ExportError([f"--stages: {', '.join(twice)} listed twice"])
        unknown = [clean(s, 40) for s in seen if _key(s) not in keys]
        if unknown:
            raise ExportError(
                [
                    "--stages: the history has stages not in the order given: "
                    + ", ".join(unknown[:5])
                ]
            )
        spelled = {_key(s): s for s in seen}  # the history's own spelling of each
        return [spelled.get(_key(g), g) for g in given], "as given with --stages"
    if sort_keys and all(s in sort_keys for s in seen):
        ranked = sorted(sort_keys, key=lambda s: sort_keys[s])
        return ranked, "by the export's stage sort order or probability"
    return order_by_moves(history), "by the moves most deals make from stage to stage"


def order_by_moves(history: pd.DataFrame) -> list[str]:
    """Stages ordered by the moves deals make: a stage comes before another if more deals
    entered it first than the other way round (Copeland's count of such wins, ties broken by
    the mean position). Unlike the order in which deals first appear, it is not misled by deals
    created straight into a late stage (a CRM's migration)."""
    first = history.sort_values(["deal", "date", "seq"]).drop_duplicates(["deal", "stage"])
    stages = list(dict.fromkeys(first["stage"]))
    index = {s: i for i, s in enumerate(stages)}
    k = first["stage"].map(index).to_numpy()
    deal_codes = pd.factorize(first["deal"])[0]
    n = len(stages)
    before = np.zeros((n, n))
    # Each deal's stages in the order it entered them: every earlier one precedes every later.
    starts = np.flatnonzero(np.r_[True, deal_codes[1:] != deal_codes[:-1]])
    ends = np.r_[starts[1:], len(k)]
    for a, b in zip(starts, ends, strict=True):
        seq = k[a:b]
        if len(seq) > 1:
            i, j = np.triu_indices(len(seq), 1)
            np.add.at(before, (seq[i], seq[j]), 1)
    wins = (before > before.T).sum(axis=1)
    position = first.assign(p=first.groupby("deal").cumcount()).groupby("stage")["p"].mean()
    return sorted(stages, key=lambda s: (-wins[index[s]], position[s]))
