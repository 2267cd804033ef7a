"""Coaching focus policies: who gets the coach's limited sessions.

A policy is a plain function from the reps a coach serves to a non-negative weight per rep;
the coach's weekly session budget is then shared in proportion to the weights by
:func:`allocate`. Policies are chosen by name from :data:`POLICIES`.

* ``uniform`` -- every rep alike;
* ``tier`` -- by tier weight (A = top 20% by ability, B = middle 60%, C = bottom 20%); the best
  managers of "Micro-coaching" (2014) weight B-players up and C-players to zero;
* ``readiness`` -- in proportion to readiness, the most coachable first ("Sales and coaching
  fails");
* ``bottom_first`` -- in proportion to how far down the ability ranking a rep is, the weakest
  first (the "wrong priorities" of "Micro-coaching").

Every policy gives zero weight to reps whose readiness is below ``readiness_threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sim.model.recorder import Tier
from sim.scenario.programmes import PolicyName


@dataclass(frozen=True, slots=True)
class RepView:
    """What a coach knows of a rep when deciding whom to coach."""

    tier: Tier
    """"A", "B" or "C"."""
    readiness: float
    """Coachability in [0, 1]."""
    ability_percentile: float
    """Rank of the rep's ability in the team, 0 (weakest) to 1 (strongest)."""


@dataclass(frozen=True, slots=True)
class FocusParams:
    """The tunable parts of a focus policy."""

    tier_weights: Mapping[str, float]
    """Weight per tier for the ``tier`` policy."""
    readiness_threshold: float
    """Reps below this readiness get no sessions, under any policy."""


Policy = Callable[[Sequence[RepView], FocusParams], list[float]]


def uniform(reps: Sequence[RepView], params: FocusParams) -> list[float]:
    """Every rep the same weight."""
    return [1.0 for _ in reps]


def tier(reps: Sequence[RepView], params: FocusParams) -> list[float]:
    """Weight by tier."""
    return [float(params.tier_weights[r.tier]) for r in reps]


def readiness(reps: Sequence[RepView], params: FocusParams) -> list[float]:
    """Weight by readiness: the most coachable get the most."""
    return [r.readiness for r in reps]


def bottom_first(reps: Sequence[RepView], params: FocusParams) -> list[float]:
    """Weight by distance from the top of the ability ranking: the weakest get the most."""
    return [1.0 - r.ability_percentile + 1e-3 for r in reps]


POLICIES: dict[PolicyName, Policy] = {
    "uniform": uniform,
    "tier": tier,
    "readiness": readiness,
    "bottom_first": bottom_first,
}
"""The registry of focus policies, by the name used in scenario files (the schema's PolicyName
lists the same names; mypy and tests/unit/test_policies.py hold them equal)."""


def focus_weights(name: PolicyName, reps: Sequence[RepView], params: FocusParams) -> list[float]:
    """The weights of policy ``name``, with reps below the readiness threshold set to zero."""
    weights = POLICIES[name](reps, params)
    return [
        w if r.readiness >= params.readiness_threshold else 0.0
        for w, r in zip(weights, reps, strict=True)
    ]


def capped_shares(weights: Sequence[float], budget: float, cap: float) -> list[float]:
    """Split ``budget`` in proportion to ``weights`` with no share above ``cap`` (water-filling).

    What a capped rep cannot take goes to the others in proportion to their weights; the sum is
    ``min(budget, cap * number of reps with positive weight)``.
    """
    shares = [0.0] * len(weights)
    free = [i for i, w in enumerate(weights) if w > 0.0]
    left = budget
    while free and left > 1e-12:
        total = sum(weights[i] for i in free)
        capped = [i for i in free if left * weights[i] / total >= cap - 1e-12]
        if not capped:
            for i in free:
                shares[i] = left * weights[i] / total
            break
        for i in capped:
            shares[i] = cap
            left -= cap
        free = [i for i in free if i not in capped]
    return shares


def allocate(shares: Sequence[float], credit: list[float], sessions: int) -> list[int]:
    """Whole sessions per rep this week from fractional ``shares`` summing to ``sessions``.

    ``credit`` carries each rep's fractional entitlement from week to week (it is updated in
    place), so over time every rep gets its share exactly and the total each week is exactly
    ``sessions``. Ties go to the lower rep index. Deterministic: no random numbers.
    """
    target = [c + s for c, s in zip(credit, shares, strict=True)]
    counts = [max(0, math.floor(x + 1e-9)) for x in target]
    short = sessions - sum(counts)
    if short > 0:
        order = sorted(
            (i for i in range(len(target)) if shares[i] > 0.0),
            key=lambda i: (-(target[i] - counts[i]), i),
        )
        for i in order[:short]:
            counts[i] += 1
    elif short < 0:
        order = sorted(
            (i for i in range(len(target)) if counts[i] > 0),
            key=lambda i: (target[i] - counts[i], i),
        )
        for i in order[:-short]:
            counts[i] -= 1
    for i in range(len(credit)):
        credit[i] = target[i] - counts[i]
    return counts
