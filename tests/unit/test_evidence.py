"""The decisive defaults carry their evidence, equal its likely value, and the docs match it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario import OutsideCoach, Programme, Scenario, Training, scenario_json_schema
from sim.scenario.evidence import Cited, evidence, evidence_table
from sim.scenario.team import Stage, default_stages
from sim.scenario.template import reference_yaml
from tests.conftest import ROOT

SECTIONS: dict[str, type[BaseModel]] = {
    **{
        name: info.annotation
        for name, info in Scenario.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
    },
    "coaching": Programme,
    "outside_coach": OutsideCoach,
    "training": Training,
    "stages": Stage,
}

DECISIVE = (
    "skill.initial_stability_days",
    "training.gain",
    "training.dip_depth",
    "skill.consolidation",
    "skill.spacing_gain",
    "skill.improvement",
    "skill.ceiling",
    "managers.quality_untrained",
    "managers.quality_trained",
    "outside_coach.quality",
    "skill.generic_fit",
    "coaching.deal_boost",
    "team.readiness_alpha",
    "managers.meetings_per_week",
    "managers.admin_hours_per_week",
    "managers.selling_hours_per_week",
    "team.selling_hours_per_week",
    "stages.base_conversion",
    "leads.per_rep_per_week",
)
"""The parameters the issue on evidence names as moving the business case."""


def _field(path: str) -> FieldInfo:
    section, name = path.split(".")
    return SECTIONS[section].model_fields[name]


def _bounds(info: FieldInfo) -> tuple[float, float]:
    low, high = -float("inf"), float("inf")
    for m in info.metadata:
        for attr in ("ge", "gt"):
            if getattr(m, attr, None) is not None:
                low = getattr(m, attr)
        for attr in ("le", "lt"):
            if getattr(m, attr, None) is not None:
                high = getattr(m, attr)
    return low, high


def test_every_decisive_parameter_has_evidence() -> None:
    missing = [p for p in DECISIVE if p not in evidence()]
    assert missing == []


@pytest.mark.parametrize("path", list(evidence()))
def test_the_field_carries_its_evidence_and_defaults_to_the_likely_value(path: str) -> None:
    e = evidence()[path]
    info = _field(path)
    extra: Any = info.json_schema_extra
    assert isinstance(extra, Cited)
    schema: dict[str, Any] = {}
    extra(schema)
    assert schema["evidence"]["parameter"] == path
    assert schema["evidence"]["likely"] == e.likely
    assert e.low <= e.likely <= e.high
    low, high = _bounds(info)
    assert low <= e.low, "the range lies inside what the field accepts"
    assert e.high <= high, "the range lies inside what the field accepts"
    if isinstance(info.default, float | int) and not isinstance(info.default, bool):
        assert info.default == e.likely
    if e.basis != "assumption":
        assert e.sources, "evidence without a source is an assumption"


def test_every_cited_field_has_a_record() -> None:
    cited = [
        info.json_schema_extra.path
        for section in SECTIONS.values()
        for info in section.model_fields.values()
        if isinstance(info.json_schema_extra, Cited)
    ]
    assert set(cited) == set(evidence())


def test_the_default_stages_forecast_win_rate_lies_in_its_range() -> None:
    e = evidence()["stages.base_conversion"]
    closing = default_stages()[-2:]
    forecast = closing[0].base_conversion * closing[1].base_conversion
    assert forecast == pytest.approx(e.likely, abs=0.005)


def test_the_evidence_page_is_current() -> None:
    page = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    assert page == evidence_table(), "run: make docs"


def test_the_json_schema_file_is_current() -> None:
    written = json.loads((ROOT / "scenarios" / "scenario.schema.json").read_text(encoding="utf-8"))
    assert written == scenario_json_schema(), "run: make docs"


def test_the_reference_scenario_is_the_schema_defaults_written_out() -> None:
    written = (ROOT / "scenarios" / "reference.yaml").read_text(encoding="utf-8")
    assert written == reference_yaml(), "run: make docs"
