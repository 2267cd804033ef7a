"""Running replications: deterministic batches, any executor, results merged in order.

Replication ``r`` of a run seeded with ``seed`` derives all its streams from ``(seed, r)`` alone.
Replications are grouped into batches of a fixed size that depends only on the scenarios (each
batch takes a fraction of a second), batch ``k`` holding replications ``k*size`` to
``(k+1)*size - 1``. Batches may finish in any order on any worker; the :class:`Engine` merges
them strictly in batch order, so every number, down to the last bit, is the same whether the run
was serial, on local processes, on a Dask cluster, interrupted and resumed, or split any other
way.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sim.analysis.intervals import t_halfwidth
from sim.analysis.paired import replication_metrics
from sim.engine.collector import gc_paused
from sim.experiment.executors import Executor, SerialExecutor
from sim.experiment.streaming import (
    COMPARISON_SERIES,
    WeeklyStats,
    comparison_series,
    matrix,
    tracked_columns,
)
from sim.model.candidates import LeadShelf
from sim.model.recorder import check_finite
from sim.model.replication import Replication
from sim.model.twins import Calendars, calendar_key
from sim.scenario import Scenario
from sim.scenario.designs import Design

SECONDS_PER_REP_EVENT = 0.28 / (48 * 120)
"""Rough cost of one rep-week of simulation on one core, for batch sizing only (the reference
team as measured when batching was written; the engine has since become about twice as fast, so
a batch of the reference takes about a quarter of a second, well within the 0.1-1 s aimed at)."""
TARGET_BATCH_S = 0.5
"""Aim for tasks of about this long: Dask's per-task overhead is about a millisecond."""


@dataclass
class RunResult:
    """The tables of one scenario's run.

    ``weekly`` holds one row per (replication, week) when the run kept it in memory (the Python
    API does; the command line streams it to Parquet parts instead and leaves it ``None``).
    ``stats`` holds the weekly means and intervals the reports use, whatever the size of the run.
    """

    scenario: Scenario
    seed: int
    replications: int
    weekly: pd.DataFrame | None
    summary: pd.DataFrame
    stats: WeeklyStats
    meta: dict[str, object] = field(default_factory=dict)


def run_replication(
    scenario: Scenario,
    seed: int,
    replication: int,
    calendars: Calendars | None = None,
    leads: LeadShelf | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One replication's weekly table and summary row, every number checked to be finite
    (``calendars``, ``leads``: see :class:`~sim.model.replication.Replication`)."""
    # The collector stays paused until the replication is garbage: it then frees its cycles in
    # one pass instead of first walking them, alive, as it comes back (sim.engine.collector).
    with gc_paused():
        run = Replication(scenario, seed, replication, calendars=calendars, leads=leads)
        weekly, row = run.run()
        run.release()
        del run
    check_finite(weekly, row)
    return weekly, row


@dataclass(frozen=True)
class BatchSpec:
    """One task: these replications of every scenario of the run."""

    scenarios: tuple[Scenario, ...]
    seed: int
    reps: range
    period: int = 0
    """If positive, replication ``r`` draws the random numbers of replication ``r % period``
    (a sweep: every grid point on the same numbers); its tables still say ``r``."""


BatchResult = list[tuple[pd.DataFrame, pd.DataFrame]]
"""Per scenario, in order: (weekly rows, summary rows) of the batch's replications."""


def run_batch(spec: BatchSpec) -> BatchResult:
    """Run a batch (the function executors call; importable, so picklable).

    The scenarios of a comparison often share their managers' calendars (an outside coach, say,
    changes none): each calendar is then run once per replication and replayed for the others,
    with the same tables to the bit. They draw the same candidate leads, which are likewise
    drawn and prepared once per replication. So a replication of every scenario runs before
    the next replication's, and what they share is dropped as the next begins."""
    keys = [calendar_key(s) for s in spec.scenarios]
    weeklies: list[list[pd.DataFrame]] = [[] for _ in spec.scenarios]
    rows: list[list[dict[str, Any]]] = [[] for _ in spec.scenarios]
    for r in spec.reps:
        shelves: dict[str, Calendars] = {k: {} for k in keys if keys.count(k) > 1}
        leads: LeadShelf | None = {} if len(spec.scenarios) > 1 else None
        number = r % spec.period if spec.period else r
        for i, s in enumerate(spec.scenarios):
            w, row = run_replication(s, spec.seed, number, shelves.get(keys[i]), leads)
            if spec.period:
                w["replication"] = r
                row["replication"] = r
            weeklies[i].append(w)
            rows[i].append(row)
    return [
        (pd.concat(w, ignore_index=True), pd.DataFrame(r))
        for w, r in zip(weeklies, rows, strict=True)
    ]


def batch_size(scenarios: Sequence[Scenario]) -> int:
    """Replications per batch: a fixed function of the scenarios, never of timings."""
    cost = (
        sum(
            s.team.managers * s.team.reps_per_manager * (s.weeks + s.warmup_weeks)
            for s in scenarios
        )
        * SECONDS_PER_REP_EVENT
    )
    return max(1, min(50, round(TARGET_BATCH_S / max(cost, 1e-9))))


@dataclass(frozen=True)
class PrecisionOutcome:
    """How a run to a precision ended: the target met, or the replication limit reached first."""

    target: float
    """The half-width asked for, as a share of the headline's |mean|."""
    achieved: float
    """The widest headline's 95% half-width as a share of its |mean| (inf if the mean is 0)."""
    replications: int
    reached: bool
    """Whether every headline is within the target."""


class Sink(Protocol):
    """Where finished batches go besides the in-memory statistics (see sim.experiment.store)."""

    def has(self, reps: Sequence[int]) -> bool:
        """Whether the batch of these replications is already stored (a resumed run)."""
        ...

    def load(self, reps: Sequence[int]) -> BatchResult:
        """A stored batch."""
        ...

    def save(self, index: int, reps: Sequence[int], result: BatchResult) -> None:
        """Store a finished batch durably."""
        ...


class Engine:
    """Runs the replications of one or more scenarios and merges them in order.

    With several scenarios the first is the baseline and the others are compared with it,
    replication by replication (see sim.compare). With a ``design`` of uncertain inputs, batch
    ``d`` is draw ``d``: its replications run the scenarios with that draw's values (see
    :mod:`sim.experiment.uncertainty`).
    """

    def __init__(
        self,
        scenarios: Sequence[Scenario],
        seed: int,
        keep_weekly: bool = True,
        sink: Sink | None = None,
        size: int | None = None,
        design: Design | None = None,
    ) -> None:
        self.scenarios = list(scenarios)
        self.names = [s.name or f"scenario{i}" for i, s in enumerate(self.scenarios)]
        self.seed = seed
        self.design = design
        self.size = size or batch_size(self.scenarios)
        if design is not None:  # a batch never spans two draws (or points of a sweep)
            k = design.reps_per_draw
            if design.shared_seeds:  # the largest divisor of a point's replications that fits
                self.size = max(d for d in range(1, min(k, self.size) + 1) if k % d == 0)
            else:  # uncertainty: one task per draw
                self.size = k
        self.keep_weekly = keep_weekly
        self.sink = sink
        base = self.scenarios[0]
        cols = tracked_columns(base.stage_names())
        self.stats = [
            WeeklyStats(cols + (list(COMPARISON_SERIES) if i else []), s.weeks)
            for i, s in enumerate(self.scenarios)
        ]
        self.summaries: list[list[pd.DataFrame]] = [[] for _ in self.scenarios]
        self.weekly: list[list[pd.DataFrame]] = [[] for _ in self.scenarios]
        self.per_rep: list[pd.DataFrame] = []
        self.done = 0
        """Replications merged so far (always a prefix 0..done-1)."""

    def batches(self, stop: int) -> Iterator[tuple[int, range]]:
        """(index, replications) of the batches between what is done and ``stop``, planned
        lazily: a run of a billion replications costs no memory to plan."""
        for k in range(self.done // self.size, math.ceil(stop / self.size)):
            reps = range(max(k * self.size, self.done), min((k + 1) * self.size, stop))
            if reps:
                yield k, reps

    def run(
        self,
        stop: int,
        executor: Executor | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Run replications ``done .. stop-1``; merged in order as they finish.

        Batches are handed to the executor lazily, and a batch already in the sink (a resumed
        run) is read back when its turn comes, so only the batches in flight are in memory."""
        sink = self.sink
        order: deque[tuple[int, range, bool]] = deque()
        """Batches handed out so far and not yet merged, in order; True: read from the sink."""
        submitted: dict[int, tuple[int, range]] = {}
        """Batches with the executor, by task number."""
        numbers = itertools.count()
        ready: dict[int, BatchResult] = {}

        def tasks() -> Iterator[BatchSpec]:
            for k, reps in self.batches(stop):
                stored = sink is not None and sink.has(reps)
                order.append((k, reps, stored))
                if not stored:
                    submitted[next(numbers)] = (k, reps)
                    period = self.design.period if self.design else 0
                    yield BatchSpec(self.batch_scenarios(k), self.seed, reps, period)

        def drain() -> None:
            while order:
                k, reps, stored = order[0]
                if stored:
                    assert sink is not None
                    result = sink.load(reps)
                elif k in ready:
                    result = ready.pop(k)
                else:
                    return
                order.popleft()
                self._merge(reps, result)
                if progress is not None:
                    progress(self.done)

        for i, result in (executor or SerialExecutor()).run(run_batch, tasks()):
            k, reps = submitted.pop(i)
            if sink is not None:
                sink.save(k, reps, result)
            ready[k] = result
            drain()
        drain()

    def batch_scenarios(self, k: int) -> tuple[Scenario, ...]:
        """The scenarios batch ``k`` runs (draw ``k``'s, with a design)."""
        if self.design is None:
            return tuple(self.scenarios)
        return self.design.scenarios(self.scenarios, k * self.size // self.design.reps_per_draw)

    def _merge(self, reps: Sequence[int], result: BatchResult) -> None:
        base = result[0]
        scenarios = self.batch_scenarios(reps[0] // self.size)
        for i, (weekly, summary) in enumerate(result):
            stats = self.stats[i]
            if i:
                values = np.concatenate(
                    [
                        matrix(weekly, stats.columns[: -len(COMPARISON_SERIES)]),
                        comparison_series(base[0], weekly),
                    ],
                    axis=1,
                )
                alt = scenarios[i]
                self.per_rep.append(
                    replication_metrics(
                        alt.name or "",
                        base,
                        (weekly, summary),
                        alt.weeks,
                        alt.money.annual_discount_rate,
                    )
                )
            else:
                values = matrix(weekly, stats.columns)
            stats.update(values)
            self.summaries[i].append(summary)
            if self.keep_weekly:
                self.weekly[i].append(weekly)
        self.done = reps[-1] + 1

    def headline_halfwidths(self) -> list[tuple[float, float]]:
        """(mean, 95% half-width) of the headline figure: revenue of a run, or the revenue
        uplift of every compared scenario."""
        if len(self.scenarios) == 1:
            rev = pd.concat(self.summaries[0])["revenue"].to_numpy()
            return [(float(rev.mean()), t_halfwidth(rev))]
        per = pd.concat(self.per_rep)
        out = []
        for name in self.names[1:]:
            x = per.loc[per.scenario == name, "revenue_uplift"].to_numpy()
            out.append((float(x.mean()), t_halfwidth(x)))
        return out

    def run_to_precision(
        self,
        precision: float,
        start: int,
        most: int,
        executor: Executor | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> PrecisionOutcome:
        """Add replications until every headline's 95% half-width is within ``precision`` x
        its |mean|, or ``most`` replications are done; say which. Rounds are whole batches, and
        their sizes depend only on the results, so a resumed run takes the same steps."""
        # Every round ends on a batch boundary, so batches are the same in every round.
        stop = min(most, math.ceil(max(start, 2) / self.size) * self.size)
        while True:
            self.run(stop, executor, progress)
            if stop >= most:
                return self.precision_outcome(precision)
            need = stop
            for mean, half in self.headline_halfwidths():
                target = precision * abs(mean)
                if not half <= target:
                    grow = (half / target) ** 2 if target > 0 else 4.0
                    need = max(need, math.ceil(stop * min(grow, 4.0)))
            if need <= stop:
                return self.precision_outcome(precision)
            stop = min(most, math.ceil(need / self.size) * self.size)

    def precision_outcome(self, precision: float) -> PrecisionOutcome:
        """Whether the headlines are within ``precision`` x |mean| now, and how wide they are."""
        shares, reached = [], True
        for mean, half in self.headline_halfwidths():
            reached = reached and half <= precision * abs(mean)
            shares.append(half / abs(mean) if mean != 0 else math.inf)
        return PrecisionOutcome(precision, max(shares), self.done, reached)

    def result(self, i: int) -> RunResult:
        """The run of scenario ``i`` (0 is the baseline)."""
        weekly = pd.concat(self.weekly[i], ignore_index=True) if self.keep_weekly else None
        return RunResult(
            self.scenarios[i],
            self.seed,
            self.done,
            weekly,
            pd.concat(self.summaries[i], ignore_index=True),
            self.stats[i],
        )


def run_scenario(
    scenario: Scenario,
    replications: int = 20,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Run ``replications`` replications of ``scenario`` and return its tables.

    ``progress`` is called with the number of replications finished so far; ``executor``
    defaults to this process (see sim.experiment.executors for local processes and Dask).
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    engine = Engine([scenario], seed)
    engine.run(replications, executor, progress)
    return engine.result(0)
