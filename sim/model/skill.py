"""Skill dynamics: training, forgetting, the post-training dip and coaching reinforcement.

Pure functions only: no SimPy, no random numbers. A rep's skill on one sales stage is two parts,
both on the logit scale of that stage's win probability:

* ``consolidated`` -- kept for good;
* ``fresh`` -- what the rep learned recently, forgotten exponentially with a time constant
  ``stability`` (working days) counted from ``t_last``, the last time it was refreshed.

``learned(t) = consolidated + fresh * exp(-(t - t_last) / stability)``.

Training adds to ``fresh`` (and a share of its gain, the transfer that lasts, to ``consolidated``)
and starts a short dip (people try new habits and fumble at first).
A coaching session of effect ``e`` moves part of what is still retained into ``consolidated``
(consolidation), makes what remains fresh decay more slowly (spacing), and adds new learning in
proportion to the gap to a ceiling (improvement with diminishing returns). Every gain saturates at
the ceiling.

A session of a coach whose quality is below ``skill.harm_threshold`` harms instead
(:func:`session_harm`, :func:`harm`): it moves learned skill toward a floor below zero,
``-harm_ratio * ceiling``, by the same diminishing steps, into the fresh part, so the harm fades
as fresh skill does once the poor coaching stops. Only such sessions and time lower skill.

A stage skill state is the tuple ``(consolidated, fresh, t_last_days, stability_days)``.
"""

from __future__ import annotations

import math

SkillState = tuple[float, float, float, float]
"""(consolidated, fresh, t_last_days, stability_days) of one rep on one stage."""


def sigmoid(x: float) -> float:
    """The logistic function, safe for large ``|x|``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logit(p: float) -> float:
    """The inverse of :func:`sigmoid` for ``0 < p < 1``."""
    return math.log(p / (1.0 - p))


def retained_fresh(fresh: float, t_last_days: float, stability_days: float, t: float) -> float:
    """How much of ``fresh`` is still retained at time ``t`` (exponential forgetting)."""
    if fresh == 0.0 or t <= t_last_days:
        return fresh
    return fresh * math.exp(-(t - t_last_days) / stability_days)


def learned(state: SkillState, t: float) -> float:
    """Learned skill at time ``t``: the consolidated part plus the fresh part still retained."""
    consolidated, fresh, t_last_days, stability_days = state
    return consolidated + retained_fresh(fresh, t_last_days, stability_days, t)


def dip(depth: float, t_train_days: float, recovery_days: float, t: float) -> float:
    """The post-training dip at ``t``: ``depth`` at the training day, recovering exponentially."""
    if depth == 0.0 or t < t_train_days:
        return 0.0
    return depth * math.exp(-(t - t_train_days) / recovery_days)


def train(
    state: SkillState,
    t: float,
    gain: float,
    initial_stability_days: float,
    ceiling: float,
    floor: float = 0.0,
) -> SkillState:
    """A training programme on this stage at ``t``.

    The skill gains ``gain`` (capped so learned skill stays at or below the ceiling): a share
    ``floor`` of it for good (consolidated: what a training leaves however long nobody
    reinforces it), the rest fresh. Forgetting restarts from ``t`` and stability resets to its
    initial value.
    """
    consolidated, fresh, t_last_days, stability_days = state
    kept = retained_fresh(fresh, t_last_days, stability_days, t)
    room = max(0.0, ceiling - consolidated - kept)
    added = min(max(gain, 0.0), room)
    lasting = min(max(floor, 0.0), 1.0) * added
    return (consolidated + lasting, kept + added - lasting, t, initial_stability_days)


def coach(
    state: SkillState,
    t: float,
    effect: float,
    consolidation: float,
    spacing_gain: float,
    improvement: float,
    ceiling: float,
) -> SkillState:
    """One coaching session on this stage at ``t`` with effect ``e`` (quality x readiness x fit).

    * consolidation: a share ``consolidation * e`` (at most all) of the retained fresh skill
      becomes consolidated (none of it while fresh skill is below zero: harm is not made
      lasting);
    * spacing: ``stability *= 1 + spacing_gain * e``;
    * improvement: ``fresh += improvement * e * (ceiling - learned)`` (at most the whole gap).
    """
    consolidated, fresh, t_last_days, stability_days = state
    if effect <= 0.0:
        return state
    kept = retained_fresh(fresh, t_last_days, stability_days, t)
    # Only skill consolidates: the harm of poor coaching (fresh below zero) is never made lasting.
    moved = min(consolidation * effect, 1.0) * max(kept, 0.0)
    consolidated += moved
    kept -= moved
    gap = max(ceiling - consolidated - kept, 0.0)
    kept += min(improvement * effect, 1.0) * gap
    return (consolidated, kept, t, stability_days * (1.0 + spacing_gain * effect))


def session_effect(quality: float, readiness: float, fit: float, dose: float = 1.0) -> float:
    """The effect of one session on one stage: ``quality * readiness * fit * dose``.

    ``dose`` is the share of a full session's worth of time the stage received (see
    ``coaching.full_effect_minutes``); it is at most 1.
    """
    return quality * readiness * fit * min(1.0, max(0.0, dose))


def session_harm(
    quality: float, threshold: float, readiness: float, fit: float, dose: float = 1.0
) -> float:
    """The harm of one session on one stage: ``(1 - quality / threshold) * readiness * fit *
    dose`` for a coach of ``quality`` below ``threshold``, else 0.

    At quality 0 a session harms as much as a session of quality 1 helps (the floor, not the
    step, carries "poor coaching hurts twice as much": see :func:`harm`); the harm shrinks to
    nothing at the threshold. A readier rep takes more from a session, good or bad.
    """
    if quality >= threshold:
        return 0.0
    return (1.0 - quality / threshold) * readiness * fit * min(1.0, max(0.0, dose))


def harm(
    state: SkillState,
    t: float,
    harm_effect: float,
    improvement: float,
    floor: float,
) -> SkillState:
    """One harmful session on this stage at ``t`` (``harm_effect`` from :func:`session_harm`).

    Learned skill moves toward ``floor`` (at most ``0``; ``-harm_ratio * ceiling``) by a share
    ``improvement * harm_effect`` (at most all) of the distance, as a good session moves it
    toward the ceiling. The change goes into the fresh part, so it fades as fresh skill does;
    nothing is consolidated and stability does not change.
    """
    consolidated, fresh, t_last_days, stability_days = state
    if harm_effect <= 0.0:
        return state
    kept = retained_fresh(fresh, t_last_days, stability_days, t)
    gap = consolidated + kept - floor
    if gap > 0.0:
        step = improvement * harm_effect
        kept -= gap if step >= 1.0 else step * gap
    return (consolidated, kept, t, stability_days)


def harm_floor(harm_ratio: float, ceiling: float) -> float:
    """The lowest learned skill poor coaching can leave: ``-harm_ratio * ceiling``."""
    return -harm_ratio * ceiling


def conversion_probability(
    base_logit: float, ability: float, learned_skill: float, dip_now: float, boost: float
) -> float:
    """Probability that a deal advances past a stage: ``sigmoid(logit(base) + a + L - dip + b)``."""
    return sigmoid(base_logit + ability + learned_skill - dip_now + boost)


def discount_share(base_discount: float, sensitivity: float, closing_skill: float) -> float:
    """The share of list value given away at close; a better closer discounts less."""
    return base_discount * math.exp(-sensitivity * max(0.0, closing_skill))
