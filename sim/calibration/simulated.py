"""A run's deals as a CRM would export them: a Salesforce-shaped opportunities export and its
stage history, so the calibration can be tried on a team whose every parameter is known.

One replication runs with settling off (:class:`~sim.model.replication.Replication`, ``settle=
False``: the same results, every kept lead made a deal) and its lead tables keep every deal they
make. A deal's stage ends follow from its own draws (the days drawn for each stage), and where it
ended from its stage: one past the last once won, the stage it was lost in, or, if that stage
ends after the horizon, still open there. So the export is read off the deals after the run,
and the run itself is the one every other command runs.

- ``opportunities.csv``: ``Id, OwnerId, OwnerRole, StageName, Amount, CreatedDate, CloseDate,
  IsClosed, IsWon``; won deals' amount is what they booked (list value less the discount),
  others' their list value; an open deal's close date is its expected one (created plus the
  stages' mean days), as a CRM asks of every open deal.
- ``history.csv``: ``OpportunityId, StageName, CreatedDate``, one row per stage entered and one
  for the close ("Closed Won", "Closed Lost").

Days are working days: simulation day ``d`` is the ``d``-th working day (Monday to Friday) from
``start``. ``messy`` adds what real exports have: blank amounts, stages skipped in the history,
close dates edited later.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sim.model.pipeline import Deal
from sim.model.replication import Replication
from sim.random.streams import Purpose, stream
from sim.scenario import Scenario
from sim.scenario.fields import NAME_PATTERN

START = date(2024, 1, 1)
"""Day 0 of a simulated export (a Monday)."""
WON, LOST = "Closed Won", "Closed Lost"
MESS = {"blank_amount": 0.03, "skipped_stage": 0.05, "late_close": 0.03}
"""Shares of deals given each kind of mess with ``messy``: an open deal's blank amount, a
stage entry missing from the history, a close recorded up to two weeks late."""


@dataclass(frozen=True)
class Export:
    """The two files of a CRM export, and the day they were taken."""

    opportunities: pd.DataFrame
    history: pd.DataFrame
    as_of: date


def crm_stage(name: str) -> str:
    """A scenario's stage name as a CRM shows it: an identifier as a CRM would write it
    ("needs_analysis" -> "Needs Analysis"), any other name as it is ("Negociación")."""
    if re.fullmatch(NAME_PATTERN, name):
        return name.replace("_", " ").title()
    return name


def rep_owner(rep: int) -> str:
    """The OwnerId of rep ``rep`` (0-based, in manager order: manager ``m``'s reps are ``m *
    reps_per_manager`` on) in a simulated export."""
    return f"005R{rep + 1:05d}"


def sim_dates(start: date, days: np.ndarray) -> np.ndarray:
    """The dates of simulation days ``days`` (working days from ``start``, fractions dropped)."""
    whole = np.floor(np.asarray(days, dtype=float)).astype(np.int64)
    return np.asarray(np.busday_offset(np.datetime64(start, "D"), whole, roll="forward"))


@dataclass(frozen=True)
class DealRecords:
    """Every deal of one replication, as numbers: what both the export and the pilot's tables
    are made of (:func:`deal_records`)."""

    reps: int
    """Owners ``0 .. reps - 1`` are reps, the rest managers."""
    stages: int
    horizon: float
    """The run's last day (exclusive)."""
    owner: np.ndarray
    created: np.ndarray
    """Day each deal opened."""
    closed: np.ndarray
    """Day it was won or lost; nan if still open at the horizon."""
    won: np.ndarray
    stage: np.ndarray
    """Its stage at the end: ``stages`` if won, the stage it was lost or is open in otherwise."""
    amount: np.ndarray
    """Booked value if won, list value otherwise, to the cent."""
    hist_deal: np.ndarray
    """Stage entries, and closes: the deal (an index into the arrays above)."""
    hist_stage: np.ndarray
    """The stage entered, ``stages`` for Closed Won, ``stages + 1`` for Closed Lost."""
    hist_day: np.ndarray


def deal_records(scenario: Scenario, seed: int, replication: int = 0) -> DealRecords:
    """Run replication ``replication`` of ``scenario`` with ``seed`` and read off its deals, in
    the order they opened (see the module docstring)."""
    run = Replication(scenario, seed, replication, settle=False)
    rep_deals: list[tuple[int, Deal]] = []
    manager_deals: list[tuple[int, Deal]] = []
    run.rep_leads.log, run.manager_leads.log = rep_deals, manager_deals
    run.run()
    n = len(scenario.stages)
    horizon = run.horizon_days
    deals = rep_deals + [(len(run.reps) + pos, d) for pos, d in manager_deals]
    deals.sort(key=lambda pd_: pd_[1].open_days)
    owner: list[int] = []
    created: list[float] = []
    closed: list[float] = []
    amount: list[float] = []
    won: list[bool] = []
    stage: list[int] = []
    h_deal: list[int] = []
    h_stage: list[int] = []
    h_day: list[float] = []
    for i, (who, deal) in enumerate(deals):
        ends = [deal.open_days]
        for k in range(n):
            ends.append(ends[-1] + deal.durations[deal.base + k])
        k = deal.stage
        is_won = k == n
        is_closed = is_won or ends[k + 1] < horizon
        entered = n if is_won else k + 1
        h_deal.extend([i] * entered)
        h_stage.extend(range(entered))
        h_day.extend(ends[:entered])
        end = math.nan
        if is_closed:
            end = ends[n] if is_won else ends[k + 1]
            h_deal.append(i)
            h_stage.append(n if is_won else n + 1)
            h_day.append(end)
        owner.append(who)
        created.append(deal.open_days)
        closed.append(end)
        won.append(is_won)
        stage.append(k)
        amount.append(deal.booked if is_won else deal.value)
    return DealRecords(
        reps=len(run.reps),
        stages=n,
        horizon=horizon,
        owner=np.array(owner, dtype=np.int64),
        created=np.array(created, dtype=float),
        closed=np.array(closed, dtype=float),
        won=np.array(won, dtype=bool),
        stage=np.array(stage, dtype=np.int64),
        amount=np.round(np.array(amount, dtype=float), 2),
        hist_deal=np.array(h_deal, dtype=np.int64),
        hist_stage=np.array(h_stage, dtype=np.int64),
        hist_day=np.array(h_day, dtype=float),
    )


def simulated_export(
    scenario: Scenario,
    seed: int,
    replication: int = 0,
    start: date = START,
    messy: bool = False,
    labels: Sequence[str] | None = None,
) -> Export:
    """The CRM export of replication ``replication`` of ``scenario`` run with ``seed``; its
    stages named ``labels`` if given, else as :func:`crm_stage` shows them."""
    r = deal_records(scenario, seed, replication)
    stages = list(labels) if labels is not None else [crm_stage(st.name) for st in scenario.stages]
    names = np.array([*stages, WON, LOST], dtype=object)
    expected = sum(st.duration_mean_days for st in scenario.stages)
    owners = np.array(
        [rep_owner(i) for i in range(r.reps)]
        + [f"005M{m + 1:05d}" for m in range(int(r.owner.max(initial=-1)) + 1 - r.reps)],
        dtype=object,
    )
    is_closed = ~np.isnan(r.closed)
    final = np.where(r.won, r.stages, np.where(is_closed, r.stages + 1, r.stage))
    close_day = np.where(is_closed, r.closed, r.created + expected)
    ids = np.array([f"006S{i + 1:08d}" for i in range(len(r.owner))], dtype=object)
    amount, hist_day = r.amount, r.hist_day
    keep = np.ones(len(r.hist_deal), dtype=bool)
    if messy:
        amount, keep, close_day, hist_day = _mess(
            stream(seed, replication, Purpose.EXPORT_MESS),
            amount,
            is_closed,
            r.hist_deal,
            names[r.hist_stage],
            close_day,
            hist_day,
        )
    opportunities = pd.DataFrame(
        {
            "Id": ids,
            "OwnerId": owners[r.owner] if len(r.owner) else np.array([], dtype=object),
            "OwnerRole": np.where(r.owner < r.reps, "Sales Rep", "Sales Manager").astype(object),
            "StageName": names[final],
            "Amount": amount,
            "CreatedDate": sim_dates(start, r.created),
            "CloseDate": sim_dates(start, close_day),
            "IsClosed": is_closed,
            "IsWon": r.won,
        }
    )
    history = pd.DataFrame(
        {
            "OpportunityId": ids[r.hist_deal[keep]],
            "StageName": names[r.hist_stage][keep],
            "CreatedDate": sim_dates(start, hist_day[keep]),
        }
    )
    as_of = pd.Timestamp(sim_dates(start, np.array([r.horizon]))[0]).date()
    return Export(opportunities, history, as_of)


def deal_tables(records: DealRecords, start: date = START) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deals and stage entries :mod:`sim.pilot.measure` reads, straight from the records:
    what :func:`as_tables` makes of the export, without its text (deals and owners numbered,
    not named). A test holds the two to the same measures."""
    deals = pd.DataFrame(
        {
            "deal": np.arange(len(records.owner)),
            "owner": records.owner,
            "amount": records.amount,
            "closed": np.where(
                np.isnan(records.closed),
                np.datetime64("NaT"),
                sim_dates(start, np.nan_to_num(records.closed)),
            ).astype("datetime64[ns]"),
            "won": records.won,
        }
    )
    opened = records.hist_stage < records.stages
    history = pd.DataFrame(
        {
            "deal": records.hist_deal[opened],
            "date": sim_dates(start, records.hist_day[opened]).astype("datetime64[ns]"),
        }
    )
    return deals, history


def _mess(
    rng: np.random.Generator,
    amount: np.ndarray,
    is_closed: np.ndarray,
    hist_deal: np.ndarray,
    hist_stage: np.ndarray,
    close_day: np.ndarray,
    hist_day: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Blank amounts of open deals, skipped stage entries, late closes (see :data:`MESS`)."""
    amount = amount.copy()
    blank = ~is_closed & (rng.random(len(amount)) < MESS["blank_amount"])
    amount[blank] = math.nan
    # A stage skipped: an entry that is neither the deal's first nor its close goes missing.
    first = np.r_[True, hist_deal[1:] != hist_deal[:-1]]
    closing = np.isin(hist_stage, [WON, LOST])
    keep = first | closing | (rng.random(len(hist_deal)) >= MESS["skipped_stage"])
    # A close recorded late: the deal's close date and closing entry move on by up to 10 days.
    late = is_closed & (rng.random(len(amount)) < MESS["late_close"])
    shift = np.where(late, rng.integers(1, 11, len(amount)), 0)
    close_day = close_day + shift
    hist_day = hist_day + np.where(closing, shift[hist_deal], 0)
    return amount, keep, close_day, hist_day


def _day(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column).astype("datetime64[us]")


def as_tables(export: Export) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deals and stage history of ``export`` as the calibration's readers make them from
    its files (:func:`sim.calibration.exports.read_export`, :func:`~sim.calibration.history.
    read_history`), without the round trip through text: a test holds the two equal."""
    o, h = export.opportunities, export.history
    closed = _day(o["CloseDate"]).where(o["IsClosed"].to_numpy())
    deals = pd.DataFrame(
        {
            "deal": o["Id"].astype(str),
            "owner": o["OwnerId"].astype(str),
            "stage": o["StageName"].astype(str),
            "amount": o["Amount"].astype(float),
            "created": _day(o["CreatedDate"]),
            "closed": closed,
            "won": o["IsWon"].astype(bool),
            "role": o["OwnerRole"].astype(str),
        }
    )
    opened = ~h["StageName"].isin([WON, LOST]).to_numpy()
    history = pd.DataFrame(
        {
            "deal": h["OpportunityId"].astype(str).to_numpy()[opened],
            "stage": h["StageName"].astype(str).to_numpy()[opened],
            "date": _day(h["CreatedDate"]).to_numpy()[opened],
        }
    )
    return deals, history


def write_export(export: Export, folder: str) -> None:
    """``opportunities.csv`` and ``history.csv`` into ``folder`` (which must exist)."""
    from pathlib import Path

    from sim.experiment.output import write_atomic

    d = Path(folder)
    write_atomic(d / "opportunities.csv", export.opportunities.to_csv(index=False))
    write_atomic(d / "history.csv", export.history.to_csv(index=False))
