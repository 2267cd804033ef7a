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


def team_outcomes(
    deals: pd.DataFrame,
    history: pd.DataFrame,
    teams: Mapping[str, object],
    period: Period,
) -> pd.DataFrame:
    """Each team's ``stage_progress``, ``win_rate`` and ``bookings`` in ``period``, with the
    counts behind them (``exits``, ``decided``, ``reps``), one row per team of ``teams`` (owner
    -> team). Deals of owners not in ``teams`` (managers' own deals, owners who left) are not
    counted. A team with nothing in the period has nan for a share."""
    owner = deals["owner"].astype(str).to_numpy()
    team_of = pd.Series({str(k): v for k, v in teams.items()})
    names = pd.unique(team_of.to_numpy())
    index = {t: i for i, t in enumerate(names)}
    deal_team = pd.Series(owner).map(team_of).map(index).to_numpy(dtype=float, na_value=np.nan)
    reps = np.bincount(team_of.map(index).to_numpy(dtype=np.int64), minlength=len(names))

    def count(team: np.ndarray, when: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        inside = (when >= period.start) & (when < period.end) & np.isfinite(team)
        w = None if weights is None else weights[inside]
        return np.bincount(team[inside].astype(np.int64), weights=w, minlength=len(names))

    closed = _day(deals["closed"])
    has_close = ~np.isnat(closed)
    won = deals["won"].to_numpy(dtype=bool) & has_close
    lost = ~deals["won"].to_numpy(dtype=bool) & has_close
    amount = np.nan_to_num(deals["amount"].to_numpy(dtype=float))
    wins = count(np.where(won, deal_team, np.nan), closed)
    losses = count(np.where(lost, deal_team, np.nan), closed)
    booked = count(np.where(won, deal_team, np.nan), closed, amount)
    # Stage entries after a deal's first: each is a move on from the stage before.
    h = history.sort_values(["deal", "date"], kind="stable")
    later = h["deal"].duplicated().to_numpy()
    deal_index = pd.Series(np.arange(len(deals)), index=deals["deal"].astype(str))
    deal_index = deal_index[~deal_index.index.duplicated()]
    pos = deal_index.reindex(h["deal"].astype(str)).to_numpy(dtype=float)
    known = np.isfinite(pos) & later
    h_team = np.full(len(h), np.nan)
    h_team[known] = deal_team[pos[known].astype(np.int64)]
    moves = count(h_team, _day(h["date"])) + wins
    exits = moves + losses
    decided = wins + losses
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(
            {
                "team": names,
                "reps": reps,
                "exits": exits,
                "decided": decided,
                "stage_progress": moves / exits,
                "win_rate": wins / decided,
                "bookings": booked / (reps * max(period.weeks, 1e-9)),
            }
        )
    return table.set_index("team")


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
