"""The people and the deals: reps with skills that fade and grow, managers who sell, deals that
move through the stages.

A :class:`Deal` is not a SimPy process: it is a small record waiting in its seller's
:class:`Pipeline` for the end of a stage whose outcome the seller's skill may decide. Whether it
advances is decided at the end of each stage from its seller's skill *at that moment* (evaluated
lazily, see :mod:`sim.model.skill`) and from uniforms it drew when it was created; a stage end no
skill could decide otherwise is settled when the deal reaches the stage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any, Protocol

from sim.model import skill as dyn
from sim.model.recorder import Tier
from sim.model.run import Run

DAYS = 5.0
"""Working days per week (see :mod:`sim`)."""

SURE_MARGIN = 1e-9
"""Logits kept between a sure outcome and the knife edge, far above rounding error."""


class SessionCoach(Protocol):
    """Whoever held a session whose effect waits in a seller's pipeline (see
    :meth:`Pipeline.later`)."""

    def effect(self, pos: int, t: float, held_share: float) -> None:
        """The session with its rep ``pos`` ended at ``t``, ``held_share`` of it held."""
        ...


class Pipeline:
    """A seller's open deals, and the stage ends they wait for, advanced lazily.

    While a deal moves through the stages nothing outside its seller depends on it: a stage end
    reads only the seller's skill and the deal's own draws, and only adds to weekly tallies. So
    a seller's stage ends need not wait on SimPy's global heap: they wait in the seller's own
    small heap with the effects of the coaching sessions the seller has had (which change only
    the seller), and are processed, in time order and each at its own time, when each week
    closes. The results are those of processing everything on the global clock (a test runs a
    replication both ways); the cost per stage end does not grow with the team.

    Every seller has a skill state per stage (a manager's stays at zero, since managers' skills
    are not modelled), so one loop serves reps and managers alike.
    """

    __slots__ = (
        "_sessions",
        "ability",
        "consolidated",
        "dip_depth",
        "dip_recovery_days",
        "fresh",
        "open_deals",
        "pending",
        "refreshed_days",
        "run",
        "stability_days",
        "sure",
        "t_train_days",
    )

    def __init__(self, run: Run, ability: float, n_stages: int, learns: bool) -> None:
        self.run = run
        self.ability = ability
        """Latent ability, logit units."""
        self.consolidated = [0.0] * n_stages
        """Consolidated skill per stage."""
        self.fresh = [0.0] * n_stages
        """Fresh skill per stage, as of ``refreshed_days``."""
        self.refreshed_days = [0.0] * n_stages
        """Last time each stage's fresh skill was refreshed, days."""
        self.stability_days = [run.scenario.skill.initial_stability_days] * n_stages
        """Stability (forgetting time constant) per stage, days."""
        self.t_train_days = 0.0
        self.dip_depth = 0.0
        self.dip_recovery_days = 1.0
        self.open_deals: list[Deal] | None = [] if run.micro_coaching else None
        """Deals not yet won or lost, as of the last :meth:`advance_to`; kept only when some
        coach centres sessions on open deals (micro-coaching)."""
        self.pending: list[tuple[float, int, Any]] = []
        """Heap of (time, key, item): a deal's next stage end (key: the deal's id, from 0), or a
        session's effect (key: -1, -2, ... in the order they were planned; item: (coach, rep
        position, share held))."""
        self._sessions = 0
        self.sure: tuple[list[float], list[float]] | None = None
        """Per stage, the logits below which a deal surely advances and at or above which it
        surely falls, whatever the seller's skill (see :meth:`schedule`); ``None`` when the
        bounds do not hold (micro-coaching boosts single deals without limit)."""
        if not run.micro_coaching and run.settle:
            # Learned skill stays in [0, ceiling] (sim.model.skill: every gain saturates at the
            # ceiling, nothing lowers skill but time) and the dip in [0, deepest training dip].
            top = run.scenario.skill.ceiling if learns else 0.0
            dip = max((t.dip_depth for t in run.scenario.training), default=0.0) if learns else 0.0
            self.sure = (
                [b + ability - dip - SURE_MARGIN for b in run.base_logits],
                [b + ability + top + SURE_MARGIN for b in run.base_logits],
            )

    def schedule(self, deal: Deal, key: int, t: float) -> None:
        """Queue the end, at ``t``, of the deal's current stage.

        Stage ends whose outcome no skill of the seller's can change are settled here and now
        (tallied in the weeks they fall in), so only a stage end that skill may decide, and
        the close of a won deal (its discount depends on the closing skill), wait in the
        pipeline. The outcomes are exactly those of deciding each stage end at its time (a
        test runs replications both ways). Nothing after the horizon is kept.
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
                    w = int(t // DAYS)
                    rec.exits[w] += 1.0
                    run.settled_events += 1
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

    def later(self, t: float, coach: SessionCoach, pos: int, held_share: float) -> None:
        """Queue the effect of a session ending at ``t``: ``coach.effect(pos, t, held_share)``."""
        self._sessions -= 1
        heappush(self.pending, (t, self._sessions, (coach, pos, held_share)))

    def advance_to(self, until: float) -> None:
        """Process everything due before ``until``, in time order.

        A stage end is decided here, on the hot path of the simulation: the deal advances when
        the logit of its uniform is below ``logit(base) + ability + learned - dip + boost``,
        the same decision as ``u < sigmoid(...)`` (:func:`sim.model.skill.conversion_probability`)
        without an ``exp``; :func:`sim.model.skill.learned` and :func:`sim.model.skill.dip` are
        written out (a test checks the decision against them).
        """
        pending = self.pending
        if not pending or pending[0][0] >= until:
            return
        run = self.run
        rec = run.recorder
        exits, advances, qualified = rec.exits, rec.advances, rec.qualified
        base_logits, last = run.base_logits, run.last_stage
        open_deals = self.open_deals
        ability, c, f, tl, s = (
            self.ability,
            self.consolidated,
            self.fresh,
            self.refreshed_days,
            self.stability_days,
        )
        exp = math.exp
        # Training happens only between advances, so the dip is fixed for this one.
        depth, t_train, recovery = self.dip_depth, self.t_train_days, self.dip_recovery_days
        n = 0
        while pending and pending[0][0] < until:
            t, key, deal = heappop(pending)
            if key < 0:  # a session's effect (counted as an event where it was held)
                coach, pos, held_share = deal
                coach.effect(pos, t, held_share)
                continue
            n += 1
            k = deal.stage
            i = deal.base + k
            w = int(t // DAYS)
            exits[w] += 1.0
            x = ability + c[k]
            fk = f[k]
            if fk != 0.0:
                x += fk * exp((tl[k] - t) / s[k])
            if depth != 0.0 and t >= t_train:
                x -= depth * exp((t_train - t) / recovery)
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
                self.won(deal.value, t)
                continue
            deal.stage = k + 1
            deal.boost = 0.0
            self.schedule(deal, key, t + deal.durations[i + 1])
        run.lazy_events += n

    def learned(self, k: int, t: float) -> float:
        """Learned skill on stage ``k`` at ``t``."""
        f = self.fresh[k]
        if f == 0.0:
            return self.consolidated[k]
        return self.consolidated[k] + f * math.exp(
            -(t - self.refreshed_days[k]) / self.stability_days[k]
        )

    def add_learned(self, total: list[float], t: float) -> None:
        """Add the learned skill of each stage at ``t`` to ``total[stage]``.

        :meth:`learned` written out for every stage, as it runs for every rep and week; stages
        with the same last refresh and stability share the decay (see Rep.reinforce_by).
        """
        c, f, tl, s = self.consolidated, self.fresh, self.refreshed_days, self.stability_days
        decay_tl = decay_s = decay = math.nan
        for k in range(len(c)):
            fk = f[k]
            if fk == 0.0:
                total[k] += c[k]
                continue
            if tl[k] != decay_tl or s[k] != decay_s:
                decay_tl, decay_s = tl[k], s[k]
                decay = math.exp(-(t - decay_tl) / decay_s)
            total[k] += c[k] + fk * decay

    def won(self, list_value_usd: float, t: float) -> None:
        """A deal won at ``t``: its value less the discount the closing skill leaves."""
        dv = self.run.scenario.deal_value
        discount = dyn.discount_share(
            dv.base_discount,
            dv.discount_skill_sensitivity,
            self.learned(len(self.consolidated) - 1, t),
        )
        self.book(list_value_usd * (1.0 - discount), t)

    def book(self, value_usd: float, t: float) -> None:
        """Record a won deal."""
        raise NotImplementedError


SessionSteps = tuple[float, float, float, float]
"""What a session does to each stage it covers: see :func:`session_steps`."""


def session_steps(effect: float, params: tuple[float, float, float, float]) -> SessionSteps:
    """(share of fresh skill consolidated, share of the gap learned, stability factor, ceiling)
    of a session of ``effect`` > 0, from the skill's (consolidation, spacing gain, improvement,
    ceiling), as :func:`sim.model.skill.coach` computes them."""
    consolidation, spacing_gain, improvement, ceiling = params
    return consolidation * effect, improvement * effect, 1.0 + spacing_gain * effect, ceiling


class Rep(Pipeline):
    """A sales rep: fixed ability and readiness, a skill state per stage, open deals."""

    __slots__ = ("alike", "index", "manager", "percentile", "readiness", "rep_revenue_usd", "tier")

    def __init__(
        self,
        run: Run,
        index: int,
        manager: int,
        ability: float,
        readiness: float,
        tier: Tier,
        percentile: float,
        n_stages: int,
    ) -> None:
        super().__init__(run, ability, n_stages, learns=True)
        self.index = index
        """Position of the rep in the team (0-based), also its stream entity."""
        self.manager = manager
        """Index of the rep's manager."""
        self.readiness = readiness
        """Readiness to be coached, in [0, 1]."""
        self.tier = tier
        """A (top 20% by ability), B or C."""
        self.percentile = percentile
        """Ability rank in the team, 0 = weakest, 1 = strongest."""
        self.rep_revenue_usd = 0.0
        self.alike = True
        """Whether every stage has the same skill state (as when every session and training so
        far covered every stage), so a session on every stage is worked out once."""

    def state(self, k: int) -> dyn.SkillState:
        """The skill state of stage ``k``."""
        return (self.consolidated[k], self.fresh[k], self.refreshed_days[k], self.stability_days[k])

    def set_state(self, k: int, st: dyn.SkillState) -> None:
        """Replace the skill state of stage ``k`` (see :meth:`check_alike`)."""
        self.consolidated[k], self.fresh[k], self.refreshed_days[k], self.stability_days[k] = st
        self.alike = False

    def check_alike(self) -> None:
        """Find out again whether every stage has the same skill state."""
        self.alike = all(
            x.count(x[0]) == len(x)
            for x in (self.consolidated, self.fresh, self.refreshed_days, self.stability_days)
        )

    def reinforce(
        self,
        stages: Sequence[int],
        t: float,
        effect: float,
        params: tuple[float, float, float, float],
    ) -> None:
        """A coaching session of ``effect`` on each of ``stages`` at ``t``
        (:func:`sim.model.skill.coach` on each; a test checks they agree)."""
        if effect > 0.0:
            self.reinforce_by(stages, t, session_steps(effect, params))

    def reinforce_by(self, stages: Sequence[int], t: float, steps: SessionSteps) -> None:
        """A coaching session on each of ``stages`` at ``t``, its :func:`session_steps` given.

        :func:`sim.model.skill.coach` written out over the rep's skill lists, because it runs for
        every session and stage. Stages that share their last refresh and stability (every
        stage, while sessions and trainings have covered them all alike) share the decay of
        their fresh skill, computed once.
        """
        share, step, spacing, ceiling = steps
        c, f, tl, s = self.consolidated, self.fresh, self.refreshed_days, self.stability_days
        self.alike = False  # unless every stage is covered (reinforce_all)
        decay_tl = decay_s = decay = math.nan
        for k in stages:
            kept = f[k]
            if kept != 0.0 and t > tl[k]:
                if tl[k] != decay_tl or s[k] != decay_s:
                    decay_tl, decay_s = tl[k], s[k]
                    decay = math.exp((decay_tl - t) / decay_s)
                kept *= decay
            moved = kept if share >= 1.0 else share * kept
            consolidated = c[k] + moved
            kept -= moved
            gap = ceiling - consolidated - kept
            if gap > 0.0:
                kept += gap if step >= 1.0 else step * gap
            c[k], f[k], tl[k], s[k] = consolidated, kept, t, s[k] * spacing

    def reinforce_all(self, t: float, steps: SessionSteps) -> None:
        """:meth:`reinforce_by` on every stage; worked out once while the stages are alike."""
        c = self.consolidated
        n = len(c)
        if not self.alike:  # once parted, stages stay apart in practice: not checked again
            self.reinforce_by(range(n), t, steps)
            return
        self.reinforce_by((0,), t, steps)
        f, tl, s = self.fresh, self.refreshed_days, self.stability_days
        # In place: an advance in progress holds these lists.
        c[1:] = [c[0]] * (n - 1)
        f[1:] = [f[0]] * (n - 1)
        tl[1:] = [tl[0]] * (n - 1)
        s[1:] = [s[0]] * (n - 1)
        self.alike = True

    def book(self, value_usd: float, t: float) -> None:
        """Book a won deal to this rep and the team's weekly revenue."""
        self.rep_revenue_usd += value_usd
        self.run.recorder.book(value_usd, t, self.tier)


class ManagerSeller(Pipeline):
    """A manager's own selling (player/coach): fixed ability; managers' skills stay at zero."""

    __slots__ = ()

    def book(self, value_usd: float, t: float) -> None:
        """Book a won deal to the team's weekly revenue, as a manager's deal."""
        self.run.recorder.book(value_usd, t, "M")


class Deal:
    """One opportunity: it moves through the stages or is lost, and books its value if won.

    A deal is a record, made by :class:`sim.engine.leads.LeadTable` and queued in its seller's
    pipeline, whose :meth:`Pipeline.advance_to` decides each stage end.
    """

    __slots__ = ("base", "boost", "durations", "logit_u", "open_days", "stage", "value")

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
        """Index of the current stage."""
        self.boost = 0.0
        """Logit added to the current stage by micro-coaching."""
