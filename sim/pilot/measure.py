"""What a pilot measures, from a CRM's deals: each team's outcomes in a period, and the
coached teams' change against the others'.

One function reads both kinds of pilot: the simulated ones :mod:`sim.pilot.design` runs for every
draw of the uncertain inputs (their deals made into the calibration's tables by
:func:`sim.calibration.simulated.as_tables`), and the real one :mod:`sim.pilot.learn` reads from
the team's export (:func:`sim.calibration.exports.read_export`). So the summary the value of the
pilot is computed from is the summary the real pilot will be judged by.

Per team and period (``[start, end)``, by the date of the event):

- ``stage_progress``: of the deals that left a stage in the period, the share that moved on
  (entered the next stage, or were won from the last) rather than being lost: a leading
  indicator, which moves within weeks;
- ``win_rate``: of the deals decided in the period, the share won;
- ``bookings``: won value per rep per week, which lags by a sales cycle.

The pilot's result on a metric is a difference in differences on team means: each team's change
from its own baseline period to the pilot period, the coached teams' mean change less the
others', with a two-sample t test on the teams' changes (``k1 + k0 - 2`` degrees of freedom, as
a trial randomised by team is analysed; ``../shared/DECISIONS.md``, section 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

METRICS = ("stage_progress", "win_rate", "bookings")
"""What a pilot can be judged by, the default first."""
LABELS = {
    "stage_progress": "stage progress",
    "win_rate": "win rate of deals decided",
    "bookings": "bookings",
}
"""The metrics in words."""
POINTS = {"stage_progress": True, "win_rate": True, "bookings": False}
"""Whether a metric is a share (its differences said in percentage points)."""


def in_words(metric: str, x: float) -> str:
    """A pilot's result on ``metric`` in words: points of a share, dollars of bookings."""
    if not math.isfinite(x):
        return "not measurable (a team with no data in a period)"
    if POINTS[metric]:
        return f"{x * 100:+.1f} points"
    return f"{'-' if x < 0 else '+'}${abs(x):,.0f} per rep per week"


@dataclass(frozen=True)
class Period:
    """A period of the pilot: days from ``start`` (inclusive) to ``end`` (exclusive)."""

    start: np.datetime64
    end: np.datetime64

    @property
    def weeks(self) -> float:
        """Working weeks in the period."""
        return float(np.busday_count(self.start, self.end)) / 5.0


@dataclass(frozen=True)
class Result:
    """A pilot's result on one metric: the coached teams' mean change less the others'."""

    effect: float
    """Difference in differences (nan when an arm has no team with data)."""
    se: float
    """Its standard error from the teams' spread (pooled variance)."""
    p_value: float
    """Two-sided p of the t test on team changes."""
    coached_teams: int
    other_teams: int

    @property
    def df(self) -> int:
        """Degrees of freedom of the test."""
        return self.coached_teams + self.other_teams - 2


def _day(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


@dataclass(frozen=True)
class TeamEvents:
    """A CRM's deals reduced to the events a pilot counts, each with its team: wins, losses and
    bookings by close date, moves from one stage to the next by the date of the stage entered
    (:func:`team_events`); any period's outcomes are then a count (:meth:`outcomes`)."""

    names: np.ndarray
    """The teams, in order."""
    reps: np.ndarray
    """Owners per team."""
    won_team: np.ndarray
    won_day: np.ndarray
    won_amount: np.ndarray
    lost_team: np.ndarray
    lost_day: np.ndarray
    move_team: np.ndarray
    move_day: np.ndarray

    def _count(
        self, team: np.ndarray, day: np.ndarray, period: Period, weights: np.ndarray | None = None
    ) -> np.ndarray:
        inside = (day >= period.start) & (day < period.end)
        w = None if weights is None else weights[inside]
        return np.bincount(team[inside], weights=w, minlength=len(self.names)).astype(float)

    def outcomes(self, period: Period) -> pd.DataFrame:
        """Each team's ``stage_progress``, ``win_rate`` and ``bookings`` in ``period``, with the
        counts behind them (``exits``, ``decided``, ``reps``); nan for a share of nothing."""
        wins = self._count(self.won_team, self.won_day, period)
        losses = self._count(self.lost_team, self.lost_day, period)
        booked = self._count(self.won_team, self.won_day, period, self.won_amount)
        moves = self._count(self.move_team, self.move_day, period) + wins
        exits = moves + losses
        decided = wins + losses
        with np.errstate(invalid="ignore", divide="ignore"):
            table = pd.DataFrame(
                {
                    "team": self.names,
                    "reps": self.reps,
                    "exits": exits,
                    "decided": decided,
                    "stage_progress": moves / exits,
                    "win_rate": wins / decided,
                    "bookings": booked / (self.reps * max(period.weeks, 1e-9)),
                }
            )
        return table.set_index("team")


def team_events(
    deals: pd.DataFrame, history: pd.DataFrame, teams: Mapping[Any, object]
) -> TeamEvents:
    """The events of ``deals`` and ``history`` (the calibration's tables: deal, owner, amount,
    closed, won; deal, date) by team, ``teams`` mapping owner -> team (owners are matched as
    text, so an export's OwnerIds and a simulation's numbered owners both do). Deals of owners
    not in ``teams`` (managers' own deals, owners who left) are not counted."""
    team_of = pd.Series({str(k): v for k, v in teams.items()})
    names = pd.unique(team_of.to_numpy())
    index = {t: i for i, t in enumerate(names)}
    owner = deals["owner"].astype(str)
    deal_team = owner.map(team_of).map(index).to_numpy(dtype=float, na_value=np.nan)
    reps = np.bincount(team_of.map(index).to_numpy(dtype=np.int64), minlength=len(names))
    closed = _day(deals["closed"])
    counted = np.isfinite(deal_team) & ~np.isnat(closed)
    won = deals["won"].to_numpy(dtype=bool)
    amount = np.nan_to_num(deals["amount"].to_numpy(dtype=float))
    w, lo = counted & won, counted & ~won
    # Stage entries after a deal's first: each is a move on from the stage before.
    h = history.sort_values(["deal", "date"], kind="stable")
    later = h["deal"].duplicated().to_numpy()
    ids = deals["deal"].astype(str)
    deal_index = pd.Series(np.arange(len(deals)), index=ids.to_numpy())
    deal_index = deal_index[~deal_index.index.duplicated()]
    pos = deal_index.reindex(h["deal"].astype(str).to_numpy()).to_numpy(dtype=float)
    known = np.isfinite(pos) & later
    h_team = np.full(len(h), np.nan)
    h_team[known] = deal_team[pos[known].astype(np.int64)]
    moved = np.isfinite(h_team)
    return TeamEvents(
        names=names,
        reps=reps,
        won_team=deal_team[w].astype(np.int64),
        won_day=closed[w],
        won_amount=amount[w],
        lost_team=deal_team[lo].astype(np.int64),
        lost_day=closed[lo],
        move_team=h_team[moved].astype(np.int64),
        move_day=_day(h["date"])[moved],
    )


def team_outcomes(
    deals: pd.DataFrame,
    history: pd.DataFrame,
    teams: Mapping[Any, object],
    period: Period,
) -> pd.DataFrame:
    """Each team's outcomes in ``period``: :meth:`TeamEvents.outcomes` of :func:`team_events`."""
    return team_events(deals, history, teams).outcomes(period)


def compare_arms(
    baseline: pd.DataFrame, pilot: pd.DataFrame, coached: AbstractSet[object], metric: str
) -> Result:
    """The coached teams' mean change in ``metric`` from ``baseline`` to ``pilot`` (tables of
    :func:`team_outcomes`) less the other teams', with its t test. Teams with no data in
    either period are left out."""
    change = (pilot[metric] - baseline[metric]).dropna()
    mask = np.array([t in coached for t in change.index], dtype=bool)
    a, b = change.to_numpy()[mask], change.to_numpy()[~mask]
    k1, k0 = len(a), len(b)
    if k1 < 1 or k0 < 1:
        return Result(math.nan, math.nan, math.nan, k1, k0)
    effect = float(a.mean() - b.mean())
    df = k1 + k0 - 2
    if df < 1:
        return Result(effect, math.nan, math.nan, k1, k0)
    pooled = (((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / df
    se = math.sqrt(pooled * (1.0 / k1 + 1.0 / k0))
    p = float(2.0 * stats.t.sf(abs(effect) / se, df)) if se > 0 else math.nan
    return Result(effect, se, p, k1, k0)
