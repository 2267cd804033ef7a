"""What a CRM's deals say about one sales stage, open deals included (issue 14, library only).

A deal that entered a stage has, by the export's date, either advanced, been lost, or is still
open in it. The open ones are right-censored: they will advance or be lost, we do not know
which. The naive conversion, advanced / (advanced + lost), counts only the closed deals and is
biased whenever the two outcomes take different times: if losses drag on longer than wins, the
deals closed so far are mostly the fast wins, and the naive rate is too high.

:func:`stage_spells` turns a CRM's stage history into each deal's working days in each stage
and its outcome; :func:`competing_risks` is the Aalen-Johansen estimator of the two outcomes'
cumulative incidence over time in the stage, the standard answer for competing risks with
censoring (Aalen and Johansen 1978); :func:`stage_fit` reads off the share that eventually
advances and the time an advancing deal spends in the stage. lifelines has the estimator too
(AalenJohansenFitter), but it would bring matplotlib and autograd for twenty lines of numpy; the
tests hold this one to planted answers and to the Kaplan-Meier curve it must reduce to.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

OPEN, ADVANCED, LOST = 0, 1, 2
"""Outcome codes: still open at the export (censored), moved to the next stage, lost."""


@dataclass(frozen=True)
class Incidence:
    """The cumulative incidence of each outcome at each time an outcome happened."""

    times: np.ndarray
    advanced: np.ndarray
    """P(advanced by t)."""
    lost: np.ndarray
    """P(lost by t)."""

    @property
    def open(self) -> np.ndarray:
        """P(still in the stage at t): one less both incidences."""
        return np.asarray(1.0 - self.advanced - self.lost, dtype=float)


def competing_risks(
    days: np.ndarray, outcome: np.ndarray, weights: np.ndarray | None = None
) -> Incidence:
    """Aalen-Johansen cumulative incidences of advancing and of being lost, from each deal's days
    in the stage (to its exit, or to the export if open) and its outcome (:data:`OPEN`,
    :data:`ADVANCED`, :data:`LOST`). A deal open at exactly an event time is still at risk then,
    as Kaplan-Meier counts it. ``weights`` counts each row as that many deals (a bootstrap
    resample of the distinct (days, outcome) pairs, :func:`sim.analysis.crm.stage_estimates`)."""
    t = np.asarray(days, dtype=float)
    o = np.asarray(outcome, dtype=int)
    if t.shape != o.shape or t.ndim != 1:
        raise ValueError("days and outcome must be one value per deal")
    if (t < 0).any() or not np.isfinite(t).all():
        raise ValueError("days in a stage must be finite and not negative")
    if not np.isin(o, (OPEN, ADVANCED, LOST)).all():
        raise ValueError("outcome must be OPEN, ADVANCED or LOST")
    w = np.ones(len(t)) if weights is None else np.asarray(weights, dtype=float)
    if weights is not None:
        t, o, w = t[w > 0], o[w > 0], w[w > 0]
    closed = o != OPEN
    events, which = np.unique(t[closed], return_inverse=True)
    # deals at risk at each event time: those whose time in the stage reaches it
    order = np.argsort(t, kind="stable")
    beyond = np.concatenate([np.cumsum(w[order][::-1])[::-1], [0.0]])
    at_risk = beyond[np.searchsorted(t[order], events, side="left")]
    wc, oc = w[closed], o[closed]
    adv = np.bincount(which, weights=wc * (oc == ADVANCED), minlength=len(events))
    lost = np.bincount(which, weights=wc * (oc == LOST), minlength=len(events))
    survival_before = np.concatenate([[1.0], np.cumprod(1.0 - (adv + lost) / at_risk)[:-1]])
    return Incidence(
        events,
        np.cumsum(survival_before * adv / at_risk),
        np.cumsum(survival_before * lost / at_risk),
    )


@dataclass(frozen=True)
class StageFit:
    """One stage, as the deals that entered it say."""

    conversion: float
    """Share of the deals entering the stage that advance: the incidence of advancing at the
    last outcome seen, over both incidences (deals still open at the end are split as the ones
    resolved by then); nan without any outcome."""
    unresolved: float
    """Share whose outcome the data cannot tell (open past the last outcome seen)."""
    mean_days_to_advance: float
    """Mean days in the stage of a deal that advances (restricted to the time observed)."""
    median_days_to_advance: float
    mean_days_in_stage: float
    """Mean days any deal spends in the stage before it advances or is lost (the area under
    the share still in the stage, up to the last outcome seen): what the model's
    ``duration_mean_days`` is, as its deals wait the same for either outcome."""
    deals: int
    advanced: int
    lost: int
    open: int
    naive_conversion: float
    """advanced / (advanced + lost), shown beside the estimate, never used for it."""


def stage_fit(days: np.ndarray, outcome: np.ndarray, weights: np.ndarray | None = None) -> StageFit:
    """:class:`StageFit` of one stage from each deal's days in it and its outcome (each row
    counted ``weights`` times, if given)."""
    o = np.asarray(outcome, dtype=int)
    w = np.ones(len(o)) if weights is None else np.asarray(weights, dtype=float)
    n_adv, n_lost, n_open = (round(w[o == k].sum()) for k in (ADVANCED, LOST, OPEN))
    closed = n_adv + n_lost
    naive = n_adv / closed if closed else math.nan
    inc = competing_risks(days, outcome, weights)
    deals = n_adv + n_lost + n_open
    if not len(inc.times):
        return StageFit(
            math.nan, 1.0, math.nan, math.nan, math.nan, deals, n_adv, n_lost, n_open, naive
        )
    a, b = float(inc.advanced[-1]), float(inc.lost[-1])
    mean = median = math.nan
    if a > 0:
        steps = np.diff(np.concatenate([[0.0], inc.advanced])) / a  # days-to-advance density
        mean = float(np.sum(steps * inc.times))
        median = float(inc.times[np.searchsorted(np.cumsum(steps), 0.5 - 1e-12)])
    still = np.concatenate([[1.0], inc.open[:-1]])  # in the stage just before each outcome
    in_stage = float(np.sum(still * np.diff(np.concatenate([[0.0], inc.times]))))
    return StageFit(
        a / (a + b), 1.0 - a - b, mean, median, in_stage, deals, n_adv, n_lost, n_open, naive
    )


def stage_spells(
    history: pd.DataFrame,
    closes: pd.DataFrame,
    stages: Sequence[str],
    as_of: np.datetime64,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per stage, each deal's working days in it and its outcome, from a CRM's stage history.

    ``history`` has one row per stage change (``deal``, ``stage``, ``date``: when the deal
    entered ``stage``); ``closes`` one row per closed deal (``deal``, ``won``, ``date``). A
    deal is in a stage from entering it until it enters a later one (advanced), closes (won
    after the last stage: advanced; lost: lost) or the export date ``as_of`` (open). A deal
    that goes back to an earlier stage keeps its first entry of each stage; stages it skipped
    say nothing about it. Days are working days (Monday to Friday), as the model's weeks are."""
    first = _entries(history, stages)
    nxt = first.groupby("deal")["date"].shift(-1)
    ends = first["deal"].map(closes.set_index("deal")["date"])
    won = first["deal"].map(closes.set_index("deal")["won"])
    last = nxt.isna()
    outcome = np.where(
        ~last,
        ADVANCED,
        np.where(
            ends.isna(), OPEN, np.where((first["k"] == len(stages) - 1) & won, ADVANCED, LOST)
        ),
    )
    # a deal that closes won before reaching the last stage advanced out of where it was
    outcome = np.where(last & ends.notna() & won.fillna(False).astype(bool), ADVANCED, outcome)
    exit_date = nxt.where(~last, ends.where(ends.notna(), as_of))
    start = first["date"].to_numpy(dtype="datetime64[D]")
    stop = pd.to_datetime(exit_date).to_numpy(dtype="datetime64[D]")
    days = np.busday_count(start, np.maximum(stop, start)).astype(float)
    k = first["k"].to_numpy()
    return {s: (days[k == i], outcome[k == i]) for i, s in enumerate(stages)}


def _entries(history: pd.DataFrame, stages: Sequence[str]) -> pd.DataFrame:
    """Each deal's first entry of each stage (``deal, k, date``), by deal and stage: the rows of
    :func:`stage_spells` and :func:`skipped_spells`, in the same order."""
    order = {s: i for i, s in enumerate(stages)}
    unknown = sorted(set(history["stage"]) - set(order))
    if unknown:
        raise ValueError(f"stages not in the stage order: {', '.join(map(str, unknown[:5]))}")
    h = history.assign(k=history["stage"].map(order)).sort_values(["deal", "date", "k"])
    first = h.groupby(["deal", "k"], sort=False)["date"].min().reset_index()
    return first.sort_values(["deal", "k"])


def skipped_spells(
    history: pd.DataFrame, closes: pd.DataFrame, stages: Sequence[str]
) -> dict[str, np.ndarray]:
    """Per stage, in :func:`stage_spells`' order, whether the deal's spell there ran into a
    stage the history skips: it next entered a stage beyond the following one, or was won from
    before the last. Such a spell holds the skipped stages' days too (a stage entered late in
    the CRM, or never), so it tells whether the deal advanced but not when."""
    first = _entries(history, stages)
    k = first["k"].to_numpy()
    nxt = first.groupby("deal")["k"].shift(-1)
    won = first["deal"].map(closes.set_index("deal")["won"]).fillna(False).astype(bool)
    beyond = (nxt > first["k"] + 1).to_numpy()
    won_early = (nxt.isna() & won & (first["k"] < len(stages) - 1)).to_numpy()
    skipped = beyond | won_early
    return {s: skipped[k == i] for i, s in enumerate(stages)}
