"""Written-out skill maths: a seller's skill states as four lists, updated in place.

**What it stands in for.** :mod:`sim.model.skill` defines a stage's skill state as a tuple
(consolidated, fresh, last refresh, stability) and the pure functions on it: ``learned`` (fresh
skill fading with the forgetting curve), ``coach`` (a session consolidating some fresh skill,
closing part of the gap to the ceiling and slowing forgetting) and ``harm`` (a poor session
moving skill toward a floor below zero). They run for every rep, stage,
session and week, so here they are written out over one list per field, and stages that share
their last refresh and stability (every stage, while sessions and trainings have covered them
all alike) share one ``exp``.

**Pinned by** tests/unit/test_hot_path.py: Hypothesis draws states and sessions and checks each
method against :mod:`sim.model.skill`'s function.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

SkillState = tuple[float, float, float, float]
"""(consolidated, fresh, last refresh in days, stability in days), as in sim.model.skill."""

ONE = (0,)
"""The first stage alone, which stands for every stage while they are alike."""

SessionSteps = tuple[float, float, float, float]
"""What a session does to each stage it covers: see :func:`session_steps`."""


def session_steps(effect: float, params: tuple[float, float, float, float]) -> SessionSteps:
    """(share of fresh skill consolidated, share of the gap learned, stability factor, ceiling)
    of a session of ``effect`` > 0, from the skill's (consolidation, spacing gain, improvement,
    ceiling), as ``sim.model.skill.coach`` computes them."""
    consolidation, spacing_gain, improvement, ceiling = params
    return consolidation * effect, improvement * effect, 1.0 + spacing_gain * effect, ceiling


class SkillLists:
    """A seller's skill state per stage, one list per field."""

    __slots__ = ("alike", "consolidated", "fresh", "refreshed_days", "stability_days")

    def __init__(self, n_stages: int, initial_stability_days: float) -> None:
        self.consolidated = [0.0] * n_stages
        """Consolidated skill per stage."""
        self.fresh = [0.0] * n_stages
        """Fresh skill per stage, as of ``refreshed_days``."""
        self.refreshed_days = [0.0] * n_stages
        """Last time each stage's fresh skill was refreshed, days."""
        self.stability_days = [initial_stability_days] * n_stages
        """Stability (forgetting time constant) per stage, days."""
        self.alike = True
        """Whether every stage has the same skill state (as when every session and training so
        far covered every stage), so a session on every stage is worked out once."""

    def state(self, k: int) -> SkillState:
        """The skill state of stage ``k``."""
        return (self.consolidated[k], self.fresh[k], self.refreshed_days[k], self.stability_days[k])

    def set_state(self, k: int, st: SkillState) -> None:
        """Replace the skill state of stage ``k`` (see :meth:`check_alike`)."""
        self.consolidated[k], self.fresh[k], self.refreshed_days[k], self.stability_days[k] = st
        self.alike = False

    def check_alike(self) -> None:
        """Find out again whether every stage has the same skill state."""
        self.alike = all(
            x.count(x[0]) == len(x)
            for x in (self.consolidated, self.fresh, self.refreshed_days, self.stability_days)
        )

    def learned(self, k: int, t: float, plus: float = 0.0) -> float:
        """``plus`` and the learned skill on stage ``k`` at ``t`` (``sim.model.skill.learned``),
        added in that order: consolidated to ``plus``, then the fresh skill retained (a stage
        end adds the seller's ability so)."""
        x = plus + self.consolidated[k]
        f = self.fresh[k]
        if f != 0.0:
            x += f * math.exp(-(t - self.refreshed_days[k]) / self.stability_days[k])
        return x

    def add_learned(self, total: list[float], t: float) -> None:
        """Add the learned skill of each stage at ``t`` to ``total[stage]`` (the weekly record:
        once a rep and week, so nothing is shared between stages)."""
        for k in range(len(self.consolidated)):
            total[k] += self.learned(k, t)

    def reinforce(
        self,
        stages: Sequence[int],
        t: float,
        effect: float,
        params: tuple[float, float, float, float],
    ) -> None:
        """A coaching session of ``effect`` on each of ``stages`` at ``t``
        (``sim.model.skill.coach`` on each)."""
        if effect > 0.0:
            self.reinforce_by(stages, t, session_steps(effect, params))

    def reinforce_by(self, stages: Sequence[int], t: float, steps: SessionSteps) -> None:
        """A coaching session on each of ``stages`` at ``t``, its :func:`session_steps` given.

        ``sim.model.skill.coach`` written out over the lists. Stages that share their last
        refresh and stability share the decay of their fresh skill, computed once."""
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
            moved = 0.0 if kept <= 0.0 else kept if share >= 1.0 else share * kept
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
        # The session on stage 0, its state given to every stage, in place: an advance under way
        # holds these lists.
        self.reinforce_by(ONE, t, steps)
        f, tl, s = self.fresh, self.refreshed_days, self.stability_days
        c[:] = [c[0]] * n
        f[:] = [f[0]] * n
        tl[:] = [tl[0]] * n
        s[:] = [s[0]] * n
        self.alike = True

    def harm(self, stages: Sequence[int], t: float, step: float, floor: float) -> None:
        """A harmful session on each of ``stages`` at ``t``: ``sim.model.skill.harm`` with
        ``step = improvement * harm effect``, written out over the lists. Rare (only coaches
        below ``skill.harm_threshold``), so not shared between alike stages."""
        if step <= 0.0:
            return
        c, f, tl, s = self.consolidated, self.fresh, self.refreshed_days, self.stability_days
        every = len(stages) == len(c)
        for k in stages:
            kept = f[k]
            if kept != 0.0 and t > tl[k]:
                kept *= math.exp((tl[k] - t) / s[k])
            gap = c[k] + kept - floor
            if gap > 0.0:
                kept -= gap if step >= 1.0 else step * gap
            f[k], tl[k] = kept, t
        if every and self.alike:
            self.check_alike()
        else:
            self.alike = False
