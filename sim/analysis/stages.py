"""What a CRM's deals say about one sales stage, open deals included.

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
    """Per stage, the working days and outcome of each visit deals made to it, from a CRM's
    stage history.

    ``history`` has one row per stage change (``deal``, ``stage``, ``date``: when the deal
    entered ``stage``; ``seq``, if given, orders the changes of one day); ``closes`` one row per
    closed deal (``deal``, ``won``, ``date``). A visit lasts from entering a stage until the
    deal enters another one, closes, or the export date ``as_of``. It ends **advanced** if the
    next stage is a later one, or the deal is won (from the last stage, or from an earlier one
    it skipped ahead from); **lost** if the deal closes lost; **open** (censored) if it is still
    there at ``as_of`` or it steps back to an earlier stage: a step back says the deal spent
    that long without an outcome, and its return is a new visit. A deal created straight into a
    late stage (a CRM's migration) has visits only where it was seen (delayed entry): stages it
    skipped say nothing about it. Days are working days (Monday to Friday), as the model's weeks
    are."""
    v = _visits(history, stages)
    close = closes.set_index("deal")
    ends = v["deal"].map(close["date"])
    won = v["deal"].map(close["won"]).fillna(False).astype(bool)
    last = v["next_k"].isna().to_numpy()
    k = v["k"].to_numpy()
    nk = v["next_k"].to_numpy()
    outcome = np.where(
        ~last,
        np.where(nk > k, ADVANCED, OPEN),
        np.where(ends.isna(), OPEN, np.where(won, ADVANCED, LOST)),
    )
    exit_date = v["next_date"].where(~last, ends.where(ends.notna(), as_of))
    start = v["date"].to_numpy(dtype="datetime64[D]")
    stop = pd.to_datetime(exit_date).to_numpy(dtype="datetime64[D]")
    days = np.busday_count(start, np.maximum(stop, start)).astype(float)
    return {s: (days[k == i], outcome[k == i]) for i, s in enumerate(stages)}


def _visits(history: pd.DataFrame, stages: Sequence[str]) -> pd.DataFrame:
    """Each deal's visits to the stages (``deal, k, date, next_k, next_date``), by deal and
    time: the rows of :func:`stage_spells` and :func:`skipped_spells`, in the same order. A
    stage entered again without another in between (a record saved twice) is one visit."""
    order = {s: i for i, s in enumerate(stages)}
    unknown = sorted(set(history["stage"]) - set(order))
    if unknown:
        raise ValueError(f"stages not in the stage order: {', '.join(map(str, unknown[:5]))}")
    keys = ["deal", "date", "seq"] if "seq" in history else ["deal", "date", "k"]
    h = history.assign(k=history["stage"].map(order)).sort_values(keys, kind="stable")
    again = (h["deal"] == h["deal"].shift()) & (h["k"] == h["k"].shift())
    h = h[~again]
    by = h.groupby("deal", sort=False)
    return pd.DataFrame(
        {
            "deal": h["deal"].to_numpy(),
            "k": h["k"].to_numpy(),
            "date": h["date"].to_numpy(),
            "next_k": by["k"].shift(-1).to_numpy(),
            "next_date": by["date"].shift(-1).to_numpy(),
        }
    )


def skipped_spells(
    history: pd.DataFrame, closes: pd.DataFrame, stages: Sequence[str]
) -> dict[str, np.ndarray]:
    """Per stage, in :func:`stage_spells`' order, whether the visit ran into a stage the history
    skips: the deal next entered a stage beyond the following one, or was won from before the
    last. Such a visit holds the skipped stages' days too (a stage entered late in the CRM, or
    never), so it tells whether the deal advanced but not when."""
    v = _visits(history, stages)
    k = v["k"].to_numpy()
    won = v["deal"].map(closes.set_index("deal")["won"]).fillna(False).astype(bool).to_numpy()
    nk = v["next_k"].to_numpy()
    last = np.isnan(nk.astype(float))
    beyond = ~last & (nk > k + 1)
    won_early = last & won & (k < len(stages) - 1)
    skipped = beyond | won_early
    return {s: skipped[k == i] for i, s in enumerate(stages)}
