"""The people and the deals: reps with skills that fade and grow, managers who sell, deals that
move through the stages.

A :class:`Deal` is not a SimPy process: it is a small object queued for the end of each stage in
the run's :class:`~sim.dayqueue.DayQueue`, so a deal costs one event per stage it reaches.
Whether it advances is decided at the end of each stage from its seller's skill *at that moment*
(evaluated lazily, see :mod:`sim.dynamics`) and from uniforms it drew when it was created.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from sim import dynamics as dyn

if TYPE_CHECKING:
    from sim.model import Replication


class Seller(Protocol):
    """Anyone who owns deals: a rep or a player/coach manager."""

    open_deals: list[Deal]

    def stage_logit(self, stage: int, t: float) -> float:
        """Ability plus learned skill minus dip on ``stage`` at ``t``, logit units."""
        ...

    def closing_skill(self, t: float) -> float:
        """Learned skill on the last stage at ``t`` (cuts discounting)."""
        ...

    def book(self, value_usd: float, t: float) -> None:
        """Record a won deal."""
        ...


class Rep:
    """A sales rep: fixed ability and readiness, a skill state per stage, open deals."""

    __slots__ = (
        "ability",
        "c",
        "dip_depth",
        "dip_recovery_days",
        "f",
        "index",
        "manager",
        "open_deals",
        "percentile",
        "readiness",
        "rep_revenue_usd",
        "run",
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
        self.run = run
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
        self.open_deals: list[Deal] = []
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
        """A coaching session of ``effect`` on each of ``stages`` at ``t`` (dynamics.coach)."""
        c, f, tl, s = self.c, self.f, self.tl, self.s
        for k in stages:
            c[k], f[k], tl[k], s[k] = dyn.coach((c[k], f[k], tl[k], s[k]), t, effect, *params)

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


class ManagerSeller:
    """A manager's own selling (player/coach): fixed ability, no training or coaching."""

    __slots__ = ("ability", "n_stages", "open_deals", "run")

    def __init__(self, run: Replication, ability: float, n_stages: int) -> None:
        self.run = run
        self.ability = ability
        self.n_stages = n_stages
        self.open_deals: list[Deal] = []

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
    """One opportunity: it moves through the stages or is lost, and books its value if won.

    Each stage end is an entry in the run's :class:`~sim.dayqueue.DayQueue` (one SimPy event
    each, without a ``Timeout`` object per stage).
    """

    __slots__ = (
        "base",
        "boost",
        "durations",
        "logit_u",
        "open_days",
        "run",
        "seller",
        "stage",
        "value",
    )

    def __init__(
        self,
        run: Replication,
        seller: Seller,
        open_days: float,
        durations: list[float],
        logit_u: list[float],
        base: int,
        value: float,
    ) -> None:
        self.run = run
        self.seller = seller
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
        seller.open_deals.append(self)
        now = run.env._now
        run.deals.add(now + (open_days - now + durations[base]), self)

    def stage_end(self) -> None:
        """The end of the current stage: advance, win, or lose (the DayQueue calls it)."""
        run = self.run
        k = self.stage
        t = run.env._now
        # u < sigmoid(x)  <=>  logit(u) < x: the decision needs no exp
        advanced = (
            self.logit_u[self.base + k]
            < run.base_logits[k] + self.seller.stage_logit(k, t) + self.boost
        )
        rec = run.recorder
        w = int(t // 5) - rec.warmup_weeks
        if 0 <= w < rec.weeks:
            rec.exits[w] += 1.0
            if advanced:
                rec.advances[w] += 1.0
                if k == 0:
                    rec.qualified[w] += 1.0
        if not advanced:
            self.seller.open_deals.remove(self)
            return
        if k == run.last_stage:
            self.seller.open_deals.remove(self)
            dv = run.scenario.deal_value
            discount = dyn.discount_share(
                dv.base_discount, dv.discount_skill_sensitivity, self.seller.closing_skill(t)
            )
            self.seller.book(self.value * (1.0 - discount), t)
            return
        self.stage = k + 1
        self.boost = 0.0
        run.deals.add(t + self.durations[self.base + k + 1], self)
