"""The people and the deals: reps with skills that fade and grow, managers who sell, deals that
move through the stages.

A :class:`Deal` is not a SimPy process: it is a small object waiting in its seller's
:class:`Pipeline` for the end of its stage, one entry per stage it reaches. Whether it advances
is decided at the end of each stage from its seller's skill *at that moment* (evaluated lazily,
see :mod:`sim.dynamics`) and from uniforms it drew when it was created.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Protocol

from sim import dynamics as dyn

if TYPE_CHECKING:
    from sim.model import Replication


class Pending(Protocol):
    """Something due in a seller's pipeline: a deal's stage end, or a session's effect."""

    def handle(self, t: float) -> None:
        """Its moment, ``t``, has come."""
        ...


class Pipeline:
    """A seller's open deals, and the stage ends they wait for, advanced lazily.

    While a deal moves through the stages nothing outside its seller depends on it: a stage end
    reads only the seller's skill and the deal's own draws, and only adds to weekly tallies. So
    a seller's stage ends need not wait on SimPy's global heap: they wait in the seller's own
    small heap and are processed, in time order and each at its own time, whenever something is
    about to read or change the seller (a coaching session, a training) and when each week
    closes. The effect of a coaching session nothing can disturb waits there too (it changes
    only the rep). The results are those of processing everything on the global clock (a test
    runs a replication both ways); the cost per stage end no longer grows with the team.
    """

    __slots__ = ("_sessions", "open_deals", "pending", "run")

    def __init__(self, run: Replication) -> None:
        self.run = run
        self.open_deals: list[Deal] | None = [] if run.micro_coaching else None
        """Deals not yet won or lost, as of the last :meth:`advance_to`; kept only when some
        coach centres sessions on open deals (micro-coaching)."""
        self.pending: list[tuple[float, int, Pending]] = []
        """Heap of (time, key, item): a deal's next stage end (key: the deal's id, from 0) or a
        session's effect (key: -1, -2, ... in the order they were planned)."""
        self._sessions = 0

    def later(self, t: float, item: Pending) -> None:
        """Queue a session's effect, ``item.handle(t)``, for time ``t``."""
        self._sessions -= 1
        heappush(self.pending, (t, self._sessions, item))

    def advance_to(self, until: float) -> None:
        """Process everything due before ``until``, in time order."""
        pending = self.pending
        n = 0
        while pending and pending[0][0] < until:
            t, _, item = heappop(pending)
            item.handle(t)
            n += 1
        if n:
            self.run.lazy_events += n

    def stage_logit(self, stage: int, t: float) -> float:
        """Ability plus learned skill minus dip on ``stage`` at ``t``, logit units."""
        raise NotImplementedError

    def closing_skill(self, t: float) -> float:
        """Learned skill on the last stage at ``t`` (cuts discounting)."""
        raise NotImplementedError

    def book(self, value_usd: float, t: float) -> None:
        """Record a won deal."""
        raise NotImplementedError


class Rep(Pipeline):
    """A sales rep: fixed ability and readiness, a skill state per stage, open deals."""

    __slots__ = (
        "ability",
        "c",
        "dip_depth",
        "dip_recovery_days",
        "f",
        "index",
        "manager",
        "percentile",
        "readiness",
        "rep_revenue_usd",
        "s",
        "t_train_days",
        "tier",
        "tl",
    )

    def __init__(
        self,
        run: Replication,
        index: int,
        manager: int,
        ability: float,
        readiness: float,
        tier: str,
        percentile: float,
        n_stages: int,
    ) -> None:
        super().__init__(run)
        self.index = index
        """Position of the rep in the team (0-based), also its stream entity."""
        self.manager = manager
        """Index of the rep's manager."""
        self.ability = ability
        """Latent ability, logit units."""
        self.readiness = readiness
        """Readiness to be coached, in [0, 1]."""
        self.tier = tier
        """A (top 20% by ability), B or C."""
        self.percentile = percentile
        """Ability rank in the team, 0 = weakest, 1 = strongest."""
        self.c = [0.0] * n_stages
        """Consolidated skill per stage."""
        self.f = [0.0] * n_stages
        """Fresh skill per stage, as of ``tl``."""
        self.tl = [0.0] * n_stages
        """Last time each stage's fresh skill was refreshed, days."""
        self.s = [run.scenario.skill.initial_stability_days] * n_stages
        """Stability (forgetting time constant) per stage, days."""
        self.t_train_days = 0.0
        self.dip_depth = 0.0
        self.dip_recovery_days = 1.0
        self.rep_revenue_usd = 0.0

    def state(self, k: int) -> dyn.SkillState:
        """The skill state of stage ``k``."""
        return (self.c[k], self.f[k], self.tl[k], self.s[k])

    def set_state(self, k: int, st: dyn.SkillState) -> None:
        """Replace the skill state of stage ``k``."""
        self.c[k], self.f[k], self.tl[k], self.s[k] = st

    def reinforce(
        self,
        stages: Sequence[int],
        t: float,
        effect: float,
        params: tuple[float, float, float, float],
    ) -> None:
        """A coaching session of ``effect`` on each of ``stages`` at ``t``.

        :func:`sim.dynamics.coach` written out over the rep's skill lists, because it runs for
        every session and stage (a test checks they agree).
        """
        if effect <= 0.0:
            return
        consolidation, spacing_gain, improvement, ceiling = params
        share = consolidation * effect
        step = improvement * effect
        spacing = 1.0 + spacing_gain * effect
        c, f, tl, s = self.c, self.f, self.tl, self.s
        for k in stages:
            kept = f[k]
            if kept != 0.0 and t > tl[k]:
                kept *= math.exp((tl[k] - t) / s[k])
            moved = kept if share >= 1.0 else share * kept
            consolidated = c[k] + moved
            kept -= moved
            gap = ceiling - consolidated - kept
            if gap > 0.0:
                kept += gap if step >= 1.0 else step * gap
            c[k], f[k], tl[k], s[k] = consolidated, kept, t, s[k] * spacing

    def learned(self, k: int, t: float) -> float:
        """Learned skill on stage ``k`` at ``t``."""
        f = self.f[k]
        if f == 0.0:
            return self.c[k]
        return self.c[k] + f * math.exp(-(t - self.tl[k]) / self.s[k])

    def stage_logit(self, stage: int, t: float) -> float:
        """Ability plus learned skill minus the post-training dip.

        The hot path of the simulation: :func:`sim.dynamics.learned` and
        :func:`sim.dynamics.dip` inlined (tests check they agree).
        """
        x = self.ability + self.c[stage]
        f = self.f[stage]
        if f != 0.0:
            x += f * math.exp((self.tl[stage] - t) / self.s[stage])
        depth = self.dip_depth
        if depth != 0.0 and t >= self.t_train_days:
            x -= depth * math.exp((self.t_train_days - t) / self.dip_recovery_days)
        return x

    def closing_skill(self, t: float) -> float:
        """Learned skill on the last stage."""
        return self.learned(len(self.c) - 1, t)

    def book(self, value_usd: float, t: float) -> None:
        """Book a won deal to this rep and the team's weekly revenue."""
        self.rep_revenue_usd += value_usd
        self.run.recorder.book(value_usd, t, self.tier)


class ManagerSeller(Pipeline):
    """A manager's own selling (player/coach): fixed ability, no training or coaching."""

    __slots__ = ("ability",)

    def __init__(self, run: Replication, ability: float) -> None:
        super().__init__(run)
        self.ability = ability

    def stage_logit(self, stage: int, t: float) -> float:
        """The manager's ability; managers' skills are not modelled."""
        return self.ability

    def closing_skill(self, t: float) -> float:
        """No learned closing skill."""
        return 0.0

    def book(self, value_usd: float, t: float) -> None:
        """Book a won deal to the team's weekly revenue, as a manager's deal."""
        self.run.recorder.book(value_usd, t, "M")


class Deal:
    """One opportunity: it moves through the stages or is lost, and books its value if won."""

    __slots__ = (
        "base",
        "boost",
        "durations",
        "id",
        "logit_u",
        "open_days",
        "seller",
        "stage",
        "value",
    )

    def __init__(
        self,
        seller: Pipeline,
        ident: int,
        open_days: float,
        durations: list[float],
        logit_u: list[float],
        base: int,
        value: float,
    ) -> None:
        self.seller = seller
        self.id = ident
        """The candidate lead it came from; orders a seller's stage ends due at the same time."""
        self.open_days = open_days
        """When the lead arrived; a deal is visible to coaching from then on."""
        self.durations = durations
        """Days in each stage, drawn at creation: ``durations[base + stage]``."""
        self.logit_u = logit_u
        """Logit of each stage's uniform (``logit_u[base + stage]``): the deal advances when its
        score exceeds it."""
        self.base = base
        self.value = value
        self.stage = 0
        """Index of the current stage."""
        self.boost = 0.0
        """Logit added to the current stage by micro-coaching."""
        if seller.open_deals is not None:
            seller.open_deals.append(self)
        heappush(seller.pending, (open_days + durations[base], ident, self))

    def stage_end(self, t: float) -> None:
        """The end of the current stage at ``t``: advance, win, or lose."""
        seller = self.seller
        run = seller.run
        k = self.stage
        i = self.base + k
        rec = run.recorder
        w = int(t // 5)
        rec.exits[w] += 1.0
        # u < sigmoid(x)  <=>  logit(u) < x: the decision needs no exp
        if not self.logit_u[i] < run.base_logits[k] + seller.stage_logit(k, t) + self.boost:
            if seller.open_deals is not None:
                seller.open_deals.remove(self)
            return
        rec.advances[w] += 1.0
        if k == 0:
            rec.qualified[w] += 1.0
        if k == run.last_stage:
            if seller.open_deals is not None:
                seller.open_deals.remove(self)
            dv = run.scenario.deal_value
            discount = dyn.discount_share(
                dv.base_discount, dv.discount_skill_sensitivity, seller.closing_skill(t)
            )
            seller.book(self.value * (1.0 - discount), t)
            return
        self.stage = k + 1
        self.boost = 0.0
        heappush(seller.pending, (t + self.durations[i + 1], self.id, self))

    handle = stage_end
