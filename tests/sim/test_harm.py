"""Coaching that hurts (skill.harm_threshold, skill.harm_ratio): the mechanism end to end."""

from __future__ import annotations

from typing import Any

from sim.model.replication import Replication
from tests.sim.helpers import small

STAGES = ("prospecting", "discovery", "proposal", "closing")


def _learned_and_revenue(**overrides: Any) -> tuple[float, float]:
    """Mean learned skill at the end and revenue over 4 replications of a small team coached
    by its managers only, formal sessions, 30 weeks."""
    base: dict[str, Any] = {"weeks": 30, "skill": {"ceiling": 0.5}}
    for key, value in overrides.items():
        base[key] = {**base.get(key, {}), **value}
    learned = revenue = 0.0
    for r in range(4):
        weekly, row = Replication(small(**base), 11, r).run()
        last = weekly.iloc[-1]
        learned += sum(float(last[f"skill_{n}"]) for n in STAGES) / len(STAGES) / 4
        revenue += float(row["revenue"]) / 4
    return learned, revenue


def test_poor_managers_lower_skill_below_zero_and_cost_revenue() -> None:
    """Managers of quality 0.1 under a threshold of 0.25 leave their reps' skill below zero and
    sell less than the same team without coaching; with the threshold at 0 the same managers
    help a little. Same random numbers throughout."""
    poor = {"quality_untrained": 0.1, "quality_trained": 0.1}
    harmful = _learned_and_revenue(managers=poor, skill={"harm_threshold": 0.25})
    harmless = _learned_and_revenue(managers=poor, skill={"harm_threshold": 0.0})
    none = _learned_and_revenue(managers=poor, coaching={"sessions_per_rep_per_week": 0.0})
    assert harmful[0] < 0.0 < harmless[0]
    assert none[0] == 0.0
    assert harmful[1] < none[1] < harmless[1]


def test_more_sessions_of_a_poor_coach_harm_more() -> None:
    """Dahling et al. 2016: coaching frequency lowers goal attainment when coaching skill is
    low. Here: twice the sessions of a quality-0.05 manager leave skill lower."""
    poor = {"quality_untrained": 0.05, "quality_trained": 0.05}
    once = _learned_and_revenue(managers=poor, coaching={"sessions_per_rep_per_week": 1.0})
    twice = _learned_and_revenue(managers=poor, coaching={"sessions_per_rep_per_week": 2.0})
    assert twice[0] < once[0] < 0.0


def test_no_harm_at_or_above_the_threshold_changes_nothing() -> None:
    """A team whose every coach is at or above the threshold runs exactly as with no harm."""
    at = _learned_and_revenue(
        managers={"quality_untrained": 0.3, "quality_trained": 0.3}, skill={"harm_threshold": 0.3}
    )
    off = _learned_and_revenue(
        managers={"quality_untrained": 0.3, "quality_trained": 0.3}, skill={"harm_threshold": 0.0}
    )
    assert at == off
