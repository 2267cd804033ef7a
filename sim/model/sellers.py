"""The sellers: reps with skills that fade and grow, and managers who sell too.

A seller's deals move through the stages in its :class:`~sim.model.pipeline.Pipeline`: a deal
advances at the end of each stage when ``u < sigmoid(logit(base) + ability + learned skill - dip
+ boost)`` (:func:`sim.model.skill.conversion_probability`), its uniform ``u`` drawn when it was
created, the seller's skill taken *at that moment*. A won deal books its list value less the
discount the seller's closing skill leaves (:func:`sim.model.skill.discount_share`). A rep's skill
state per stage fades and grows by :mod:`sim.model.skill`, kept as lists
(:class:`~sim.model.skill_lists.SkillLists`). Managers' own skills are not modelled: theirs stay
at zero.
"""

from __future__ import annotations

from typing import cast

from sim.model import skill as dyn
from sim.model.pipeline import Pipeline, SureBounds, sure_bounds
from sim.model.recorder import Tier
from sim.model.rules import lowest_quality
from sim.model.run import Run


def _sure(run: Run, ability: float, ceiling: float, trains: bool) -> SureBounds | None:
    """Where a seller's stage ends are sure whatever its skill, or ``None`` if not settled.

    Learned skill stays in [0, ceiling] (:mod:`sim.model.skill`: every gain saturates at the
    ceiling, nothing lowers skill but time), or in [harm floor, ceiling] if some coach of the
    scenario may coach below ``skill.harm_threshold``; the dip stays in [0, deepest training
    dip]. Micro-coaching boosts single deals by a logit >= 0 without limit, so its sure falls
    are only doomed (see :mod:`sim.model.pipeline`)."""
    if not run.settle:
        return None
    s = run.scenario
    dip = max((t.dip_depth for t in s.training), default=0.0) if trains else 0.0
    lowest = -dip
    if trains and lowest_quality(s) < s.skill.harm_threshold:
        lowest += dyn.harm_floor(s.skill.harm_ratio, ceiling)
    return sure_bounds(run.base_logits, ability, lowest, ceiling)


class Seller(Pipeline):
    """Someone who owns deals: a won deal books its value less the closing discount."""

    __slots__ = ()

    # ``self.run`` is the Run given here, typed as the pipeline's narrower PipelineRun: the
    # compiled build (sim.compiled) does not allow a subclass to redeclare an attribute's type.

    def __init__(
        self, run: Run, ability: float, ceiling: float, trains: bool, coached: bool
    ) -> None:
        s = run.scenario
        super().__init__(
            run,
            ability,
            len(s.stages),
            s.skill.initial_stability_days,
            keep_open_deals=coached and run.micro_coaching,
            sure=_sure(run, ability, ceiling, trains),
        )

    def won(self, list_value_usd: float, t: float) -> float:
        """A deal won at ``t``: its value less the discount the closing skill leaves."""
        dv = cast(Run, self.run).scenario.deal_value
        discount = dyn.discount_share(
            dv.base_discount,
            dv.discount_skill_sensitivity,
            self.learned(len(self.consolidated) - 1, t),
        )
        booked = list_value_usd * (1.0 - discount)
        self.book(booked, t)
        return booked

    def book(self, value_usd: float, t: float) -> None:
        """Record a won deal."""
        raise NotImplementedError


class Rep(Seller):
    """A sales rep: fixed ability and readiness, a skill state per stage, open deals."""

    __slots__ = (
        "ceiling",
        "index",
        "manager",
        "percentile",
        "readiness",
        "rep_revenue_usd",
        "tier",
    )

    def __init__(
        self,
        run: Run,
        index: int,
        manager: int,
        ability: float,
        readiness: float,
        tier: Tier,
        percentile: float,
        ceiling: float,
    ) -> None:
        super().__init__(run, ability, ceiling, trains=True, coached=True)
        self.ceiling = ceiling
        """Most learned skill this rep can reach on a stage (see rules.rep_ceiling)."""
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

    def book(self, value_usd: float, t: float) -> None:
        """Book a won deal to this rep and the team's weekly revenue."""
        self.rep_revenue_usd += value_usd
        cast(Run, self.run).recorder.book(value_usd, t, self.tier)


class ManagerSeller(Seller):
    """A manager's own selling (player/coach): fixed ability; managers' skills stay at zero."""

    __slots__ = ()

    def __init__(self, run: Run, ability: float) -> None:
        super().__init__(run, ability, ceiling=0.0, trains=False, coached=False)

    def book(self, value_usd: float, t: float) -> None:
        """Book a won deal to the team's weekly revenue, as a manager's deal."""
        cast(Run, self.run).recorder.book(value_usd, t, "M")
