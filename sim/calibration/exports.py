"""Reading a CRM's opportunity export into one table of deals, with a ledger of every row.

Three shapes are known, told apart by their header unless named (column names are matched
whatever their case, spaces and underscores, so Data Loader's ``ISWON`` is ``IsWon``):

- ``salesforce``: an Opportunity export, ``Id, OwnerId, StageName, Amount, CreatedDate,
  CloseDate`` and ``IsClosed, IsWon`` (report exports' "Opportunity ID", "Stage"... too);
- ``hubspot``: a deals export, ``Record ID`` (or ``Deal ID``), ``Deal owner``, ``Deal Stage``,
  ``Amount``, ``Create Date``, ``Close Date``, and ``Pipeline``;
- ``generic``: ``deal, owner, stage, amount, created, closed`` and, if it has one, ``won``
  (the public "CRM Sales Opportunities" data's ``opportunity_id, sales_agent, deal_stage,
  close_value, engage_date, close_date`` are known too).

Any other names are mapped with ``columns`` ({our name: their column}). The result has one row
per deal with ``deal, owner, stage, amount, created, closed, won, line`` (``closed`` NaT while
open; ``line`` the row's line in the file), and ``role`` when the export has the owner's role.

Whether a deal is closed and won comes from ``IsClosed``/``IsWon`` (or a ``won`` column) where
the export has them, else from its stage: stages named like "Closed Won" or "Won" and "Closed
Lost" or "Lost", in any case and in Spanish, Portuguese, French, German or Italian too, or those
given as ``won_stages`` and ``lost_stages``. Amounts in several currencies are converted with
``rates`` or one currency is kept (``currency``); deals of one pipeline are kept (``pipeline``).

What cannot be used as it is goes into the :class:`~sim.calibration.ledger.Ledger`, repaired by
a stated rule or set aside with its reason (see :func:`deals_table`); only what leaves nothing to
stand on (no deal left, a column missing, currencies that cannot be added up) is refused, one
line per problem (:class:`ExportError`). ``strict`` refuses every repair and every row set aside.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from sim.calibration.ledger import Ledger, lines_of
from sim.calibration.reading import (
    LINE,
    DateOrder,
    ExportError,
    Table,
    decide_order,
    parse_amounts,
    parse_dates,
    read_table,
)
from sim.scenario.fields import MAX_STAGE_NAME, label_key
from sim.scenario.problems import clean

__all__ = ["Export", "ExportError", "Options", "detect", "outcome_of", "read_export", "read_rates"]

Format = Literal["salesforce", "hubspot", "generic"]
FIELDS = ("deal", "owner", "stage", "amount", "created", "closed", "won")
"""The columns of the deals table, in order (then ``line``, and ``role`` if known)."""
REQUIRED = ("deal", "owner", "stage", "amount", "created", "closed")
"""The fields every export must have a column for."""
SHAPES: dict[str, dict[str, tuple[str, ...]]] = {
    "salesforce": {
        "deal": ("Id", "Opportunity ID", "OpportunityId"),
        "owner": ("OwnerId", "Opportunity Owner", "Owner ID", "Owner"),
        "stage": ("StageName", "Stage"),
        "amount": ("Amount",),
        "created": ("CreatedDate", "Created Date"),
        "closed": ("CloseDate", "Close Date"),
        "is_closed": ("IsClosed", "Closed"),
        "won": ("IsWon", "Won"),
    },
    "hubspot": {
        "deal": ("Record ID", "Deal ID"),
        "owner": ("Deal owner", "HubSpot Owner", "Owner"),
        "stage": ("Deal Stage",),
        "amount": ("Amount in company currency", "Amount"),
        "created": ("Create Date", "Created Date"),
        "closed": ("Close Date",),
        "is_closed": ("Is closed", "Is Deal Closed?"),
        "won": ("Is Closed Won",),
    },
    "generic": {
        "deal": ("deal", "opportunity_id", "id"),
        "owner": ("owner", "sales_agent", "rep"),
        "stage": ("stage", "deal_stage"),
        "amount": ("amount", "close_value", "value"),
        "created": ("created", "engage_date", "created_date", "create_date"),
        "closed": ("closed", "close_date"),
        "is_closed": ("is_closed",),
        "won": ("won",),
    },
}
"""Each known export's columns for each field, likeliest first."""
OPTIONAL: dict[str, tuple[str, ...]] = {
    "role": ("OwnerRole", "Owner Role", "role"),
    "currency": (
        "CurrencyIsoCode",
        "Currency",
        "Deal currency code",
        "Opportunity Currency",
        "Amount Currency",
    ),
    "pipeline": ("Pipeline",),
    "sort_order": ("StageSortOrder", "Stage Sort Order", "SortOrder"),
    "probability": ("Probability", "Probability (%)", "Deal probability"),
}
"""Fields read when the export has one of their columns."""
KNOWN_FIELDS = (*FIELDS, "is_closed", *OPTIONAL)
"""Every field a ``--columns`` file may map."""
TRUE = {"true", "1", "yes", "y", "t", "verdadero", "sí", "si", "sim", "vrai", "wahr", "x"}
FALSE = {"false", "0", "no", "n", "f", "", "falso", "não", "nao", "faux", "falsch"}
MAX_AMOUNT = 1e9
"""The largest amount one deal may have (the scenario's bound on a mean deal)."""
MIN_RATE, MAX_RATE = 1e-9, 1e6
"""US dollars a unit of a currency may be worth in ``--rates`` (the weakest currencies are worth
about 1e-5, the strongest a few dollars)."""
_WON = re.compile(r"\b(won|win|ganad[oa]s?|ganh[oa]s?|gagnee?s?|gewonnen|vint[oa]|vinte|wygrana)\b")
_LOST = re.compile(
    r"\b(lost|loss|perdid[oa]s?|perdu[e]?s?|verloren|pers[oa]|perse|przegrana|no ganad[oa])\b"
)


@dataclass(frozen=True)
class Options:
    """How to read an export: what the user said of it (the command's options)."""

    shape: Format | None = None
    columns: Mapping[str, str] | None = None
    encoding: str | None = None
    date_order: DateOrder | None = None
    won_stages: tuple[str, ...] = ()
    lost_stages: tuple[str, ...] = ()
    currency: str | None = None
    """Keep the deals in this currency (others set aside)."""
    rates: Mapping[str, float] | None = None
    """US dollars per unit of each currency: amounts converted."""
    pipeline: str | None = None
    strict: bool = False


@dataclass
class Export:
    """An opportunities export as read: its deals, the file as text, and what it is."""

    deals: pd.DataFrame
    table: Table
    shape: Format
    names: dict[str, str]
    """Our field: its column."""
    date_order: DateOrder
    outcomes: dict[str, str] = field(default_factory=dict)
    """Stage labels that are outcomes ("won" or "lost"), as told by the export."""
    sort_keys: dict[str, float] = field(default_factory=dict)
    """A rank per open stage from the export's sort order or probability columns, if any."""


def norm(name: str) -> str:
    """A column name as it is matched: case, spaces, underscores and a BOM ignored."""
    return re.sub(r"[\s_\ufeff]+", "", name).casefold()


def find_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """The first of ``candidates`` among ``columns`` (matched by :func:`norm`)."""
    by = {norm(c): c for c in columns}
    return next((by[norm(c)] for c in candidates if norm(c) in by), None)


def detect(header: Sequence[str]) -> Format | None:
    """The export a header comes from (the shape whose columns it has most of, ties to the
    likelier), or None if it has no shape's stage column and deal or created column."""
    names = {norm(h) for h in header}
    best: tuple[int, Format] | None = None
    for shape in ("salesforce", "hubspot", "generic"):
        fields = SHAPES[shape]
        found = {f for f, cs in fields.items() if any(norm(c) in names for c in cs)}
        # A CRM's own stage column and one more of its names tell it; a generic export needs
        # all three of deal, stage and created.
        needed = (
            [{"deal", "stage", "created"}]
            if shape == "generic"
            else [
                {"stage", "deal"},
                {"stage", "created"},
            ]
        )
        if not any(n <= found for n in needed):
            continue
        if best is None or len(found) > best[0]:
            best = (len(found), shape)
    return None if best is None else best[1]


def _plain(text: str) -> str:
    """Lower case without accents, for matching stage names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def outcome_of(label: str, won: Sequence[str] = (), lost: Sequence[str] = ()) -> str | None:
    """The outcome a stage label names, "won" or "lost", or None for an open stage: as given
    in ``won`` and ``lost``, else by its words (see the module docstring)."""
    key = label_key(label)
    if any(label_key(w) == key for w in won):
        return "won"
    if any(label_key(x) == key for x in lost):
        return "lost"
    plain = _plain(label)
    is_won, is_lost = bool(_WON.search(plain)), bool(_LOST.search(plain))
    if is_lost and not is_won:
        return "lost"
    if is_won and not is_lost:
        return "won"
    return None


def clean_labels(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Stage labels as a scenario can hold them: invisible characters (a byte order mark, a
    zero-width space) dropped, line breaks and tabs made spaces, spaces at either end dropped;
    and which values changed."""
    text = values.astype(str)

    def clean(s: str) -> str:
        out = "".join(
            " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
            for ch in s
            if unicodedata.category(ch) not in ("Cf", "Cs")
        )
        return " ".join(out.split())

    cleaned = text.map({u: clean(u) for u in text.unique()})
    return cleaned, cleaned != text.str.strip()


def unify_labels(values: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """Labels written differently ("Proposal", "proposal ") made one, the most common spelling;
    and what each other spelling became."""
    counts = values.value_counts()
    keys = {v: label_key(v) for v in counts.index}
    chosen: dict[str, str] = {}
    for v in counts.index:  # most common first
        chosen.setdefault(keys[v], v)
    renamed = {v: chosen[keys[v]] for v in counts.index if chosen[keys[v]] != v}
    return values.replace(renamed) if renamed else values, renamed


def read_export(
    path: str | os.PathLike[str], options: Options | None = None, ledger: Ledger | None = None
) -> Export:
    """The deals of the export at ``path`` (see the module docstring)."""
    options = options or Options()
    ledger = ledger if ledger is not None else Ledger()
    table = read_table(path, options.encoding)
    return deals_table(table, options, ledger)


def deals_table(table: Table, options: Options, ledger: Ledger) -> Export:
    """The deals of an export read as text (see :func:`read_export`).

    Rules (each a ledger entry when it applies): a row with another number of fields than the
    header, no deal id, no owner, no stage, a stage name over 80 characters, no created date (or
    one that is not a date), a won flag that is neither true nor false, a negative amount (a
    credit, not a deal) or one above :data:`MAX_AMOUNT`, a closed deal with no close date, and
    each repeated deal id after its first row are **set aside**; a close dated before the deal's
    creation counts as closed on the creation day, a deal marked won but not closed as closed won
    on its close date, an amount that is not a number as blank, a stage name with invisible
    characters or line breaks cleaned, and stage names written two ways as the commoner:
    **repaired**."""
    shown = table.name
    raw = table.rows
    ledger.file(table)
    if raw.empty:
        raise ExportError([f"{shown}: no deals (only a header, or nothing)"])
    mapping = dict(options.columns or {})
    shape = options.shape or detect(table.columns)
    if shape is None and not mapping:
        raise ExportError(
            [
                f"{shown}: not a Salesforce, HubSpot or generic export (its columns: "
                f"{', '.join(table.columns[:8])}); name the format, or map the columns"
            ]
        )
    shape = shape or "generic"
    names: dict[str, str] = {}
    problems: list[str] = []
    for f in (*REQUIRED, "is_closed", "won", *OPTIONAL):
        candidates = SHAPES[shape].get(f) or OPTIONAL.get(f, ())
        given = mapping.get(f)
        column = given if given is not None else find_column(table.columns, candidates)
        if given is not None and given not in table.columns:
            found = find_column(table.columns, [given])
            if found is None:
                problems.append(f"{shown}: no column {given!r} (mapped to {f} by --columns)")
                continue
            column = found
        if column is not None:
            names[f] = column
        elif f in REQUIRED:
            problems.append(
                f"{shown}: no column {candidates[0]!r} for {f}; if it has another name, map it: "
                f"{f}: <its column>"
            )
    if problems:
        raise ExportError(problems)
    col = {f: raw[c].astype(str).str.strip() for f, c in names.items()}
    order, said = decide_order(
        [col["created"], col["closed"]], shown, table.delimiter, options.date_order
    )
    ledger.note(said)
    deals = pd.DataFrame({"deal": col["deal"], "owner": col["owner"], LINE: raw[LINE]})
    aside = np.zeros(len(raw), dtype=bool)

    def set_aside(mask: pd.Series | np.ndarray, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool) & ~aside
        ledger.add(shown, "set aside", reason, lines_of(deals, mask))
        aside[mask] = True

    def repaired(mask: pd.Series | np.ndarray, rule: str) -> None:
        ledger.add(shown, "repaired", rule, lines_of(deals, np.asarray(mask, bool) & ~aside))

    set_aside(deals["deal"] == "", "no deal id")
    set_aside(deals["owner"] == "", "no owner")
    # Stage labels: cleaned, unified, checked.
    cleaned, changed = clean_labels(col["stage"])
    set_aside(cleaned == "", "no stage")
    set_aside(cleaned.str.len() > MAX_STAGE_NAME, f"a stage name over {MAX_STAGE_NAME} characters")
    repaired(changed & (cleaned != ""), "stage name cleaned of invisible characters or line breaks")
    stage, renamed = unify_labels(cleaned.where(~aside, ""))
    for old, new in renamed.items():
        repaired(cleaned == old, f"stage written as {clean(old, 40)!r}: read as {clean(new, 40)!r}")
    deals["stage"] = stage
    # Pipeline: one at a time.
    if "pipeline" in names:
        _one_pipeline(col["pipeline"], options.pipeline, shown, ledger, aside)
    # Dates.
    created = parse_dates(col["created"], order)
    closed = parse_dates(col["closed"], order)
    set_aside(col["created"] == "", "no created date")
    set_aside(created.isna(), "a created date that is not a date")
    # Closed and won.
    won_col = col.get("won")
    closed_col = col.get("is_closed")
    if won_col is not None:
        w = won_col.str.lower()
        set_aside(~w.isin(TRUE | FALSE), "won is neither true nor false")
        won = w.isin(TRUE)
    else:
        won = stage.map(_outcome_map(stage, options)).eq("won")
    if closed_col is not None:
        c = closed_col.str.lower()
        set_aside(~c.isin(TRUE | FALSE), "closed is neither true nor false")
        is_closed = c.isin(TRUE)
        contradiction = won & ~is_closed
        set_aside(contradiction & closed.isna(), "marked won but open, with no close date")
        repaired(contradiction, "marked won but open: counted as closed won on its close date")
        is_closed = is_closed | contradiction
    elif won_col is not None:
        is_closed = closed.notna() | won
    else:
        is_closed = stage.map(_outcome_map(stage, options)).notna()
    set_aside(is_closed & (col["closed"] == ""), "closed with no close date")
    set_aside(is_closed & closed.isna(), "closed with a close date that is not a date")
    early = is_closed & (closed < created)
    repaired(early, "closed before it was created: counted as closed on the creation day")
    closed = closed.where(~early, created)
    closed = closed.where(is_closed)
    # Amounts.
    amount, said, conflict = parse_amounts(col["amount"], shown, "amounts", table.delimiter == ";")
    ledger.note(said)
    repaired(conflict, "an amount written with the other decimal separator: read as blank")
    repaired(
        amount.isna() & (col["amount"] != "") & ~conflict,
        "an amount that is not a number: read as blank",
    )
    set_aside(amount < 0, "a negative amount (a credit, not a deal)")
    set_aside(amount > MAX_AMOUNT, f"an amount over {MAX_AMOUNT:,.0f}")
    deals["amount"] = amount.astype(float)
    if "currency" in names:
        converted = _currencies(
            deals["amount"], col["currency"], options, shown, ledger, aside, deals
        )
        set_aside(converted > MAX_AMOUNT, f"an amount over {MAX_AMOUNT:,.0f} US dollars converted")
        deals["amount"] = converted
    deals["created"] = created
    deals["closed"] = closed
    deals["won"] = (won & is_closed).astype(bool)
    # Repeated ids: the first row kept.
    repeated = deals["deal"].duplicated(keep="first") & ~pd.Series(aside, index=deals.index)
    set_aside(repeated, "a deal id repeated (its first row kept)")
    if "role" in names:
        deals["role"] = col["role"].to_numpy()
    kept = deals[~aside].reset_index(drop=True)
    if kept.empty:
        raise ExportError([f"{shown}: no deal left to use: every row was set aside (see above)"])
    if options.strict and ledger.entries:
        raise ExportError(ledger.problems())
    columns = [*FIELDS, LINE, *(["role"] if "role" in kept else [])]
    outcomes = _outcomes(kept, names, options)
    kept_stage = stage[~aside]
    sort_keys = stage_ranks(
        [col[f][kept_stage.index] if f in names else None for f in ("sort_order", "probability")],
        kept_stage,
        outcomes,
    )
    return Export(kept[columns], table, shape, names, order, outcomes, sort_keys)


def _outcome_map(stage: pd.Series, options: Options) -> dict[str, str | None]:
    return {s: outcome_of(s, options.won_stages, options.lost_stages) for s in stage.unique()}


def _one_pipeline(
    pipeline: pd.Series, chosen: str | None, shown: str, ledger: Ledger, aside: np.ndarray
) -> None:
    """Keep one pipeline's deals: the only one, or ``chosen``; refuse to mix several."""
    counts = pipeline[~aside].value_counts()
    if chosen is None:
        if len(counts) > 1:
            listed = ", ".join(f"{clean(str(p), 40) or '(blank)'} {n:,}" for p, n in counts.items())
            raise ExportError(
                [
                    f"{shown}: deals of {len(counts)} pipelines ({listed}): choose one with "
                    "--pipeline"
                ]
            )
        return
    if chosen not in counts.index:
        listed = ", ".join(f"{clean(str(p), 40) or '(blank)'}" for p in list(counts.index)[:8])
        raise ExportError(
            [f"--pipeline {clean(chosen, 40)}: {shown} has no such pipeline (it has {listed})"]
        )
    other = (pipeline != chosen).to_numpy() & ~aside
    ledger.add_count(
        shown, "set aside", f"in another pipeline than {clean(chosen, 40)}", int(other.sum())
    )
    aside[other] = True


def _currencies(
    amount: pd.Series,
    currency: pd.Series,
    options: Options,
    shown: str,
    ledger: Ledger,
    aside: np.ndarray,
    deals: pd.DataFrame,
) -> pd.Series:
    """Amounts in one currency (US dollars when ``rates`` are given), or :class:`ExportError`
    when several currencies would be added up."""
    code = currency.str.upper()
    counts = code[~aside & amount.notna().to_numpy()].value_counts()
    listed = ", ".join(
        f"{clean(str(c), 12) or '(blank)'} {n:,}" for c, n in list(counts.items())[:8]
    )
    if len(counts) > 8:
        listed += f" and {len(counts) - 8} more"
    if options.rates is not None:
        missing = sorted(set(counts.index) - set(options.rates))
        if missing:
            raise ExportError(
                [
                    "--rates: no rate for "
                    + ", ".join(clean(m, 12) or "(blank)" for m in missing[:8])
                    + f" ({listed})"
                ]
            )
        ledger.note(f"{shown}: amounts converted to US dollars with --rates ({listed})")
        rate = code.map(options.rates).astype(float)
        return amount * rate
    if options.currency is not None:
        keep = clean(options.currency.upper(), 12)
        other = (code != keep).to_numpy() & ~aside
        ledger.add(
            shown, "set aside", f"an amount in another currency than {keep}", lines_of(deals, other)
        )
        aside[other] = True
        if keep != "USD":
            ledger.note(
                f"{shown}: amounts in {keep}, used as they are: the scenario's money is {keep}"
            )
        return amount
    if len(counts) > 1:
        raise ExportError(
            [
                f"{shown}: amounts in {len(counts)} currencies ({listed}): give --rates FILE "
                "(lines currency,usd_per_unit) to convert them, or --currency CODE to use one"
            ]
        )
    if len(counts) == 1 and counts.index[0] not in ("USD", ""):
        only = clean(str(counts.index[0]), 12)
        ledger.note(
            f"{shown}: every amount is in {only}: used as it is, so the scenario's money is in "
            f"{only}; give --rates to convert to US dollars"
        )
    return amount


def _outcomes(kept: pd.DataFrame, names: Mapping[str, str], options: Options) -> dict[str, str]:
    """Stage labels that are outcomes: named so, or the stage of closed deals only."""
    out: dict[str, str] = {}
    labels = set(kept["stage"])
    for label in labels:
        said = outcome_of(label, options.won_stages, options.lost_stages)
        if said is not None:
            out[label] = said
    if "is_closed" in names or "won" in names:
        closed = kept["closed"].notna()
        open_labels = set(kept.loc[~closed, "stage"])
        for label, group in kept[closed].groupby("stage"):
            if label not in open_labels and label not in out:
                won = group["won"].mean()
                out[str(label)] = "won" if won > 0.5 else "lost"
    return out


def stage_ranks(
    candidates: Sequence[pd.Series | None], stage: pd.Series, outcomes: Mapping[str, str]
) -> dict[str, float]:
    """A rank per open stage from the first of ``candidates`` (a sort order, then a probability
    column, aligned with ``stage``) that gives every open stage a distinct median; ``{}`` if
    none does."""
    for values in candidates:
        if values is None:
            continue
        text = values.astype(str).str.strip().str.rstrip("%").str.replace(",", ".")
        number = pd.to_numeric(text, errors="coerce")
        ranks = number.groupby(stage.to_numpy()).median().dropna()
        ranks = ranks[[s not in outcomes for s in ranks.index]]
        if len(ranks) > 1 and ranks.nunique() == len(ranks):
            return {str(k): float(v) for k, v in ranks.items()}
    return {}


def read_rates(path: str) -> dict[str, float]:
    """A ``--rates`` file: lines ``currency,usd_per_unit`` (a header naming them)."""
    table = read_table(path)
    shown = table.name
    code = find_column(table.columns, ["currency", "code", "CurrencyIsoCode"])
    rate = find_column(table.columns, ["usd_per_unit", "rate", "usd"])
    if code is None or rate is None:
        raise ExportError([f"{shown}: should have the columns currency,usd_per_unit"])
    values, _, _ = parse_amounts(table.rows[rate], shown, "rates")
    codes = table.rows[code].astype(str).str.strip().str.upper()
    bad = ~values.between(MIN_RATE, MAX_RATE) | (codes == "")
    if bad.any():
        lines = ", ".join(str(x) for x in table.rows.loc[bad, LINE].head(5))
        raise ExportError(
            [
                f"{shown}: a currency without a rate between {MIN_RATE:g} and {MAX_RATE:g} US "
                f"dollars a unit on lines {lines}"
            ]
        )
    if codes.duplicated().any():
        raise ExportError([f"{shown}: {codes[codes.duplicated()].iloc[0]} is given twice"])
    return {c: float(v) for c, v in zip(codes, values, strict=True) if math.isfinite(v)}
