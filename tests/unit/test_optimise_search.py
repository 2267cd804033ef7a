"""The search loop (sim.optimise.search.search) on planted observations: the engine is replaced
by a function of (plan, draw), so searches that go far past the screen run in a moment, and a
search stopped anywhere resumes to the same tables."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.optimise.search as search_module
from sim.experiment.uncertainty import plan
from sim.optimise.search import METRICS, Store, search
from sim.optimise.space import Plan, make_plans, read_space
from sim.scenario import Scenario, load_scenario
from sim.scenario.designs import Design
from tests.conftest import SCENARIOS

# Plan means (thousands): the best, one close behind it that swings wildly against it (KN keeps
# it long), one within the zone, and two far behind.
MEANS = {"plan-01": 1000.0, "plan-02": 990.0, "plan-03": 940.0, "plan-04": 955.0, "plan-05": 0.0}
SWING = {"plan-02": 400.0, "plan-04": 200.0}


def _npv(name: str, draw: int) -> float:
    """A plan's NPV in a draw: its mean, the draw's shared part, and its own noise."""
    seed = int(hashlib.sha256(f"{name}:{draw}".encode()).hexdigest()[:8], 16)
    shared = np.random.default_rng(draw).normal(0, 300)
    own = np.random.default_rng(seed).normal(0, SWING.get(name, 10.0))
    return MEANS[name] + shared + own


def _fake_runs(calls: list[tuple[int, int, tuple[str, ...]]]) -> Callable[..., None]:
    def run_draws(
        baseline: Scenario,
        plans: Sequence[Plan],
        design: Design,
        seed: int,
        start: int,
        stop: int,
        executor: object,
        keep: Callable[[int, pd.DataFrame], None],
    ) -> None:
        calls.append((start, stop, tuple(p.name for p in plans)))
        for d in range(start, stop):
            rows = pd.DataFrame(
                {
                    "plan": [p.name for p in plans],
                    "draw": d,
                    "replication": d,
                    **{m: [_npv(p.name, d) for p in plans] for m in METRICS},
                }
            )
            keep(d, rows)

    return run_draws


def _search(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    store: Store | None = None,
    stop_after: int | None = None,
) -> tuple[search_module.Search, list[tuple[int, int, tuple[str, ...]]]]:
    calls: list[tuple[int, int, tuple[str, ...]]] = []
    monkeypatch.setattr(search_module, "_run_draws", _fake_runs(calls))
    base = load_scenario(SCENARIOS / "reference.yaml")
    option = load_scenario(SCENARIOS / "outside_coach_evidence.yaml")
    space = tmp_path / "space.yaml"
    space.write_text("choices:\n  outside_coach.hours_per_week: [20, 19, 18, 17, 16]\n")
    plans, _ = make_plans(option, read_space(space, option, []), 0)
    design, _ = plan([base, option], 256, 1, 0)

    def progress(done: int, total: int) -> None:
        if stop_after is not None and done >= stop_after:
            raise KeyboardInterrupt

    found = search(base, plans, design, 0, 25.0, progress=progress, store=store)
    return found, calls


def test_a_search_past_the_screen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    found, calls = _search(monkeypatch, tmp_path)
    assert found.best == 1
    sel = found.selection
    assert sel.draws_seen > 32, "KN ran on after the screen"
    assert {3, 5}.issubset(j for j, r in sel.eliminated_at.items() if r == 32)
    # every plan's figures use the draws it had when it went out, or the best's
    assert found.used[1] == sel.draws_seen
    for j, r in sel.eliminated_at.items():
        assert found.used[j] in (r, found.used[1])
    # a plan within the zone on fewer draws is run on to the best's draws
    near = [j for j in found.runners_up if j]
    assert near
    assert all(found.used[j] == found.used[1] for j in near)
    # no plan-draw is run twice
    seen = [(name, d) for start, stop, names in calls for d in range(start, stop) for name in names]
    assert len(seen) == len(set(seen))
    assert len(found.rows) == sum(int(found.used[j]) for j in range(1, 6))


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.2, 0.6, 0.9, 0.99])
def test_a_search_stopped_anywhere_resumes_to_the_same_tables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fraction: float
) -> None:
    whole, _ = _search(monkeypatch, tmp_path)
    runs = len(whole.rows)
    store = Store(tmp_path / "draws")
    with pytest.raises(KeyboardInterrupt):
        _search(monkeypatch, tmp_path, store, stop_after=int(fraction * runs))
    resumed, _ = _search(monkeypatch, tmp_path, store)
    pd.testing.assert_frame_equal(resumed.table(), whole.table())
    pd.testing.assert_frame_equal(resumed.rows, whole.rows)
    assert resumed.selection == whole.selection
