"""Helpers shared by the benchmark scripts (not a test: nothing here asserts a time)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.scenario import Scenario, load_scenario  # noqa: E402


def build_in_place() -> str:
    """Which build ``coachsim`` runs here: "compiled" (make fast, current) or "plain"."""
    from sim.compiled import current

    return "compiled" if current() else "plain"


def reference() -> Scenario:
    """The shipped reference scenario."""
    return load_scenario(str(ROOT / "scenarios" / "reference.yaml"))


def variant(base: Scenario, **changes: Any) -> Scenario:
    """``base`` with top-level sections merged with ``changes`` (validated again)."""
    data = base.model_dump()
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Scenario.model_validate(data)
