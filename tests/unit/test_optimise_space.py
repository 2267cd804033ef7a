"""Search spaces (sim.optimise.space): read and checked with positions, plans made of them, and
each plan written as a scenario file that loads back to the same scenario."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sim.optimise.space import (
    Space,
    combinations,
    fee_per_year,
    make_plans,
    plan_file,
    read_space,
)
from sim.scenario import ScenarioError, load_scenario
from tests.conftest import SCENARIOS

OPTION = SCENARIOS / "outside_coach_evidence.yaml"


def _space(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "space.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_shipped_space_reads_and_makes_its_plans() -> None:
    option = load_scenario(OPTION)
    space = read_space(
        SCENARIOS / "spaces" / "outside_coach.yaml", option, ["outside_coach.quality"]
    )
    plans, notes = make_plans(option, space, 0)
    assert plans[0].as_written
    assert plans[0].scenario.outside_coach.hours_per_week == 20
    assert len({p.name for p in plans}) == len(plans)
    assert all(p.fee_per_year <= 400_000 for p in plans)
    assert len(plans) + sum(int(n.split()[0]) for n in notes) in (40, 41)
    again, _ = make_plans(option, space, 0)
    assert [p.choices for p in again] == [p.choices for p in plans]


def test_a_small_grid_is_tried_whole() -> None:
    space = Space(
        "x",
        {"outside_coach.hours_per_week": [5, 10], "outside_coach.style": ["micro", "formal"]},
        40,
        None,
    )
    assert len(combinations(space, 0)) == 4


def test_a_latin_hypercube_tries_each_value_about_equally() -> None:
    space = Space("x", {"a": list(range(4)), "b": list(range(5)), "c": [0, 1]}, 20, None)
    picks = combinations(space, 3)
    assert len(picks) == 20
    assert len({tuple(p.values()) for p in picks}) == 20
    counts = Counter(p["a"] for p in picks)
    assert max(counts.values()) - min(counts.values()) <= 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "choices:\n  skill.improvement: [0.1, 0.2]\n",
            "space.yaml:2:3: choices.skill.improvement: skill describes the team",
        ),
        ("choices:\n  outside_coach.quality: [0.5]\n", "uncertain input"),
        ("choices:\n  outside_coach.hours: [5]\n", "no setting outside_coach.hours"),
        ("choices:\n  outside_coach.focus: [5]\n", "is a section, not a setting"),
        (
            "choices:\n  outside_coach.hours_per_week: [5, -1]\n",
            "space.yaml:2:37: choices.outside_coach.hours_per_week[1]: -1 cannot be used",
        ),
        ("choices:\n  outside_coach.style: [micro, micro]\n", "given twice"),
        ("choices:\n  outside_coach.hours_per_week: [5, 5.0]\n", "given twice"),
        ("choices:\n  outside_coach.style: [micro]\nplans: 1\n", "space.yaml:3:8: plans"),
        ("choices: {}\n", "choices"),
        ("choice:\n  outside_coach.style: [micro]\n", "unknown key"),
    ],
)
def test_a_bad_space_is_refused_with_its_place(tmp_path: Path, text: str, expected: str) -> None:
    option = load_scenario(OPTION)
    with pytest.raises(ScenarioError) as err:
        read_space(_space(tmp_path, text), option, ["outside_coach.quality"])
    assert expected in str(err.value)
    assert "Traceback" not in str(err.value)


def test_plans_over_budget_or_without_time_to_coach_are_left_out(tmp_path: Path) -> None:
    option = load_scenario(OPTION)
    text = (
        "choices:\n  outside_coach.hours_per_week: [5, 40]\n"
        "  managers.admin_hours_per_week: [5, 60]\nbudget:\n  fees_per_year_usd: 100000\n"
    )
    space = read_space(_space(tmp_path, text), option, [])
    plans, notes = make_plans(option, space, 0)
    assert [p.choices for p in plans] == [
        {"outside_coach.hours_per_week": 5, "managers.admin_hours_per_week": 5}
    ]
    assert any("over the budget of $100,000 a year" in n for n in notes)
    assert any("no time to coach" in n for n in notes)


def test_the_fee_a_year() -> None:
    option = load_scenario(OPTION)
    c = option.outside_coach
    assert fee_per_year(option) == pytest.approx(c.hours_per_week * 52 * c.fee_per_hour_usd)
    assert fee_per_year(load_scenario(SCENARIOS / "reference.yaml")) == 0.0


def test_a_plan_file_loads_back_to_the_plan(tmp_path: Path) -> None:
    """Even when the option sits in a folder whose name YAML would read as a comment."""
    odd = tmp_path / "dir #x"
    odd.mkdir()
    option_file = odd / "opt.yaml"
    option_file.write_text(f"extends: {json.dumps(str(OPTION.resolve()))}\n", encoding="utf-8")
    option = load_scenario(option_file)
    text = (
        "choices:\n  outside_coach.format: [virtual]\n  outside_coach.focus.policy: [tier]\n"
        "  outside_coach.coach_the_coach: [true]\n  managers.coaching_protection: [0.5]\n"
    )
    plans, _ = make_plans(option, read_space(_space(tmp_path, text), option, []), 0)
    plan = plans[-1]
    folder = tmp_path / "out" / "plans"
    folder.mkdir(parents=True)
    f = folder / f"{plan.name}.yaml"
    f.write_text(plan_file(plan, option_file, folder), encoding="utf-8")
    loaded = load_scenario(f)
    assert loaded.model_dump(exclude={"extends"}) == plan.scenario.model_dump(exclude={"extends"})
