"""A seller's pipeline: its deals' stage ends, waiting in the seller's own heap.

**What it stands in for.** The plain way is a SimPy process per deal, each stage end an event on
the global clock decided by ``sim.model.skill.conversion_probability`` from the seller's skill at
that moment. While a deal moves through the stages nothing outside its seller depends on it: a
stage end reads only the seller's skill and the deal's own draws, and only adds to weekly tallies.
So a seller's stage ends wait in the seller's own small heap with the effects of the coaching
sessions the seller has had (which change only the seller), and :meth:`Pipeline.advance_to`
processes them, in time order and each at its own time, when each week closes. The cost per stage
end does not grow with the team.

Four shortcuts live here, each pinned by a test:

- **Lazy stage ends** (:meth:`Pipeline.advance_to`): ``test_lazy_stage_ends_match_the_global_
  clock`` in tests/sim/test_pipeline.py processes every stage end on one global clock instead.
- **The decision without an exp**: a deal advances when the logit of its uniform is below
  ``logit(base) + ability + learned - dip + boost``, the same decision as ``u < sigmoid(...)``
  without an ``exp``, ``learned`` from :class:`~sim.model.skill_lists.SkillLists` and ``dip``
  from :meth:`Pipeline.dip`: tests/unit/test_hot_path.py.
- **Settling sure stage ends** (:meth:`Pipeline.schedule`): a stage end whose outcome no skill
  of the seller's can change (the uniform is beyond :func:`sure_bounds`) is tallied when the deal
  reaches the stage; ``test_settling_events_early_changes_nothing`` runs replications with
  ``settle=False`` too.
- **Settling under micro-coaching**: a micro-session boosts one open deal, by a logit >= 0 that
  nothing bounds, so a sure advance stays sure but a sure fall becomes one *unless boosted*: the
  deal is **doomed** (:attr:`Deal.doomed_at`), waits in the open deals instead of the heap, is
  queued if a session boosts it, and leaves the open deals (its exit tallied) once its time has
  passed. The deal's ``stage`` may then be ahead of the clock: a session at ``t`` finds the
  stage it is in with :meth:`Pipeline.stage_at` (and a boost to a stage that surely advances is
  lost, as the advance would reset it). The same test runs micro-coached scenarios both ways.

A :class:`Deal` is therefore not a process but a small record of the draws it was made with.
"""

from __future__ import annotations

import math
from heapq import heappop, heappush
from typing import Any, Protocol

from sim.clock import DAYS
from sim.model.skill_lists import SkillLists

SURE_MARGIN = 1e-9
"""Logits kept between a sure outcome and the knife edge, far above rounding error."""

SureBounds = tuple[list[float], list[float]]
"""Per stage, the logits below which a deal surely advances and at or above which it surely
falls, whatever the seller's skill."""


def sure_bounds(
    base_logits: list[float], ability: float, lowest: float, highest: float
) -> SureBounds:
    """The :data:`SureBounds` of a seller of ``ability`` whose skill (learned skill less the
    training dip) stays in ``[lowest, highest]``."""
    return (
        [b + ability + lowest - SURE_MARGIN for b in base_logits],
        [b + ability + highest + SURE_MARGIN for b in base_logits],
    )


class Tallies(Protocol):
    """The weekly columns a pipeline adds to."""

    exits: list[float]
    advances: list[float]
    qualified: list[float]


class PipelineRun(Protocol):
    """What a pipeline needs from its replication."""

    @property
    def recorder(self) -> Tallies:
        """The replication's weekly tallies."""
        ...

    base_logits: list[float]
    last_stage: int
    horizon_days: float
    lazy_events: int
    settled_events: int


class SessionCoach(Protocol):
    """Whoever held a session whose effect waits in a seller's pipeline (see
    :meth:`Pipeline.later`)."""

    def effect(self, pos: int, t: float, held_share: float) -> None:
        """The session with its rep ``pos`` ended at ``t``, ``held_share`` of it held."""
        ...


class Deal:
    """One opportunity: the draws it was made with, and where it is.

    ``booked`` (USD) is set when the deal is won, to what it booked; it is not set before, so
    making a deal costs nothing for it.

    Made by :class:`sim.model.leads.LeadTable` and queued in its seller's pipeline, whose
    :meth:`Pipeline.advance_to` decides each stage end.
    """

    booked: float

    __slots__ = (
        "base",
        "booked",
        "boost",
        "doomed_at",
        "durations",
        "key",
        "logit_u",
        "open_days",
        "stage",
        "value",
    )

    def __init__(
        self,
        open_days: float,
        durations: list[float],
        logit_u: list[float],
        base: int,
        value: float,
        stage: int = 0,
    ) -> None:
        self.open_days = open_days
        """When the lead arrived; a deal is visible to coaching from then on."""
        self.durations = durations
        """Days in each stage, drawn at creation: ``durations[base + stage]``."""
        self.logit_u = logit_u
        """Logit of each stage's uniform (``logit_u[base + stage]``): the deal advances when its
        score exceeds it."""
        self.base = base
        self.value = value
        """List value, USD."""
        self.stage = stage
        """Index of the current stage; one past the last once won (a lost deal keeps the
        stage it was lost in)."""
        self.boost = 0.0
        """Logit added to the current stage by micro-coaching."""
        self.doomed_at = math.inf
        """When the current stage ends, if it surely falls unless a session boosts the deal
        (see :meth:`Pipeline.doom`); infinity otherwise."""

    key: int
    """The deal's key in its seller's heap, set while it is doomed."""


class Pipeline(SkillLists):
    """A seller's open deals, and the stage ends and session effects they wait for.

    Every seller has a skill state per stage (a manager's stays at zero, since managers' skills
    are not modelled), so one loop serves reps and managers alike. What a won deal books is the
    seller's business (:meth:`won`).
    """

    __slots__ = (
        "_doomed",
        "_sessions",
        "ability",
        "dip_depth",
        "dip_recovery_days",
        "open_deals",
        "pending",
        "run",
        "sure",
        "t_train_days",
    )

    def __init__(
        self,
        run: PipelineRun,
        ability: float,
        n_stages: int,
        initial_stability_days: float,
        keep_open_deals: bool,
        sure: SureBounds | None,
    ) -> None:
        super().__init__(n_stages, initial_stability_days)
        self.run = run
        self.ability = ability
        """Latent ability, logit units."""
        self.t_train_days = 0.0
        self.dip_depth = 0.0
        self.dip_recovery_days = 1.0
        self.open_deals: list[Deal] | None = [] if keep_open_deals else None
        """Deals not yet won or lost, as of the last :meth:`advance_to` (and doomed ones whose
        time has passed since, see :meth:`open_at`); kept only when asked (micro-coaching
        centres sessions on open deals, and may boost any of them: sure falls are then only
        doomed)."""
        self._doomed: list[tuple[float, int, Deal]] = []
        """Heap of (time, key, deal) of the doomed deals among the open deals; an entry whose
        deal's ``doomed_at`` is no longer its time is stale (the deal was boosted) and is
        dropped when its time comes."""
        self.pending: list[tuple[float, int, Any]] = []
        """Heap of (time, key, item): a deal's next stage end (key: the deal's id, from 0), or a
        session's effect (key: -1, -2, ... in the order they were planned; item: (coach, rep
        position, share held))."""
        self._sessions = 0
        self.sure = sure
        """The seller's :data:`SureBounds`, or ``None``: settle nothing (the bounds do not hold,
        or settling is off)."""

    def schedule(self, deal: Deal, key: int, t: float) -> None:
        """Queue the end, at ``t``, of the deal's current stage.

        Stage ends whose outcome no skill of the seller's can change are settled here and now
        (tallied in the weeks they fall in), so only a stage end that skill may decide, and
        the close of a won deal (what it books depends on the closing skill), wait in the
        pipeline; a sure fall of a seller whose deals may be boosted is doomed instead
        (:meth:`doom`). Nothing after the horizon is kept.
        """
        run = self.run
        horizon = run.horizon_days
        sure = self.sure
        if sure is not None and t < horizon:
            advance_below, fall_from = sure
            k = deal.stage
            j = deal.base + k
            logit_u = deal.logit_u
            last = run.last_stage
            rec = run.recorder
            while t < horizon:
                u = logit_u[j]
                if u >= fall_from[k]:
                    if self.open_deals is not None:
                        deal.stage = k
                        self.doom(deal, key, t)
                        return
                    w = int(t // DAYS)
                    rec.exits[w] += 1.0
                    run.settled_events += 1
                    deal.stage = k
                    return
                if k == last or u >= advance_below[k]:
                    break
                w = int(t // DAYS)
                rec.exits[w] += 1.0
                rec.advances[w] += 1.0
                if k == 0:
                    rec.qualified[w] += 1.0
                run.settled_events += 1
                k += 1
                j += 1
                t += deal.durations[j]
            deal.stage = k
        if t < horizon:
            heappush(self.pending, (t, key, deal))

    def doom(self, deal: Deal, key: int, t: float) -> None:
        """The deal's stage, ending at ``t``, surely falls unless a session boosts the deal:
        it waits among the open deals, not in the heap (:meth:`boost` queues it)."""
        deal.doomed_at = t
        deal.key = key
        heappush(self._doomed, (t, key, deal))

    def open_at(self, t: float, scope: frozenset[int] | None) -> list[Deal]:
        """The open deals a session at ``t`` sees (in a stage of ``scope``; None: any), in the
        order they opened: opened by ``t``, and not lost at a doomed stage end before ``t``."""
        assert self.open_deals is not None
        if self.sure is None:  # nothing settled: the plain way
            if scope is None:
                return [d for d in self.open_deals if d.open_days <= t]
            return [d for d in self.open_deals if d.stage in scope and d.open_days <= t]
        deals = [d for d in self.open_deals if d.open_days <= t and d.doomed_at >= t]
        if scope is not None:
            deals = [d for d in deals if self.stage_at(d, t) in scope]
        return deals

    @staticmethod
    def stage_at(deal: Deal, t: float) -> int:
        """The stage an open deal is in for a session at ``t``: its ``stage``, unless sure
        advances settled ahead of the clock moved it on from an earlier one (a session at the
        very time of a stage end comes before it)."""
        k = deal.stage
        if k == 0:
            return 0
        end, durations, base = deal.open_days, deal.durations, deal.base
        for j in range(k):  # stage ends added up as the pipeline and the lead table do
            end += durations[base + j]
            if t <= end:
                return j
        return k

    def stage_of(self, deal: Deal, t: float) -> int:
        """The stage an open deal is in for a session at ``t`` (see :meth:`stage_at`)."""
        return deal.stage if self.sure is None else self.stage_at(deal, t)

    def boost(self, deal: Deal, t: float, logit: float) -> int:
        """A session at ``t`` boosts an open deal by ``logit``; return the stage it is in.

        A boost to a stage that surely advances is lost (the advance resets it); a doomed
        deal may now advance, so its stage end is queued."""
        k = self.stage_of(deal, t)
        if k == deal.stage:
            deal.boost += logit
            if deal.doomed_at != math.inf:
                heappush(self.pending, (deal.doomed_at, deal.key, deal))
                deal.doomed_at = math.inf  # its entry among the doomed is now stale
        return k

    def _drop_doomed(self, until: float) -> None:
        """Take the doomed deals whose time is before ``until`` out of the open deals, their
        stage exits tallied (the caller checks that the first one is due)."""
        open_deals = self.open_deals
        assert open_deals is not None
        run = self.run
        exits = run.recorder.exits
        doomed = self._doomed
        while doomed and doomed[0][0] < until:
            at, _, d = heappop(doomed)
            if d.doomed_at == at:  # not boosted since
                exits[int(at // DAYS)] += 1.0
                run.settled_events += 1
                open_deals.remove(d)

    def later(self, t: float, coach: SessionCoach, pos: int, held_share: float) -> None:
        """Queue the effect of a session ending at ``t``: ``coach.effect(pos, t, held_share)``."""
        self._sessions -= 1
        heappush(self.pending, (t, self._sessions, (coach, pos, held_share)))

    def advance_to(self, until: float) -> None:
        """Process everything due before ``until``, in time order: session effects, and stage
        ends decided by the written-out rule (see the module's docstring); then the doomed
        deals whose time has passed leave the open deals."""
        pending = self.pending
        if not pending or pending[0][0] >= until:
            doomed = self._doomed
            if doomed and doomed[0][0] < until:
                self._drop_doomed(until)
            return
        run = self.run
        rec = run.recorder
        exits, advances, qualified = rec.exits, rec.advances, rec.qualified
        base_logits, last = run.base_logits, run.last_stage
        open_deals = self.open_deals
        ability = self.ability
        n = 0
        while pending and pending[0][0] < until:
            t, key, item = heappop(pending)
            if key < 0:  # a session's effect (counted as an event where it was held)
                coach, pos, held_share = item
                coach.effect(pos, t, held_share)
                continue
            # Typed, so the compiled build (sim.compiled) reads the deal's fields directly.
            deal: Deal = item
            n += 1
            k = deal.stage
            i = deal.base + k
            w = int(t // DAYS)
            exits[w] += 1.0
            x = self.learned(k, t, ability) - self.dip(t)
            if not deal.logit_u[i] < base_logits[k] + x + deal.boost:
                if open_deals is not None:
                    open_deals.remove(deal)
                continue
            advances[w] += 1.0
            if k == 0:
                qualified[w] += 1.0
            if k == last:
                if open_deals is not None:
                    open_deals.remove(deal)
                deal.stage = k + 1
                deal.booked = self.won(deal.value, t)
                continue
            deal.stage = k + 1
            deal.boost = 0.0
            self.schedule(deal, key, t + deal.durations[i + 1])
        run.lazy_events += n
        doomed = self._doomed
        if doomed and doomed[0][0] < until:
            self._drop_doomed(until)

    def dip(self, t: float) -> float:
        """The post-training dip at ``t`` (``sim.model.skill.dip``)."""
        depth = self.dip_depth
        if depth == 0.0 or t < self.t_train_days:
            return 0.0
        return depth * math.exp((self.t_train_days - t) / self.dip_recovery_days)

    def won(self, list_value_usd: float, t: float) -> float:
        """A deal of list value ``list_value_usd`` won at ``t``: book it, return what it
        booked."""
        raise NotImplementedError
