"""The shipped scenario files and the loader's merging rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import Scenario, load_scenario
from tests.conftest import SCENARIOS

FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_shipped_scenario_is_valid_and_editor_ready(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=scenario.schema.json"
    s = load_scenario(str(path))
    assert s.name == path.stem


def test_reference_writes_out_the_schema_defaults() -> None:
    ref = load_scenario(str(SCENARIOS / "reference.yaml"))
    default = Scenario(name="reference", description=ref.description)
    assert ref.canonical() == default.canonical()


def test_every_field_is_described() -> None:
    def walk(model: type) -> None:
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            assert field.description, f"{model.__name__}.{name} has no description"
            ann = field.annotation
            for sub in getattr(ann, "__args__", (ann,)):
                if isinstance(sub, type) and hasattr(sub, "model_fields"):
                    walk(sub)

    walk(Scenario)


def test_extends_merges_maps_and_replaces_lists(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "name: base\ndescription: the base\nteam:\n  managers: 3\n  reps_per_manager: 4\n"
        "training:\n  - {start_week: 5}\n  - {start_week: 9}\n"
    )
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nteam:\n  managers: 5\ntraining:\n  - {start_week: 2}\n"
    )
    s = load_scenario(str(tmp_path / "child.yaml"))
    assert (s.team.managers, s.team.reps_per_manager) == (5, 4)
    assert [t.start_week for t in s.training] == [2]
    assert s.name == "child"
    assert s.description == ""


def test_digest_ignores_names_but_not_settings() -> None:
    a = Scenario(name="a")
    assert a.digest() == Scenario(name="b", description="x").digest()
    assert a.digest() != Scenario(name="a", weeks=50).digest()


def test_every_number_of_a_scenario_is_bounded_on_both_sides() -> None:
    """Nothing lost, item 5: no numeric field may accept an unbounded value (1e308 gave infinite
    revenue) and every section refuses inf and NaN."""
    import typing

    import annotated_types as at
    from pydantic import BaseModel

    from sim.scenario import Scenario

    unbounded = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        assert model.model_config.get("allow_inf_nan") is False, model.__name__
        for name, field in model.model_fields.items():
            args = typing.get_args(field.annotation) or (field.annotation,)
            for arg in args:
                inner = typing.get_args(arg)[0] if typing.get_origin(arg) is list else arg
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    walk(inner, f"{prefix}{name}.")
            if any(a in (int, float) for a in args):
                low = any(isinstance(m, (at.Ge, at.Gt)) for m in field.metadata)
                high = any(isinstance(m, (at.Le, at.Lt)) for m in field.metadata)
                if not (low and high):
                    unbounded.append(prefix + name)

    walk(Scenario, "")
    assert unbounded == []
