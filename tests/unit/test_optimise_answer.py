"""The answer of coachsim optimise in words (sim.report.optimise.answer) and the search's table,
on planted observations: which plan is best, which are within the zone, which is cheapest, and
what is said when the draws run out or only some plans were tried."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.optimise.search import Search
from sim.optimise.select import select_best
from sim.optimise.space import make_plans, read_space
from sim.report.optimise import answer, plans_table
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS


def _search(tmp_path: Path, x: np.ndarray, available: np.ndarray, cap: int) -> Search:
    option = load_scenario(SCENARIOS / "outside_coach_evidence.yaml")
    space = tmp_path / "space.yaml"
    space.write_text("choices:\n  outside_coach.hours_per_week: [20, 5, 10]\n")
    plans, _ = make_plans(option, read_space(space, option, []), 0)
    x = x[:cap]
    sel = select_best(x, available, 8, 100.0, 0.05, cap)
    used = np.array([sel.eliminated_at.get(j, sel.draws_seen) for j in range(x.shape[1])])
    used[0] = max(used[j] for j in sel.survivors)
    return Search(plans, x, pd.DataFrame(), sel, 100.0, 0.05, 8, cap, used)


def _planted(seed: int = 0, draws: int = 64) -> np.ndarray:
    """Keep (0), then plans of 20, 5 and 10 hours: 20 hours best by 1000, 5 hours 60 behind it
    (within a zone of 100), 10 hours 1000 behind; shared luck."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0, 500, (draws, 1))
    x = common + np.array([0.0, 2000.0, 1940.0, 1000.0]) + rng.normal(0, 20, (draws, 4))
    x[:, 0] = 0.0
    return x


def test_the_best_the_zone_and_the_cheapest_are_named(tmp_path: Path) -> None:
    x = _planted()
    s = _search(tmp_path, x, np.full(4, 64), 64)
    lines = answer(s, "reference", 3)
    assert s.best == 1
    assert lines[0].startswith("Best plan: plan-01 (hours_per_week 20; the option as written).")
    assert s.runners_up == [2]
    assert lines[2].startswith("Within $100 of it: plan-02 (hours_per_week 5), $")
    assert lines[2].endswith(" less.")
    assert s.cheapest_near_best == 2
    assert lines[3].startswith("Cheapest within $100 of the best: plan-02 (hours_per_week 5)")
    assert not any("search space holds" in line for line in lines)
    table = s.table()
    assert list(table.columns[:2]) == ["plan", "outside_coach.hours_per_week"]
    assert table.set_index("plan").loc["plan-01", "standing"] == "best"
    shown = plans_table(s)
    assert list(shown["Plan"][:2]) == ["plan-01", "plan-02"]


def test_only_some_plans_tried_is_said(tmp_path: Path) -> None:
    s = _search(tmp_path, _planted(), np.full(4, 64), 64)
    said = answer(s, "reference", 192)
    assert said[-1].startswith("These plans are a Latin hypercube of 3 of the 192 the search")


def test_draws_run_out_is_said_and_the_survivors_named(tmp_path: Path) -> None:
    x = _planted()
    x[:, 3] = x[:, 1] - 300 + np.random.default_rng(1).normal(0, 3000, 64)  # far, wild
    s = _search(tmp_path, x, np.full(4, 16), 16)
    lines = answer(s, "reference")
    assert s.selection.survivors == (1, 3)
    (other,) = [j for j in s.selection.survivors if j != s.best]
    start = f"The 16 draws ran out before the procedure could rule out {s.label(other)}"
    assert lines[1].startswith(start)
    assert "would let it finish" in lines[1]
    assert "at least 95% of the time" not in lines[1]


def test_keeping_the_baseline_can_be_the_answer(tmp_path: Path) -> None:
    x = -np.abs(_planted())
    x[:, 0] = 0.0
    s = _search(tmp_path, x, np.full(4, 64), 64)
    assert s.best == 0
    assert answer(s, "reference")[0].startswith(
        "Keep reference as it is: on these draws none of the 3 plans"
    )
