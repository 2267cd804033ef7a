"""Small scenarios for fast simulation tests."""

from __future__ import annotations

from typing import Any

from sim.scenario import Scenario


def small(**overrides: Any) -> Scenario:
    """A 2-manager, 3-rep-each team over 20 weeks (plus a short warm-up)."""
    data: dict[str, Any] = {
        "name": "small",
        "weeks": 20,
        "warmup_weeks": 4,
        "team": {"managers": 2, "reps_per_manager": 3},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Scenario.model_validate(data)
