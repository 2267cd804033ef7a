"""Candidate leads, and the first steps of their deals, for a group of sellers at once.

Every seller draws its candidates from its own streams (see :mod:`sim.random.streams`), so a
candidate is the same whatever else the scenario changes. But the work on them is done for the whole
group (the reps, or the managers) in a few numpy calls per quarter, in one table ordered by week and
then seller:

* the draws are converted (lognormal durations and values, logits of the stage uniforms) in
  one call per column instead of one per seller;
* a quarter's candidates are turned into Python floats at once, for the event loop;
* the stage ends no skill can decide (see :meth:`sim.model.pipeline.Pipeline.schedule`) are walked
  for every candidate at once: where each candidate's deal would first need its seller's skill (or
  surely falls, or runs past the horizon), and the weeks of the stage ends before that.

Each week, :meth:`LeadTable.open_week` keeps each candidate with the probability of the share of its
seller's selling time left (thinning) and makes a :class:`~sim.model.pipeline.Deal` only for a kept
candidate whose walk ends waiting for the seller's skill. The tallies of the stage ends settled on
the way, and the count of kept leads, are added for the quarter in one go when it is done
(:meth:`LeadTable.flush`): they are weekly counts, read only after the run.

**What it stands in for**: a :class:`~sim.model.pipeline.Deal` made for every kept lead and
walked one stage end at a time. **Pinned by** tests/sim/test_pipeline.py (replications with
``settle=False``, where every kept candidate becomes a deal) and tests/unit/test_leads.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappush
from typing import Protocol

import numpy as np

from sim.clock import DAYS
from sim.model.candidates import Base, Chunk, LeadDraws, LeadShelf, Walk, week_major
from sim.model.pipeline import Deal, Pipeline
from sim.random.draws import deal_uniforms, deals_from_uniforms, poisson_arrivals
from sim.random.streams import Purpose, stream
from sim.scenario import Scenario


class LeadTallies(Protocol):
    """The weekly columns a lead table adds to."""

    exits: list[float]
    advances: list[float]
    qualified: list[float]
    cols: dict[str, list[float]]


class LeadRun(Protocol):
    """What a lead table needs from its replication."""

    @property
    def recorder(self) -> LeadTallies:
        """The replication's weekly tallies."""
        ...

    @property
    def scenario(self) -> Scenario:
        """The scenario being run."""
        ...

    seed: int
    replication: int
    sim_weeks: int
    horizon_days: float
    settled_events: int


class LeadTable:
    """The candidate leads of a group of sellers over the whole horizon, week by week."""

    __deletable__ = ("_walk", "_thin_u")
    """Attributes :meth:`flush` deletes (the compiled build, sim.compiled, must be told)."""

    CHUNK_WEEKS = 13
    """Weeks of candidates prepared (walked, converted to Python floats) at a time."""

    def __init__(
        self,
        run: LeadRun,
        sellers: Sequence[Pipeline],
        entities: Sequence[int],
        rates_per_day: Sequence[float],
        leads: Purpose,
        deals: Purpose,
        open_at_week_end: bool = False,
        count_leads: bool = False,
        shelf: LeadShelf | None = None,
    ) -> None:
        """``sellers[i]`` draws from streams ``(leads, entities[i])`` and ``(deals, ...)`` at
        ``rates_per_day[i]``. A lead opens when it arrives, or with ``open_at_week_end`` (a
        manager's, taken up when the week's calendar closes) at the end of its week.
        ``count_leads`` adds the kept candidates to the weekly ``leads`` column. ``shelf``:
        take the draws from a twin's table there, or leave this table's there for its twins."""
        s = run.scenario
        self.run = run
        self.sellers = list(sellers)
        self.count_leads = count_leads
        weeks = run.sim_weeks
        n_stages = len(s.stages)
        self.n_stages = n_stages
        self.open_at_week_end = open_at_week_end
        sure = [seller.sure for seller in self.sellers]
        self.settles = bool(sure) and all(b is not None for b in sure)
        """Whether sure stage ends are settled on the way (see Pipeline.sure)."""
        if self.settles:
            self._advance_below = np.array([b[0] for b in sure if b is not None])
            self._falls_from = np.array([b[1] for b in sure if b is not None])
        self.boosted = any(seller.open_deals is not None for seller in self.sellers)
        """Whether sessions may boost the sellers' open deals (micro-coaching): every kept
        candidate is then a deal among them, and a sure fall is only doomed (Pipeline.doom)."""
        self._chunk = -1
        self._prepare_empty()
        self.log: list[tuple[int, Deal]] | None = None
        """Set to a list to keep (seller position, deal) of every deal made (a CRM export of
        the run, :mod:`sim.calibration.simulated`); with settling off, every kept lead."""
        self._draws: LeadDraws | None = None
        self._sellers_key: tuple[object, ...] = ()
        if shelf is not None:
            key = (
                run.seed,
                run.replication,
                int(leads),
                int(deals),
                tuple(entities),
                tuple(rates_per_day),
                weeks,
                run.horizon_days,
                open_at_week_end,
                tuple((st.duration_mean_days, st.duration_cv) for st in s.stages),
                (s.deal_value.list_mean_usd, s.deal_value.cv),
            )
            self._sellers_key = (
                tuple(None if b is None else (tuple(b[0]), tuple(b[1])) for b in sure),
                self.boosted,
            )
            self._draws = shelf.get(key)
            if self._draws is None:
                self._draws = shelf[key] = self._draw(run, entities, rates_per_day, leads, deals)
            self._take(self._draws)
        else:
            self._take(self._draw(run, entities, rates_per_day, leads, deals))

    def _take(self, draws: LeadDraws) -> None:
        times, thin_u, uniforms, ident, order, week, owner = draws.arrays
        self.times = times
        """Arrival time of each candidate, days."""
        self.thin_u = thin_u
        """Each candidate's uniform: kept if below the share of selling time left."""
        self.uniforms = uniforms
        """Each candidate's deal uniforms (sim.random.draws.deal_uniforms)."""
        self.ident = ident
        """Index of each candidate among its seller's, in arrival order: it orders the seller's
        stage ends due at the same time."""
        self.order = order
        """Candidates (rows of the draws) by week, then seller, then arrival."""
        self.week = week
        """Week of each candidate, in that order."""
        self.owner = owner
        """Position in ``sellers`` of each candidate's seller, in that order."""
        self.week_start: list[int] = draws.week_start

    def _draw(
        self,
        run: LeadRun,
        entities: Sequence[int],
        rates_per_day: Sequence[float],
        leads: Purpose,
        deals: Purpose,
    ) -> LeadDraws:
        """The candidates of ``sellers`` as drawn, in week-major order (see :meth:`_take`)."""
        weeks, n_stages = run.sim_weeks, self.n_stages
        # Each list starts with an empty piece, so a group without candidates needs no case.
        times: list[np.ndarray] = [np.empty(0)]
        thin: list[np.ndarray] = [np.empty(0)]
        uniforms: list[np.ndarray] = [np.empty((0, 2 * n_stages + 1))]
        owner: list[np.ndarray] = [np.empty(0, dtype=np.intp)]
        ident: list[np.ndarray] = [np.empty(0, dtype=np.intp)]
        for pos, (entity, rate) in enumerate(zip(entities, rates_per_day, strict=True)):
            t, extra = poisson_arrivals(
                stream(run.seed, run.replication, leads, entity), rate, weeks * DAYS
            )
            times.append(t)
            thin.append(extra[:, 0])
            uniforms.append(
                deal_uniforms(stream(run.seed, run.replication, deals, entity), len(t), n_stages)
            )
            owner.append(np.full(len(t), pos, dtype=np.intp))
            ident.append(np.arange(len(t), dtype=np.intp))
        # The draws stay as drawn, seller by seller; a chunk gathers and converts its rows.
        times_drawn = np.concatenate(times)
        owner_drawn = np.concatenate(owner)
        # Week w holds the arrivals in [5w, 5(w + 1)).
        week_drawn = np.searchsorted(DAYS * np.arange(weeks + 1), times_drawn, side="right") - 1
        order = week_major(week_drawn, owner_drawn, len(self.sellers))
        week_sorted = week_drawn[order]
        return LeadDraws(
            (
                times_drawn,
                np.concatenate(thin),
                np.concatenate(uniforms),
                np.concatenate(ident),
                order,
                week_sorted,
                owner_drawn[order],
            ),
            np.searchsorted(week_sorted, np.arange(weeks + 1), side="left").tolist(),
        )

    def candidates(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        """(arrival times, thinning uniforms) of seller ``pos``'s candidates, in arrival order."""
        mine = self.order[self.owner == pos]
        return self.times[mine], self.thin_u[mine]

    def _prepare_empty(self) -> None:
        self._lo = self._hi = self._w0 = 0
        self._shares: list[float] = []
        self._thin: list[float] = []
        self._durations: list[float] = []
        self._logit: list[float] = []
        self._values: list[float] = []
        self._opened: list[float] = []
        self._ident: list[int] = []
        self._q_start: list[int] = [0]
        self._q_owner: list[int] = []
        self._q_stage: list[int] = []
        self._q_time: list[float] = []
        self._q_doomed: list[bool] | None = None

    def _load(self, chunk: int) -> None:
        """Prepare the candidates of weeks ``[13 chunk, 13 (chunk + 1))`` (or take them from a
        twin's table)."""
        w0 = chunk * self.CHUNK_WEEKS
        w1 = min(w0 + self.CHUNK_WEEKS, self.run.sim_weeks)
        lo, hi = self.week_start[w0], self.week_start[w1]
        self._chunk, self._lo, self._hi, self._w0 = chunk, lo, hi, w0
        self._shares = [0.0] * ((w1 - w0) * len(self.sellers))
        """Share of selling time left per (week, seller) of the chunk, as opened."""
        draws = self._draws
        if draws is None:
            prepared = self._prepare(self._convert(lo, hi), lo, hi, w0, w1)
        else:
            key = (chunk, self._sellers_key)
            found = draws.chunks.get(key)
            if found is None:
                base = draws.bases.get(chunk)
                if base is None:
                    base = draws.bases[chunk] = self._convert(lo, hi)
                found = draws.chunks[key] = self._prepare(base, lo, hi, w0, w1)
            prepared = found
        (
            self._thin_u,
            walk,
            self._group,
            self._q_start,
            self._q_owner,
            self._thin,
            self._durations,
            self._logit,
            self._values,
            self._opened,
            self._ident,
            self._q_stage,
            self._q_time,
            self._q_doomed,
        ) = prepared
        if walk is not None:
            self._walk = walk

    def _convert(self, lo: int, hi: int) -> Base:
        """The :data:`Base` of candidates ``lo`` to ``hi``."""
        rows_drawn = self.order[lo:hi]
        s = self.run.scenario
        d = deals_from_uniforms(
            self.uniforms[rows_drawn],
            [st.duration_mean_days for st in s.stages],
            [st.duration_cv for st in s.stages],
            s.deal_value.list_mean_usd,
            s.deal_value.cv,
        )
        durations = d.durations_days
        logit_u = np.log(d.stage_u) - np.log1p(-d.stage_u)  # -inf for u = 0
        week = self.week[lo:hi]
        opened = (week + 1) * DAYS if self.open_at_week_end else self.times[rows_drawn]
        # Stage end times, added up stage by stage as the pipeline would.
        ends = np.cumsum(np.column_stack((opened, durations)), axis=1)[:, 1:]
        return rows_drawn, durations, logit_u, d.value_usd, opened, ends

    def _prepare(self, base: Base, lo: int, hi: int, w0: int, w1: int) -> Chunk:
        """The candidates ``lo`` to ``hi`` (weeks ``w0`` to ``w1``) made ready for the event
        loop of these sellers (see :data:`Chunk`)."""
        run = self.run
        n, n_sellers = self.n_stages, len(self.sellers)
        rows_drawn, durations, logit_u, values, opened, ends = base
        week, owner = self.week[lo:hi], self.owner[lo:hi]
        thin_u = self.thin_u[rows_drawn]
        rows = np.arange(hi - lo)
        walk: Walk | None = None
        if self.settles:
            # Walk the stage ends no skill can decide: stop at the first one that is not a sure
            # advance (the last stage's is never: the close needs the closing skill) or that
            # falls after the horizon.
            advances = logit_u < self._advance_below[owner]
            advances[:, -1] = False
            before = ends < run.horizon_days
            stop = np.argmax(~(advances & before), axis=1)
            at_stop = before[rows, stop]
            falls = at_stop & (logit_u[rows, stop] >= self._falls_from[owner, stop])
            queue = np.ones(hi - lo, dtype=bool) if self.boosted else at_stop & ~falls
            walk = (
                np.arange(n) < stop[:, None],  # settled advances
                np.floor_divide(ends, DAYS).astype(np.intp),  # their weeks
                falls,  # settled falls, at the stop
                stop,
            )
        else:
            # Every kept candidate becomes a deal, queued at its first stage end.
            stop = np.zeros(hi - lo, dtype=np.intp)
            queue = np.ones(hi - lo, dtype=bool)
        # Python floats only for the candidates that may become deals, in the same order.
        q = np.flatnonzero(queue)
        # Deals keep a reference to the lists they were drawn from; a new chunk gets new lists.
        return (
            thin_u,
            walk,
            (week - w0) * n_sellers + owner,
            np.searchsorted(week[q], np.arange(w0, w1 + 1), side="left").tolist(),
            owner[q].tolist(),
            thin_u[q].tolist(),
            durations[q].ravel().tolist(),
            logit_u[q].ravel().tolist(),
            values[q].tolist(),
            opened[q].tolist(),
            self.ident[rows_drawn[q]].tolist(),
            stop[q].tolist(),
            ends[q, stop[q]].tolist(),
            falls[q].tolist() if walk is not None and self.boosted else None,
        )

    def open_week(self, week: int, shares: Sequence[float]) -> None:
        """Open the week-``week`` candidates, each kept with its seller's share in ``shares``."""
        if week // self.CHUNK_WEEKS != self._chunk:
            self.flush()
            self._load(week // self.CHUNK_WEEKS)
        n_sellers = len(self.sellers)
        g = (week - self._w0) * n_sellers
        self._shares[g : g + n_sellers] = shares
        sellers, owner, thin = self.sellers, self._q_owner, self._thin
        horizon, n, log, doomed = self.run.horizon_days, self.n_stages, self.log, self._q_doomed
        w = week - self._w0
        for i in range(self._q_start[w], self._q_start[w + 1]):
            pos = owner[i]
            if thin[i] < shares[pos]:
                deal = Deal(
                    self._opened[i],
                    self._durations,
                    self._logit,
                    i * n,
                    self._values[i],
                    self._q_stage[i],
                )
                seller = sellers[pos]
                if log is not None:
                    log.append((pos, deal))
                if seller.open_deals is not None:
                    seller.open_deals.append(deal)
                t = self._q_time[i]
                if doomed is not None and doomed[i]:
                    seller.doom(deal, self._ident[i], t)
                elif t < horizon:
                    heappush(seller.pending, (t, self._ident[i], deal))

    def flush(self) -> None:
        """Tally the prepared chunk's kept leads and settled stage ends (once it is opened)."""
        if self._chunk < 0:
            return
        run = self.run
        rec = run.recorder
        lo, hi = self._lo, self._hi
        kept = self._thin_u < np.array(self._shares)[self._group]
        if self.count_leads:
            _add(rec.cols["leads"], self.week[lo:hi][kept])
        if self.settles:
            advanced, weeks, falls, stop = self._walk
            advanced, weeks_kept = advanced[kept], weeks[kept]
            at = weeks_kept[advanced]
            _add(rec.exits, at)
            _add(rec.advances, at)
            _add(rec.qualified, weeks_kept[:, 0][advanced[:, 0]])
            fell = kept & falls
            if self.boosted:  # doomed: tallied when they leave the open deals
                fell[:] = False
            _add(rec.exits, weeks[fell, stop[fell]])
            run.settled_events += len(at) + int(np.count_nonzero(fell))
            del self._walk
        del self._thin_u
        self._chunk = -1
        self._prepare_empty()


def _add(column: list[float], weeks: np.ndarray) -> None:
    """Add one to ``column`` for each entry of ``weeks``."""
    if len(weeks) == 0:
        return
    counts = np.bincount(weeks)
    for w in np.flatnonzero(counts).tolist():
        column[w] += float(counts[w])
