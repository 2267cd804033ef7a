"""The search: every plan run against the baseline on the same draws and luck, the leaders
separated by Kim and Nelson's procedure, and the answer.

Draw ``d`` of the uncertain inputs is one observation of every plan: its NPV against the baseline
in that draw (the mean of the draw's replications), every plan on the same draw and the same
random numbers (:mod:`sim.experiment.uncertainty`). Keeping the baseline is a plan too, worth 0 in
every draw. The search first runs every plan on the first ``n0`` draws (the screen), then, while
more than one plan is left, the next draws of the plans still in (:func:`sim.optimise.select.
kn_select`), until one is left or the draws run out. Each finished draw is written to the store
as it is merged, so a stopped search loses no finished draw and a resumed one runs only what is
missing; the eliminations depend on the observations alone, so the answer is the same however
the draws were run.

The answer (:class:`Search`): the best plan, how sure the draws make us that it is the best, the
runners-up within the indifference zone ``delta`` of it (on the draws they share), and the
cheapest plan within the zone.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment.batches import Engine
from sim.experiment.executors import Executor
from sim.experiment.output import write_atomic
from sim.experiment.parts import parquet_blob
from sim.optimise.select import Selection, best_by_draw, prob_best, select_best
from sim.optimise.space import Plan
from sim.scenario import Scenario
from sim.scenario.designs import Design

KEEP = "keep the baseline"
"""The label of plan 0: no change."""
METRICS = ("npv", "incremental_cost", "outside_fees_pv", "revenue_uplift_pct")
"""What is kept of each plan's run in each draw."""
FIRST_STAGE = 32
"""Draws of every plan before any is eliminated: the screen's, and KN's n0."""
STEP = 4
"""Draws run at a time for the plans still in (the eliminations do not depend on it)."""


class Store:
    """Finished draws on disk: one Parquet file per (draw, set of plans run), written whole."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def load(self) -> pd.DataFrame | None:
        """Every row saved so far, or None."""
        if self.folder is None or not self.folder.is_dir():
            return None
        files = sorted(self.folder.glob("draw-*.parquet"))
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else None

    def save(self, draw: int, rows: pd.DataFrame) -> None:
        """Keep one draw's rows."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        tag = hashlib.sha256(",".join(rows["plan"]).encode()).hexdigest()[:10]
        write_atomic(self.folder / f"draw-{draw:05d}-{tag}.parquet", parquet_blob([rows]))


@dataclass(frozen=True)
class Search:
    """What ``coachsim optimise`` found."""

    plans: list[Plan]
    """The plans tried; observation column ``j`` is plan ``j - 1`` (column 0 keeps the baseline)."""
    observations: np.ndarray
    """Draws x (1 + plans): NPV against the baseline; nan where a plan was not run."""
    rows: pd.DataFrame
    """Every run kept: plan, draw and :data:`METRICS`."""
    selection: Selection
    delta: float
    alpha: float
    n0: int
    draws: int
    """The most draws the search could use."""
    used: np.ndarray
    """Draws each column's figures use: those it had when it went out (or the procedure
    ended), or the best's, for a plan run on to compare with it on the same draws."""

    def label(self, j: int) -> str:
        """Column ``j`` in words."""
        return KEEP if j == 0 else f"{self.plans[j - 1].name} ({self.plans[j - 1].label})"

    def fee(self, j: int) -> float:
        """A year of column ``j``'s outside coach at the hours bought."""
        return 0.0 if j == 0 else self.plans[j - 1].fee_per_year

    def mean(self, j: int, draws: int | None = None) -> float:
        """Column ``j``'s mean NPV over its draws (or its first ``draws``)."""
        n = int(self.used[j]) if draws is None else draws
        return float(self.observations[:n, j].mean())

    @property
    def best(self) -> int:
        """The chosen column: the one left, or the highest mean of those left when the draws
        ran out."""
        return highest(self.observations, self.used, self.selection.survivors)

    def shared(self, j: int) -> int:
        """Draws column ``j`` shares with the best."""
        return int(min(self.used[j], self.used[self.best]))

    def gap(self, j: int) -> float:
        """How far column ``j``'s mean is below the best's, on the draws they share."""
        n = self.shared(j)
        b = self.best
        return float((self.observations[:n, b] - self.observations[:n, j]).mean())

    @property
    def runners_up(self) -> list[int]:
        """Columns within ``delta`` of the best on the draws they share, nearest first."""
        b = self.best
        near = [j for j in range(self.observations.shape[1]) if j != b and self.gap(j) < self.delta]
        return sorted(near, key=self.gap)

    @property
    def cheapest_near_best(self) -> int:
        """The column of the lowest fee within the zone (the best if none is cheaper)."""
        zone = [self.best, *self.runners_up]
        return min(zone, key=lambda j: (self.fee(j), -self.mean(j)))

    @property
    def contenders(self) -> list[int]:
        """The best and the plans it is weighed against for :attr:`prob_best`: the runners-up
        and the plans left in, or, with none, the nearest other plan."""
        left = [j for j in self.selection.survivors if j != self.best]
        others = list(dict.fromkeys([*self.runners_up, *left])) or [
            min((j for j in range(self.observations.shape[1]) if j != self.best), key=self.gap)
        ]
        return [self.best, *others]

    @property
    def prob_best(self) -> float:
        """How sure the draws make us that the best has the highest expected NPV of the
        contenders (a bootstrap over the draws they share)."""
        cols = self.contenders
        n = int(min(self.used[j] for j in cols))
        return float(prob_best(self.observations, cols, n)[0])

    @property
    def confidence(self) -> float:
        """The procedure's guarantee: ``1 - alpha`` of choosing the best when it is at least
        ``delta`` better than the rest (when it finished)."""
        return 1.0 - self.alpha

    def table(self) -> pd.DataFrame:
        """plans.csv: every plan with its choices, fee, draws, mean and standard error of its
        NPV over its draws and over the first ``n0`` (which every plan has, so those compare
        across plans), how far it is behind the best on the draws they share, how often it was
        the best in the first draws, the draw it went out at, and its standing."""
        best, near, cheap = self.best, set(self.runners_up), self.cheapest_near_best
        shares = best_by_draw(self.observations, self.n0)
        gone = self.selection.eliminated_at
        rows = []
        for j in range(self.observations.shape[1]):
            n = int(self.used[j])
            x = self.observations[:n, j]
            row: dict[str, object] = {"plan": KEEP if j == 0 else self.plans[j - 1].name}
            if j:
                row.update({p: v for p, v in self.plans[j - 1].choices.items()})
            standing = (
                "best"
                if j == best
                else ("within the zone" if j in near else ("out" if j in gone else "left in"))
            )
            row.update(
                {
                    "fee_per_year_usd": self.fee(j),
                    "draws": n,
                    "npv_mean": float(x.mean()),
                    "npv_first_draws": float(x[: self.n0].mean()),
                    "npv_first_draws_se": float(x[: self.n0].std(ddof=1) / math.sqrt(self.n0))
                    if j
                    else 0.0,
                    "npv_se": float(x.std(ddof=1) / math.sqrt(n)) if n > 1 and j else 0.0,
                    "gap_to_best": 0.0 if j == best else self.gap(j),
                    "best_in_first_draws_share": float(shares[j]),
                    "eliminated_at_draw": gone.get(j, math.nan),
                    "standing": standing,
                    "cheapest_near_best": j == cheap,
                }
            )
            rows.append(row)
        table = pd.DataFrame(rows)
        choices = list(self.plans[0].choices) if self.plans else []
        rest = [c for c in table.columns if c != "plan" and c not in choices]
        return table[["plan", *choices, *rest]]


def highest(x: np.ndarray, used: np.ndarray, cols: Sequence[int]) -> int:
    """The column of ``cols`` with the highest mean over the draws it uses."""
    return max(cols, key=lambda j: float(x[: used[j], j].mean()))


def leading(x: np.ndarray) -> np.ndarray:
    """Per column, how many leading rows are filled (not nan)."""
    filled = ~np.isnan(x)
    missing = ~filled
    first_gap = np.where(missing.any(axis=0), missing.argmax(axis=0), x.shape[0])
    return np.asarray(first_gap, dtype=int)


def total_runs(plans: int, n0: int) -> int:
    """The runs of the screen (every plan on the first ``n0`` draws): the progress bar's first
    total, raised as the procedure asks for more."""
    return plans * n0


def search(
    baseline: Scenario,
    plans: Sequence[Plan],
    design: Design,
    seed: int,
    delta: float,
    alpha: float = 0.05,
    n0: int = FIRST_STAGE,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    store: Store | None = None,
) -> Search:
    """Run the search (see the module's docstring). ``progress(done, total)`` counts plan-draws
    run (the total grows as the procedure asks for more draws)."""
    draws = design.draws
    if n0 > draws:
        raise ValueError(f"the screen needs {n0} draws; the design has {draws}")
    store = store or Store(None)
    k = len(plans) + 1
    x = np.full((draws, k), np.nan)
    x[:, 0] = 0.0
    column = {p.name: j + 1 for j, p in enumerate(plans)}
    kept: list[pd.DataFrame] = []
    saved = store.load()
    if saved is not None:
        saved = saved[saved["plan"].isin(column) & (saved["draw"] < draws)]
        saved = saved.drop_duplicates(["plan", "draw", "replication"])
        means = saved.groupby(["plan", "draw"])["npv"].mean()
        for plan, d, npv in zip(
            means.index.get_level_values(0), means.index.get_level_values(1), means, strict=True
        ):
            x[int(d), column[str(plan)]] = npv
        kept.append(saved)
    done = [int((~np.isnan(x[:, 1:])).sum())]
    total = [max(total_runs(len(plans), n0), done[0])]

    def tell() -> None:
        if progress is not None:
            progress(done[0], total[0])

    def run(span: range, cols: Sequence[int]) -> None:
        groups: list[tuple[int, tuple[int, ...]]] = []
        for d in span:
            need = tuple(j for j in cols if np.isnan(x[d, j]))
            if need:
                groups.append((d, need))
        i = 0
        while i < len(groups):  # consecutive draws that need the same plans: one engine
            start, need = groups[i]
            stop = start + 1
            while i + 1 < len(groups) and groups[i + 1] == (stop, need):
                i += 1
                stop += 1
            _run_draws(
                baseline, [plans[j - 1] for j in need], design, seed, start, stop, executor, keep
            )
            i += 1

    def keep(draw: int, rows: pd.DataFrame) -> None:
        store.save(draw, rows)
        kept.append(rows)
        for plan, npv in rows.groupby("plan")["npv"].mean().items():
            x[draw, column[str(plan)]] = npv
        done[0] += rows["plan"].nunique()
        tell()

    tell()
    run(range(n0), range(1, k))
    while True:
        sel = select_best(x, leading(x), n0, delta, alpha, draws)
        r = sel.draws_seen
        if sel.finished or r >= draws:
            break
        left = [j for j in sel.survivors if j != 0]
        more = min(draws, sel.needed) - r
        total[0] = max(total[0], done[0] + len(left) * more)
        run(range(r, min(draws, r + STEP)), left)
    # Each plan's figures use the draws it had when it went out (a step of several draws may
    # have run it on a few more, and a resumed search on others: they are left out, so the
    # figures are the same however the search was run). Plans that went out within the zone of
    # the best (or ahead of it) on fewer draws are then run on the best's draws too, so that
    # they are compared with it on the same draws.
    used = np.array([sel.eliminated_at.get(j, r) for j in range(k)])
    b = highest(x, used, sel.survivors)
    used[0] = used[b]
    close = [
        j
        for j in range(1, k)
        if used[j] < used[b] and float((x[: used[j], b] - x[: used[j], j]).mean()) < delta
    ]
    if close:
        total[0] = done[0] + sum(int(used[b] - used[j]) for j in close)
        run(range(int(min(used[j] for j in close)), int(used[b])), close)
        used[close] = used[b]
    total[0] = done[0]
    tell()
    rows = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=["plan", "draw"])
    rows = rows.drop_duplicates(["plan", "draw", "replication"])
    limit = rows["plan"].map(lambda p: used[column[str(p)]])
    rows = rows[rows["draw"] < limit].sort_values(["draw", "plan"], kind="stable")
    return Search(list(plans), x, rows.reset_index(drop=True), sel, delta, alpha, n0, draws, used)


def _run_draws(
    baseline: Scenario,
    plans: Sequence[Plan],
    design: Design,
    seed: int,
    start: int,
    stop: int,
    executor: Executor | None,
    keep: Callable[[int, pd.DataFrame], None],
) -> None:
    """Run draws ``start .. stop-1`` of the baseline and ``plans``; ``keep(draw, rows)`` as each
    draw is merged (in order)."""
    reps = design.reps_per_draw
    engine = Engine(
        [baseline, *(p.scenario for p in plans)], seed, keep_weekly=False, design=design
    )
    engine.done = start * reps
    seen = [0]

    def merged(count: int) -> None:
        new = engine.per_rep[seen[0] :]
        seen[0] = len(engine.per_rep)
        table = pd.concat(new, ignore_index=True)
        table = table.rename(columns={"scenario": "plan"})
        table.insert(1, "draw", table["replication"].to_numpy() // reps)
        for d in sorted(set(table["draw"].tolist())):
            rows = table[table["draw"] == d]
            keep(int(d), rows[["plan", "draw", "replication", *METRICS]].reset_index(drop=True))

    engine.run(stop * reps, executor, merged)
