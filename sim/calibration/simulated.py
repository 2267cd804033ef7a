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
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.pipeline import Deal
from sim.model.replication import Replication
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
    run = Replication(scenario, seed, replication, settle=False)
    rep_deals: list[tuple[int, Deal]] = []
    manager_deals: list[tuple[int, Deal]] = []
    run.rep_leads.log, run.manager_leads.log = rep_deals, manager_deals
    run.run()
    stages = list(labels) if labels is not None else [crm_stage(st.name) for st in scenario.stages]
    n = len(stages)
    horizon = run.horizon_days
    expected = sum(st.duration_mean_days for st in scenario.stages)
    owners = [rep_owner(r.index) for r in run.reps] + [
        f"005M{m + 1:05d}" for m in range(len(run.managers))
    ]
    opp: dict[str, list[Any]] = {k: [] for k in ("owner", "role", "stage", "amount", "created")}
    opp.update({k: [] for k in ("closed", "is_closed", "won")})
    hist: dict[str, list[Any]] = {"deal": [], "stage": [], "day": []}
    deals = rep_deals + [(len(run.reps) + pos, d) for pos, d in manager_deals]
    deals.sort(key=lambda pd_: pd_[1].open_days)
    for i, (who, deal) in enumerate(deals):
        ends = [deal.open_days]
        for k in range(n):
            ends.append(ends[-1] + deal.durations[deal.base + k])
        k = deal.stage
        won = k == n
        closed = won or ends[k + 1] < horizon
        for j in range(n if won else k + 1):
            hist["deal"].append(i)
            hist["stage"].append(stages[j])
            hist["day"].append(ends[j])
        if closed:
            hist["deal"].append(i)
            hist["stage"].append(WON if won else LOST)
            hist["day"].append(ends[n] if won else ends[k + 1])
        opp["owner"].append(who)
        opp["role"].append("Sales Rep" if who < len(run.reps) else "Sales Manager")
        opp["stage"].append(WON if won else LOST if closed else stages[k])
        opp["amount"].append(deal.booked if won else deal.value)
        opp["created"].append(deal.open_days)
        opp["closed"].append((ends[n] if won else ends[k + 1]) if closed else None)
        opp["is_closed"].append(closed)
        opp["won"].append(won)
    close_day = np.array(
        [
            c if c is not None else o + expected
            for c, o in zip(opp["closed"], opp["created"], strict=True)
        ]
    )
    ids = np.array([f"006S{i + 1:08d}" for i in range(len(deals))], dtype=object)
    amount = np.round(np.array(opp["amount"], dtype=float), 2)
    hist_deal = np.array(hist["deal"], dtype=np.int64)
    hist_day = np.array(hist["day"], dtype=float)
    keep = np.ones(len(hist_deal), dtype=bool)
    if messy:
        amount, keep, close_day, hist_day = _mess(
            np.random.default_rng([seed, replication, 14]),
            amount,
            np.array(opp["is_closed"]),
            hist_deal,
            np.array(hist["stage"], dtype=object),
            close_day,
            hist_day,
        )
    opportunities = pd.DataFrame(
        {
            "Id": ids,
            "OwnerId": [owners[w] for w in opp["owner"]],
            "OwnerRole": opp["role"],
            "StageName": opp["stage"],
            "Amount": amount,
            "CreatedDate": sim_dates(start, np.array(opp["created"])),
            "CloseDate": sim_dates(start, close_day),
            "IsClosed": opp["is_closed"],
            "IsWon": opp["won"],
        }
    )
    history = pd.DataFrame(
        {
            "OpportunityId": ids[hist_deal[keep]],
            "StageName": np.array(hist["stage"], dtype=object)[keep],
            "CreatedDate": sim_dates(start, hist_day[keep]),
        }
    )
    as_of = pd.Timestamp(sim_dates(start, np.array([horizon]))[0]).date()
    return Export(opportunities, history, as_of)


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
