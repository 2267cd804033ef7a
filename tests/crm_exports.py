"""Messy CRM exports made from a simulated team's clean one, to test ``coachsim calibrate`` on
files shaped like real companies' exports against a known truth.

Everything here derives from :func:`sim.calibration.simulated.simulated_export`: no real
company's data is copied, and every name (people, accounts, products) is invented. Each writer is
a pure function of the export, its options and a seed (or a :class:`numpy.random.Generator`); it
writes its files into a folder and returns a frozen dataclass with the paths written and a
``truth`` dict of what was injected (counts, ids, rates, the stage labels in funnel order, and how
the files were written), so a test can hold the calibration's reading of them to account.

:func:`salesforce_messy` imitates an Opportunity export from a Salesforce org in Latin America,
taken with Data Loader after years of use:

- **localised stage names** (Spanish, with accents, :data:`SPANISH_STAGES`): stage names are
  whatever the admin typed, and the closing ones do not say "Closed";
- **a Windows code page, ``;`` delimiters, CRLF line ends, day-first dates and decimal commas**
  (``1.234,56``): what Excel in a Spanish locale writes and reads;
- **several currencies** (``CurrencyIsoCode``, one per owner; ``rates.csv`` to convert): a
  multi-currency org's ``Amount`` is in the deal's own currency;
- **a migration**: the CRM went live on a day about a third into the span, and the deals of the
  old system were loaded that day. Deals open then were re-created with the stage they were in
  and their history starts there; deals already closed were loaded as closed deals *created* on
  the go-live day with their old close date, which is the usual way a "closed before it was
  created" row arises. More such rows (``backdated``) are close dates edited to before creation;
- **deleted deals**: OpportunityHistory keeps the rows of deals deleted since (their ids are in
  no opportunity);
- **steps back**: a deal moved back a stage for a few days and forward again, as reps do when a
  proposal is reopened;
- **``StageSortOrder`` and ``Probability``** columns, as an export with every field has, and
  **Data Loader timestamps** (``2024-03-05T14:22:05.000Z``) in the history;
- **blank amounts** on a few open deals.

:func:`hubspot_export` imitates a HubSpot deals export: one row per deal with a ``Date entered``
and a ``Date exited`` column per stage, in the three header forms HubSpot has used (the
pipeline's name inside the quotes, after them, or absent), with labels that may hold parentheses
themselves (:data:`PORTUGUESE_STAGES`), and optionally deals of a second pipeline
(:data:`RENEWALS`) that a ``--pipeline`` option must filter out. HubSpot keeps only the first
entry to each stage, and a stage a deal skipped is blank.

:func:`pipeline_export` imitates the shape of the public "CRM Sales Opportunities" dataset: one
row per deal with four coarse stages (Prospecting, Engaging, Won, Lost), an engage date, a close
date and value, and a separate table of agents, managers and offices; there is no stage history.

:func:`shuffled`, :func:`reencoded`, :func:`renamed_columns` and :func:`reordered_columns` make
variants of a written file for property tests: what the calibration reads from a file must not
depend on its row order, encoding, column names (given the mapping) or column order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from sim.calibration.simulated import LOST, WON, Export

Seed = int | np.random.Generator
"""A seed, or a generator to draw from (its state advances)."""
DateOrder = Literal["dmy", "mdy", "ymd"]
HubSpotForm = Literal["quoted_pipeline", "old", "no_pipeline"]

SPANISH_STAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "Prospecting": "Prospección",
        "Discovery": "Calificación",
        "Proposal": "Diseño o propuesta",
        "Closing": "Negociación",
        WON: "Cerrada ganada",
        LOST: "Cerrada perdida",
    }
)
"""The simulated stages' names in a Spanish-speaking org, funnel order kept."""
PORTUGUESE_STAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "Prospecting": "Reunião agendada",
        "Discovery": "Reunião realizada (SQL)",
        "Proposal": "Proposta enviada",
        "Closing": "Negociação",
        WON: "Fechado ganho (Closer)",
        LOST: "Fechado perdido",
    }
)
"""HubSpot stage labels of a Brazilian team, some with parentheses of their own."""
PORTUGUESE_PIPELINE: Final = "Closer - Pipeline de Vendas"
"""The pipeline the :data:`PORTUGUESE_STAGES` belong to."""
RATES: Final[Mapping[str, float]] = MappingProxyType(
    {"USD": 1.0, "EUR": 1.08, "MXN": 0.055, "COP": 0.00025}
)
"""US dollars per unit of each currency an owner may sell in."""
PROBABILITIES: Final = (10, 20, 50, 75)
"""Salesforce's default probabilities of four open stages; other funnels get evenly spaced ones
from 10 to 90. Won is 100, lost 0."""
RENEWALS: Final = "Renewals"
"""The second pipeline of :func:`hubspot_export`."""
DATE_FORMATS: Final[Mapping[str, str]] = MappingProxyType(
    {"dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y", "ymd": "%Y-%m-%d"}
)
"""strftime formats of the opportunities' dates for each ``date_order``."""
_EPOCH = date(1970, 1, 1)
_WORKDAY = (8 * 3600, 19 * 3600)
"""Seconds into the day (UTC) between which changes are made."""

_FIRST_NAMES = (
    "Ana", "Bruno", "Carla", "Diego", "Elena", "Felipe", "Gabriela", "Hugo", "Inés", "João",
    "Karina", "Luis", "Mariana", "Nicolás", "Olivia", "Pedro", "Renata", "Sergio", "Tatiana",
    "Vicente",
)  # fmt: skip
_SURNAMES = (
    "Souza", "Almeida", "Barros", "Castillo", "Duarte", "Esteves", "Ferreira", "Gómez",
    "Herrera", "Iglesias", "Lima", "Moreno", "Nunes", "Ortega", "Pacheco", "Quintana", "Ramos",
    "Salazar", "Teixeira", "Vargas",
)  # fmt: skip
_ACCOUNT_WORDS = (
    "Altamar", "Brisa", "Cumbre", "Delta Sur", "Estrela", "Faro", "Granito", "Horizonte",
    "Ipê", "Jacarandá", "Lumen", "Marea", "Norte Verde", "Orquídea", "Pampa", "Quasar",
    "Rocha", "Sierra Alta", "Tucán", "Vértice",
)  # fmt: skip
_ACCOUNT_KINDS = ("S.A.", "Ltda.", "Group", "Holdings", "& Co.", "Tech", "Logística", "Foods")
_PRODUCTS = ("Atlas Basic", "Atlas Pro", "Beacon Core", "Beacon Plus", "Cobalt Suite")
_OFFICES = ("Central", "East", "West")
_RENEWAL_OPEN = ("Renewal Due", "Renewal Negotiation")


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class SalesforceFiles:
    """What :func:`salesforce_messy` wrote (``rates`` is None without currencies)."""

    opportunities: Path
    history: Path
    rates: Path | None
    truth: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HubSpotFiles:
    """What :func:`hubspot_export` wrote."""

    deals: Path
    truth: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineFiles:
    """What :func:`pipeline_export` wrote."""

    pipeline: Path
    teams: Path
    truth: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- the export as deals


@dataclass
class _Deal:
    """One opportunity and its stage changes, days counted from 1970-01-01 (working copy)."""

    id: str
    owner: str
    role: str
    stage: str
    amount: float
    created: int
    close: int
    closed: bool
    won: bool
    events: list[tuple[str, int]]
    """(stage, day) in the order they happened, closing row included."""


def _day_numbers(values: pd.Series) -> list[int]:
    days = pd.to_datetime(values).to_numpy().astype("datetime64[D]").astype(np.int64)
    return [int(d) for d in days]


def _day_of(d: date) -> int:
    return (d - _EPOCH).days


def _date(day: int) -> date:
    return _EPOCH + timedelta(days=day)


def _busday(day: int, offset: int = 0) -> int:
    """The working day ``offset`` working days from ``day`` (rolled forward to one first)."""
    moved = np.busday_offset(np.datetime64(day, "D"), offset, roll="forward")
    return int(moved.astype(np.int64))


def _busdays(a: int, b: int) -> int:
    """Working days from ``a`` to ``b`` (negative if ``b`` is earlier)."""
    return int(np.busday_count(np.datetime64(a, "D"), np.datetime64(b, "D")))


def _deals(export: Export) -> list[_Deal]:
    o, h = export.opportunities, export.history
    events: dict[str, list[tuple[str, int]]] = {}
    for deal, stage, day in zip(
        h["OpportunityId"].astype(str),
        h["StageName"].astype(str),
        _day_numbers(h["CreatedDate"]),
        strict=True,
    ):
        events.setdefault(deal, []).append((stage, day))
    out = []
    for row, created, close in zip(
        o.itertuples(index=False),
        _day_numbers(o["CreatedDate"]),
        _day_numbers(o["CloseDate"]),
        strict=True,
    ):
        ident = str(row.Id)
        out.append(
            _Deal(
                id=ident,
                owner=str(row.OwnerId),
                role=str(row.OwnerRole),
                stage=str(row.StageName),
                amount=float(row.Amount),  # type: ignore[arg-type]
                created=created,
                close=close,
                closed=bool(row.IsClosed),
                won=bool(row.IsWon),
                events=list(events.get(ident, [])),
            )
        )
    return out


def funnel(export: Export) -> tuple[str, ...]:
    """The export's open stages in the order deals go through them: by the median place each
    stage takes in its deals' histories (ties by first appearance); stages only seen as an open
    deal's current stage come last."""
    places: dict[str, list[int]] = {}
    for deal in _deals(export):
        opened = [s for s, _ in deal.events if s not in (WON, LOST)]
        for i, s in enumerate(opened):
            places.setdefault(s, []).append(i)
    seen = list(places)
    order = sorted(seen, key=lambda s: (float(np.median(places[s])), seen.index(s)))
    for s in export.opportunities["StageName"].astype(str):
        if s not in (WON, LOST) and s not in order:
            order.append(s)
    return tuple(order)


def _times(rng: np.random.Generator, days: Sequence[int]) -> list[datetime]:
    """Timestamps on ``days`` (one deal's changes, in order) at random times of the working day,
    strictly increasing where changes share a day."""
    secs = [int(s) for s in rng.integers(_WORKDAY[0], _WORKDAY[1], len(days))]
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1] == days[i]:
            j += 1
        run = sorted(secs[i : j + 1])
        for k in range(1, len(run)):
            run[k] = max(run[k], run[k - 1] + 1)
        secs[i : j + 1] = run
        i = j + 1
    return [
        datetime(1970, 1, 1) + timedelta(days=d, seconds=s) for d, s in zip(days, secs, strict=True)
    ]


def _people(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct invented names ("Ana Souza"), numbered past the 400 combinations."""
    combos = [f"{f} {s}" for f in _FIRST_NAMES for s in _SURNAMES]
    picked = [combos[int(i)] for i in rng.permutation(len(combos))[: min(count, len(combos))]]
    picked += [
        f"{combos[i % len(combos)]} {i // len(combos) + 1}" for i in range(len(picked), count)
    ]
    return picked


def _accounts(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct invented company names, some holding a comma."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        word = str(rng.choice(_ACCOUNT_WORDS))
        if rng.random() < 0.15:
            name = f"{word}, {rng.choice(_SURNAMES)} e Filhos"
        else:
            name = f"{word} {rng.choice(_ACCOUNT_KINDS)}"
        if name in seen:
            name = f"{name} {len(names) + 1}"
        seen.add(name)
        names.append(name)
    return names


def _probabilities(stages: Sequence[str]) -> dict[str, int]:
    n = len(stages)
    if n == len(PROBABILITIES):
        values = list(PROBABILITIES)
    else:
        values = [round(10 + 80 * k / max(n - 1, 1)) for k in range(n)]
    return {**dict(zip(stages, values, strict=True)), WON: 100, LOST: 0}


def _write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    line_ending: str = "\n",
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator=line_ending)
        w.writerow(header)
        w.writerows(rows)
    return path


def _amount(value: float, decimal_comma: bool) -> str:
    if np.isnan(value):
        return ""
    text = f"{value:,.2f}"
    return text.translate(str.maketrans(",.", ".,")) if decimal_comma else text


def _id_format(ids: Iterable[str]) -> tuple[str, int, int]:
    """The prefix, digit count and largest number of ids like ``006S00000042``."""
    prefix, width, top = "006S", 8, 0
    for ident in ids:
        m = re.fullmatch(r"(.*?)(\d+)", ident)
        if m:
            prefix, width, top = m.group(1), len(m.group(2)), max(top, int(m.group(2)))
    return prefix, width, top


# ---------------------------------------------------------------- Salesforce


def salesforce_messy(
    export: Export,
    folder: str | Path,
    seed: Seed = 0,
    *,
    encoding: str = "cp1252",
    delimiter: str = ";",
    date_order: DateOrder = "dmy",
    decimal_comma: bool = True,
    currencies: bool = True,
    migrated: bool = True,
    backdated: int = 8,
    deleted_rows: int = 31,
    back_steps: float = 0.05,
    sort_order: bool = True,
    probability: bool = True,
    line_ending: str = "\r\n",
    names: Mapping[str, str] = SPANISH_STAGES,
    rates: Mapping[str, float] = RATES,
    go_live: float = 1 / 3,
    blank_amounts: int = 5,
) -> SalesforceFiles:
    """``opportunities.csv`` and ``history.csv`` (and ``rates.csv`` with ``currencies``) of
    ``export`` as a long-used Salesforce org exports them (see the module's docstring).

    ``names`` maps the export's stage names to the org's (stages it lacks keep theirs);
    ``rates`` is US dollars per unit of each currency; ``go_live`` the share of the span from
    the first creation to ``export.as_of`` at which the migration happened; ``backdated`` the
    least number of closed deals whose close date precedes their creation (close dates are moved
    earlier, on deals created after the go-live, when the migration made fewer and as far as
    there are such deals; their history keeps the close's real time);
    ``back_steps`` the share of deals with at least three stage entries given a step back;
    ``blank_amounts`` the open deals whose amount is blanked.

    ``truth`` holds: ``stages`` (open labels in funnel order), ``closing`` (won and lost
    labels), ``stage_names``, ``sort_order``, ``probabilities``, ``rates``,
    ``owner_currency``, ``go_live`` (date), ``migrated_open``, ``migrated_closed``,
    ``migrated_close_dates_moved`` (open migrated deals whose expected close preceded the
    go-live, moved after it), ``dropped_history_rows``, ``backdated``,
    ``closes_before_creation`` (and ``closes_before_creation_ids``), ``deleted_rows``,
    ``deleted_deals`` (and ``deleted_ids``), ``back_steps`` (deals; ``back_step_ids``,
    ``back_step_rate``, ``back_step_rows``), ``blank_amounts`` (and ``blank_amount_ids``),
    ``opportunities`` and ``history_rows`` (data rows written), and how the files were written:
    ``encoding``, ``delimiter``, ``line_ending``, ``date_order``, ``date_format``,
    ``decimal_comma``.
    """
    rng = np.random.default_rng(seed)
    out = Path(folder)
    deals = _deals(export)
    stages = funnel(export)
    label = {s: names.get(s, s) for s in (*stages, WON, LOST)}
    closing_stages = (WON, LOST)
    as_of = _day_of(export.as_of)
    first = min((d.created for d in deals), default=as_of)
    truth: dict[str, Any] = {
        "stages": tuple(label[s] for s in stages),
        "closing": (label[WON], label[LOST]),
        "stage_names": dict(label),
    }

    # The migration: the old system's deals loaded on the go-live day.
    live = _busday(first + round((as_of - first) * go_live))
    migrated_open = migrated_closed = moved_expected = dropped = 0
    migrated_ids: set[str] = set()
    if migrated:
        for d in deals:
            if d.created >= live:
                continue
            migrated_ids.add(d.id)
            before = len(d.events)
            if d.closed and d.close < live:
                close_rows = [e for e in d.events if e[0] in closing_stages]
                d.events = close_rows[-1:] or [(WON if d.won else LOST, d.close)]
                migrated_closed += 1
            else:
                opened = [i for i, (s, t) in enumerate(d.events) if s not in closing_stages]
                at = [i for i in opened if d.events[i][1] <= live]
                k = at[-1] if at else (opened[0] if opened else None)
                if k is not None:
                    d.events = [(d.events[k][0], live), *d.events[k + 1 :]]
                if not d.closed and d.close < live:
                    d.close = _busday(live, max(_busdays(d.created, d.close), 1))
                    moved_expected += 1
                migrated_open += 1
            dropped += before - len(d.events)
            d.created = live
    truth.update(
        go_live=_date(live) if migrated else None,
        migrated_open=migrated_open,
        migrated_closed=migrated_closed,
        migrated_close_dates_moved=moved_expected,
        dropped_history_rows=dropped,
    )

    # Close dates edited to before the deal's creation.
    extra = max(0, backdated - migrated_closed)
    candidates = [
        i
        for i, d in enumerate(deals)
        if d.closed and d.close >= d.created and d.id not in migrated_ids
    ]
    chosen = rng.choice(len(candidates), size=min(extra, len(candidates)), replace=False)
    for c in sorted(int(x) for x in chosen):
        d = deals[candidates[c]]
        d.close = _busday(d.created, -int(rng.integers(1, 21)))
    late = [d.id for d in deals if d.closed and d.close < d.created]
    truth.update(
        backdated=len(chosen), closes_before_creation=len(late), closes_before_creation_ids=late
    )

    # Steps back: out of stage k+1 to stage k for a few working days, then k+1 again.
    eligible = [d for d in deals if sum(s not in closing_stages for s, _ in d.events) >= 3]
    target = round(back_steps * len(eligible))
    stepped: list[str] = []
    for pos in rng.permutation(len(eligible)):
        if len(stepped) >= target:
            break
        d = eligible[int(pos)]
        ev = d.events
        spots = []
        for j in range(1, len(ev)):
            if ev[j][0] in closing_stages or ev[j - 1][0] in closing_stages:
                continue
            nxt = ev[j + 1][1] if j + 1 < len(ev) else as_of
            gap = _busdays(ev[j][1], nxt)
            if gap >= 4:
                spots.append((j, gap))
        if not spots:
            continue
        j, gap = spots[int(rng.integers(len(spots)))]
        stay = int(rng.integers(2, min(5, gap - 2) + 1))
        wait = int(rng.integers(1, min(3, gap - 1 - stay) + 1))
        back = _busday(ev[j][1], wait)
        again = _busday(back, stay)
        d.events = [*ev[: j + 1], (ev[j - 1][0], back), (ev[j][0], again), *ev[j + 1 :]]
        stepped.append(d.id)
    truth.update(
        back_steps=len(stepped),
        back_step_ids=stepped,
        back_step_rate=back_steps,
        back_step_rows=2 * len(stepped),
    )

    # Blank amounts on a few open deals.
    fillable = [i for i, d in enumerate(deals) if not d.closed and not np.isnan(d.amount)]
    for c in rng.choice(len(fillable), size=min(blank_amounts, len(fillable)), replace=False):
        deals[fillable[int(c)]].amount = float("nan")
    blanks = [d.id for d in deals if np.isnan(d.amount)]
    truth.update(blank_amounts=len(blanks), blank_amount_ids=blanks)

    # Currencies, one per owner, every currency used when there are enough owners.
    owners = sorted({d.owner for d in deals})
    codes = list(rates) if currencies else ["USD"]
    perm = rng.permutation(len(codes))
    owner_currency = {o: codes[int(perm[i % len(codes)])] for i, o in enumerate(owners)}
    truth.update(
        rates=dict(rates) if currencies else {},
        owner_currency=owner_currency if currencies else {},
    )

    # Deleted deals' history rows.
    prefix, width, top = _id_format(d.id for d in deals)
    history: list[tuple[str, str, int]] = [(d.id, s, t) for d in deals for s, t in d.events]
    deleted: list[str] = []
    if deleted_rows > 0:
        numbers = top + 1 + rng.choice(20 * deleted_rows, size=deleted_rows, replace=False)
        numbers.sort()
        left = deleted_rows
        for num in numbers:
            if left <= 0:
                break
            ident = f"{prefix}{int(num):0{width}d}"
            size = min(left, int(rng.integers(1, min(4, len(stages)) + 1)) if stages else 1)
            day = _busday(int(rng.integers(first, max(as_of - 20, first + 1))))
            for k in range(size):
                history.append((ident, stages[k] if stages else LOST, day))
                day = _busday(day, int(rng.integers(3, 16)))
            deleted.append(ident)
            left -= size
    truth.update(deleted_rows=deleted_rows if deleted else 0, deleted_deals=len(deleted))
    truth["deleted_ids"] = deleted

    probs = _probabilities(stages)
    order = {s: i + 1 for i, s in enumerate((*stages, WON, LOST))}
    truth.update(
        sort_order={label[s]: v for s, v in order.items()} if sort_order else {},
        probabilities={label[s]: v for s, v in probs.items()} if probability else {},
    )

    # Timestamps, per deal, then the rows in the order the changes were made.
    by_deal: dict[str, list[int]] = {}
    for i, (ident, _, _) in enumerate(history):
        by_deal.setdefault(ident, []).append(i)
    stamps: list[datetime] = [datetime.min] * len(history)
    for rows in by_deal.values():
        for i, ts in zip(rows, _times(rng, [history[i][2] for i in rows]), strict=True):
            stamps[i] = ts
    ordered = sorted(range(len(history)), key=lambda i: (stamps[i], i))

    fmt = DATE_FORMATS[date_order]
    opp_header = ["Id", "OwnerId", "OwnerRole", "StageName", "Amount"]
    opp_header += ["CurrencyIsoCode"] * currencies + ["Probability"] * probability
    opp_header += ["CreatedDate", "CloseDate", "IsClosed", "IsWon"]
    opp_rows = []
    for d in deals:
        code = owner_currency[d.owner]
        local = round(d.amount / rates[code], 2) if currencies else d.amount
        row: list[object] = [d.id, d.owner, d.role, label.get(d.stage, d.stage)]
        row.append(_amount(local, decimal_comma))
        row += [code] * currencies + [probs.get(d.stage, "")] * probability
        row += [_date(d.created).strftime(fmt), _date(d.close).strftime(fmt)]
        row += [str(d.closed).lower(), str(d.won).lower()]
        opp_rows.append(row)
    hist_header = ["OpportunityId", "StageName"]
    hist_header += ["StageSortOrder"] * sort_order + ["Probability"] * probability
    hist_header.append("CreatedDate")
    hist_rows = []
    for i in ordered:
        ident, s, _ = history[i]
        hrow: list[object] = [ident, label.get(s, s)]
        hrow += [order.get(s, "")] * sort_order + [probs.get(s, "")] * probability
        hrow.append(stamps[i].strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        hist_rows.append(hrow)
    style = {"encoding": encoding, "delimiter": delimiter, "line_ending": line_ending}
    opp_path = _write_csv(out / "opportunities.csv", opp_header, opp_rows, **style)
    hist_path = _write_csv(out / "history.csv", hist_header, hist_rows, **style)
    rates_path = None
    if currencies:
        rates_path = _write_csv(
            out / "rates.csv",
            ["currency", "usd_per_unit"],
            [[c, repr(r)] for c, r in rates.items()],
        )
    truth.update(
        opportunities=len(opp_rows),
        history_rows=len(hist_rows),
        encoding=encoding,
        delimiter=delimiter,
        line_ending=line_ending,
        date_order=date_order,
        date_format=fmt,
        decimal_comma=decimal_comma,
    )
    return SalesforceFiles(opp_path, hist_path, rates_path, truth)


# ---------------------------------------------------------------- HubSpot


def hubspot_column(kind: str, stage: str, pipeline: str, form: HubSpotForm) -> str:
    """A HubSpot stage-history header: ``kind`` "entered" or "exited" of ``stage`` in
    ``pipeline``, in ``form`` "quoted_pipeline" (``Date entered "Won (Sales Pipeline)"``),
    "old" (``Date entered "Won" (Sales Pipeline)``) or "no_pipeline" (``Date entered "Won"``)."""
    if form == "quoted_pipeline":
        return f'Date {kind} "{stage} ({pipeline})"'
    if form == "old":
        return f'Date {kind} "{stage}" ({pipeline})'
    if form == "no_pipeline":
        return f'Date {kind} "{stage}"'
    raise ValueError(f"unknown HubSpot header form {form!r}")


def hubspot_export(
    export: Export,
    folder: str | Path,
    seed: Seed = 0,
    *,
    form: HubSpotForm = "quoted_pipeline",
    pipeline: str = "Sales Pipeline",
    names: Mapping[str, str] | None = None,
    other_pipeline_deals: int = 0,
    encoding: str = "utf-8-sig",
    skipped: float = 0.0,
    line_ending: str = "\n",
) -> HubSpotFiles:
    """``deals.csv``: ``export`` as a HubSpot deals export (comma-delimited).

    Columns ``Record ID, Deal Name, Deal Stage, Pipeline, Amount, Close Date, Create Date, Deal
    owner``, then a ``Date entered`` column per stage (open ones in funnel order, then won and
    lost) and a ``Date exited`` column per stage, headers in ``form`` (:func:`hubspot_column`).
    ``names`` maps the export's stage names to labels (stages it lacks keep theirs). Dates are
    ``yyyy-mm-dd HH:MM``; amounts ``1234.56``; owners invented people's names. Only the first
    entry to each stage is kept, and a stage never entered or never left is blank.
    ``skipped``: the share of deals with three or more changes that lose one middle stage entry
    (they went straight past it). ``other_pipeline_deals``: deals of a second pipeline
    (:data:`RENEWALS`) with stage columns of their own ("Closed Won"/"Closed Lost" there too,
    except in the "no_pipeline" form, whose headers could not tell them apart: "Renewed",
    "Churned"), rows interleaved by creation.

    ``truth`` holds: ``form``, ``pipeline``, ``stages`` (open labels in funnel order),
    ``closing``, ``stage_names``, ``entered`` and ``exited`` ({label: header}), ``owners``
    ({OwnerId: name}), ``managers`` (names of owners whose role is a manager's),
    ``record_ids`` ({Record ID: export Id}), ``skipped`` (deals) and ``skipped_ids``,
    ``other_pipeline`` (name, ``deals``, ``record_ids``, ``stages``, ``entered``), ``deals``
    (rows of ``pipeline``), ``rows`` (all data rows), ``encoding``, ``delimiter``,
    ``line_ending``, ``date_format``.
    """
    rng = np.random.default_rng(seed)
    names = names or {}
    deals = _deals(export)
    stages = funnel(export)
    label = {s: names.get(s, s) for s in (*stages, WON, LOST)}
    labels = [label[s] for s in (*stages, WON, LOST)]
    entered = {lab: hubspot_column("entered", lab, pipeline, form) for lab in labels}
    exited = {lab: hubspot_column("exited", lab, pipeline, form) for lab in labels}
    owners = sorted({d.owner for d in deals})
    people = dict(zip(owners, _people(rng, len(owners)), strict=True))
    roles = {d.owner: d.role for d in deals}
    accounts = _accounts(rng, max(20, len(deals) // 20))
    as_of = _day_of(export.as_of)

    # Deals that went straight past a stage.
    skip_ids: list[str] = []
    can_skip = [d for d in deals if sum(s not in (WON, LOST) for s, _ in d.events) >= 3]
    for pos in rng.permutation(len(can_skip))[: round(skipped * len(can_skip))]:
        d = can_skip[int(pos)]
        middle = [i for i in range(1, len(d.events) - 1) if d.events[i][0] not in (WON, LOST)]
        if middle:
            del d.events[middle[int(rng.integers(len(middle)))]]
            skip_ids.append(d.id)

    fmt = "%Y-%m-%d %H:%M"
    rows: list[tuple[datetime, dict[str, str]]] = []
    for d in deals:
        days = [t for _, t in d.events] or [d.created]
        stamps = _times(rng, [*days, d.close])
        row = {
            "Deal Name": f"{accounts[int(rng.integers(len(accounts)))]} - {_deal_word(rng)}",
            "Deal Stage": label.get(d.stage, d.stage),
            "Pipeline": pipeline,
            "Amount": "" if np.isnan(d.amount) else f"{d.amount:.2f}",
            "Close Date": (stamps[len(days) - 1] if d.closed else stamps[-1]).strftime(fmt),
            "Create Date": stamps[0].strftime(fmt),
            "Deal owner": people[d.owner],
            "_id": d.id,
        }
        for i, (s, _) in enumerate(d.events):
            lab = label.get(s, s)
            if entered.get(lab) is None or entered[lab] in row:
                continue
            row[entered[lab]] = stamps[i].strftime(fmt)
            if i + 1 < len(d.events):
                row[exited[lab]] = stamps[i + 1].strftime(fmt)
        rows.append((stamps[0], row))

    # The other pipeline's deals.
    other_labels = ("Renewed", "Churned") if form == "no_pipeline" else (WON, LOST)
    other_stages = (*_RENEWAL_OPEN, *other_labels)
    other_entered = {s: hubspot_column("entered", s, RENEWALS, form) for s in other_stages}
    other_exited = {s: hubspot_column("exited", s, RENEWALS, form) for s in other_stages}
    first = min((d.created for d in deals), default=as_of - 100)
    for n in range(other_pipeline_deals):
        day = _busday(int(rng.integers(first, max(as_of - 5, first + 1))))
        events = [(_RENEWAL_OPEN[0], day)]
        if rng.random() < 0.7:
            events.append((_RENEWAL_OPEN[1], _busday(day, int(rng.integers(5, 21)))))
        events.append((other_labels[int(rng.random() < 0.35)], _busday(events[-1][1], 10)))
        events = [e for e in events if e[1] < as_of] or events[:1]
        stamps = _times(rng, [t for _, t in events])
        last = events[-1][0]
        row = {
            "Deal Name": f"{accounts[int(rng.integers(len(accounts)))]} - Renewal {n + 1}",
            "Deal Stage": last,
            "Pipeline": RENEWALS,
            "Amount": f"{float(rng.lognormal(9.0, 0.6)):.2f}",
            "Close Date": (stamps[-1] + timedelta(days=30 * (last in _RENEWAL_OPEN))).strftime(fmt),
            "Create Date": stamps[0].strftime(fmt),
            "Deal owner": people[owners[int(rng.integers(len(owners)))]] if owners else "",
            "_id": "",
        }
        for i, (s, _) in enumerate(events):
            row[other_entered[s]] = stamps[i].strftime(fmt)
            if i + 1 < len(events):
                row[other_exited[s]] = stamps[i + 1].strftime(fmt)
        rows.append((stamps[0], row))

    rows.sort(key=lambda r: r[0])
    gaps = rng.integers(1, 5000, len(rows))
    record_ids = [str(x) for x in 9_000_000_000 + np.cumsum(gaps)]
    header = [
        "Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Close Date",
        "Create Date", "Deal owner",
    ]  # fmt: skip
    header += [entered[lab] for lab in labels] + [exited[lab] for lab in labels]
    if other_pipeline_deals:
        header += [other_entered[s] for s in other_stages]
        header += [other_exited[s] for s in other_stages]
    paired = [(rid, r) for rid, (_, r) in zip(record_ids, rows, strict=True)]
    body = [[rid, *(r.get(c, "") for c in header[1:])] for rid, r in paired]
    path = _write_csv(
        Path(folder) / "deals.csv", header, body, encoding=encoding, line_ending=line_ending
    )
    ours = {rid: r["_id"] for rid, r in paired if r["Pipeline"] == pipeline}
    theirs = [rid for rid, r in paired if r["Pipeline"] == RENEWALS]
    truth: dict[str, Any] = {
        "form": form,
        "pipeline": pipeline,
        "stages": tuple(label[s] for s in stages),
        "closing": (label[WON], label[LOST]),
        "stage_names": dict(label),
        "entered": entered,
        "exited": exited,
        "owners": people,
        "managers": sorted(people[o] for o in owners if "manager" in roles[o].lower()),
        "record_ids": ours,
        "skipped": len(skip_ids),
        "skipped_ids": skip_ids,
        "other_pipeline": {
            "name": RENEWALS,
            "deals": other_pipeline_deals,
            "record_ids": theirs,
            "stages": other_stages,
            "entered": other_entered,
        },
        "deals": len(ours),
        "rows": len(body),
        "encoding": encoding,
        "delimiter": ",",
        "line_ending": line_ending,
        "date_format": fmt,
    }
    return HubSpotFiles(path, truth)


def _deal_word(rng: np.random.Generator) -> str:
    return str(rng.choice(("Expansão", "Novo contrato", "Piloto", "Licenças", "Implantação")))


# ---------------------------------------------------------------- CRM Sales Opportunities shape


def pipeline_export(
    export: Export, folder: str | Path, seed: Seed = 0, *, managers: int | None = None
) -> PipelineFiles:
    """``sales_pipeline.csv`` and ``sales_teams.csv`` shaped like the public "CRM Sales
    Opportunities" dataset (its shape only; every value comes from ``export``).

    ``sales_pipeline.csv``: ``opportunity_id, sales_agent, product, account, deal_stage,
    engage_date, close_date, close_value``, reps' deals only. ``deal_stage``: "Prospecting" for
    open deals in the first stage (no ``engage_date``), "Engaging" for other open deals, "Won"
    or "Lost"; ``engage_date`` is the deal's creation day; dates ``yyyy-mm-dd``; ``close_value``
    the booked amount in whole dollars for won deals, 0 for lost ones, blank (as is
    ``close_date``) while open. Products and accounts are invented.
    ``sales_teams.csv``: ``sales_agent, manager, regional_office`` of every rep with a deal;
    reps are assigned to ``managers`` (default: the managers owning deals in the export, at
    least one) in blocks in id order, as the simulation groups them.

    ``truth`` holds: ``agents`` ({OwnerId: name}), ``managers`` ({manager: office}), ``team``
    ({agent: manager}), ``deals`` (rows), ``manager_deals_dropped``, ``stage_counts``,
    ``prospecting`` (open first-stage deals), ``won_value`` (sum of ``close_value``),
    ``record_ids`` ({opportunity_id: export Id}), ``engage_date`` ("CreatedDate"),
    ``encoding``, ``delimiter``.
    """
    rng = np.random.default_rng(seed)
    out = Path(folder)
    deals = _deals(export)
    stages = funnel(export)
    is_manager = {d.owner: "manager" in d.role.lower() for d in deals}
    reps = sorted(o for o, m in is_manager.items() if not m)
    n_mgr = managers or max(1, sum(is_manager.values()))
    people = _people(rng, len(reps) + n_mgr)
    agents = dict(zip(reps, people[: len(reps)], strict=True))
    bosses = people[len(reps) :]
    offices = {b: _OFFICES[i % len(_OFFICES)] for i, b in enumerate(bosses)}
    team = {agents[r]: bosses[i * n_mgr // max(len(reps), 1)] for i, r in enumerate(reps)}
    accounts = _accounts(rng, max(20, len(deals) // 20))
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))

    rows: list[list[object]] = []
    ids: dict[str, str] = {}
    counts = {"Prospecting": 0, "Engaging": 0, "Won": 0, "Lost": 0}
    won_value = 0
    first_stage = stages[0] if stages else None
    for d in deals:
        if is_manager[d.owner]:
            continue
        while True:
            oid = "".join(rng.choice(alphabet, 8))
            if oid not in ids:
                break
        ids[oid] = d.id
        engage = _date(d.created).isoformat()
        close = _date(d.close).isoformat()
        if d.closed:
            stage = "Won" if d.won else "Lost"
            value: object = round(d.amount) if d.won and not np.isnan(d.amount) else 0
            won_value += int(value) if isinstance(value, int) else 0
        else:
            stage = "Prospecting" if d.stage == first_stage else "Engaging"
            engage = "" if stage == "Prospecting" else engage
            close, value = "", ""
        counts[stage] += 1
        product = str(rng.choice(_PRODUCTS))
        account = accounts[int(rng.integers(len(accounts)))]
        rows.append([oid, agents[d.owner], product, account, stage, engage, close, value])
    pipe = _write_csv(
        out / "sales_pipeline.csv",
        [
            "opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date",
            "close_date", "close_value",
        ],
        rows,
    )  # fmt: skip
    teams = _write_csv(
        out / "sales_teams.csv",
        ["sales_agent", "manager", "regional_office"],
        [[a, m, offices[m]] for a, m in team.items()],
    )
    truth: dict[str, Any] = {
        "agents": agents,
        "managers": offices,
        "team": team,
        "deals": len(rows),
        "manager_deals_dropped": sum(is_manager[d.owner] for d in deals),
        "stage_counts": counts,
        "prospecting": counts["Prospecting"],
        "won_value": won_value,
        "record_ids": ids,
        "engage_date": "CreatedDate",
        "encoding": "utf-8",
        "delimiter": ",",
    }
    return PipelineFiles(pipe, teams, truth)


# ---------------------------------------------------------------- variants of a written file


def _read(path: Path, encoding: str, delimiter: str) -> tuple[list[list[str]], str]:
    """The rows of a CSV file and its line ending."""
    with path.open(encoding=encoding, newline="") as f:
        text = f.read()
    ending = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), ending


def _variant(path: Path, tag: str) -> Path:
    return path.with_name(f"{path.stem}-{tag}{path.suffix}")


def _rewrite(
    path: Path, rows: Sequence[Sequence[str]], encoding: str, delimiter: str, ending: str
) -> Path:
    return _write_csv(
        path, rows[0], rows[1:], encoding=encoding, delimiter=delimiter, line_ending=ending
    )


def _not_identity(perm: np.ndarray) -> list[int]:
    order = [int(i) for i in perm]
    if len(order) > 1 and order == sorted(order):
        order = order[1:] + order[:1]
    return order


def shuffled(
    path: str | Path, seed: Seed, *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    """A copy of the CSV file ``path`` (read and written with ``encoding`` and ``delimiter``,
    line endings kept) with its data rows in another order, next to it as ``<stem>-shuffled``."""
    p = Path(path)
    rows, ending = _read(p, encoding, delimiter)
    if not rows:
        raise ValueError(f"{p}: no header")
    body = rows[1:]
    order = _not_identity(np.random.default_rng(seed).permutation(len(body)))
    out = [rows[0], *(body[i] for i in order)]
    return _rewrite(_variant(p, "shuffled"), out, encoding, delimiter, ending)


def reencoded(path: str | Path, encoding: str, *, source_encoding: str = "utf-8") -> Path:
    """A copy of the text file ``path`` (in ``source_encoding``) in ``encoding``, same
    characters and line endings, next to it as ``<stem>-<encoding>``; characters ``encoding``
    cannot hold raise :class:`UnicodeEncodeError`."""
    p = Path(path)
    with p.open(encoding=source_encoding, newline="") as f:
        text = f.read()
    out = _variant(p, re.sub(r"[^A-Za-z0-9]+", "", encoding.lower()))
    with out.open("w", encoding=encoding, newline="") as f:
        f.write(text)
    return out


def renamed_columns(
    path: str | Path,
    mapping: Mapping[str, str],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """A copy of the CSV file ``path`` with the columns named in ``mapping`` ({old: new})
    renamed, next to it as ``<stem>-renamed``; names the header lacks raise :class:`KeyError`."""
    p = Path(path)
    rows, ending = _read(p, encoding, delimiter)
    header = rows[0] if rows else []
    missing = [c for c in mapping if c not in header]
    if missing:
        raise KeyError(f"{p}: no columns {missing}")
    out = [[mapping.get(c, c) for c in header], *rows[1:]]
    return _rewrite(_variant(p, "renamed"), out, encoding, delimiter, ending)


def reordered_columns(
    path: str | Path, seed: Seed, *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    """A copy of the CSV file ``path`` with its columns (header and data alike) in another
    order, next to it as ``<stem>-reordered``."""
    p = Path(path)
    rows, ending = _read(p, encoding, delimiter)
    if not rows:
        raise ValueError(f"{p}: no header")
    order = _not_identity(np.random.default_rng(seed).permutation(len(rows[0])))
    out = [[r[i] if i < len(r) else "" for i in order] for r in rows]
    return _rewrite(_variant(p, "reordered"), out, encoding, delimiter, ending)
