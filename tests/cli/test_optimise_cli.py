"""coachsim optimise from the command line: a small search end to end, a planted best plan found
across seeds, the same answer however the work is split or stopped, and the refusals (one line
per problem, exit 2, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from sim.experiment.output import MARKER, identity, write_json
from sim.experiment.uncertainty import plan
from sim.optimise.search import Store, search
from sim.optimise.space import make_plans, read_space
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

REFERENCE = str((SCENARIOS / "reference.yaml").resolve())
EVIDENCE = str((SCENARIOS / "outside_coach_evidence.yaml").resolve())

# Coach-the-coach makes the managers better coaches for good: in these scenarios it is worth
# millions, while the travel cost of an in-person session changes the NPV by a few thousand.
# So the best plan is planted among near-equals: coach-the-coach, at the lowest travel cost.
PLANTED = """\
choices:
  outside_coach.coach_the_coach: [false, true]
  outside_coach.travel_cost_per_session_usd: [60, 200, 400]
"""


def _optimise(tmp_path: Path, space: str, *args: str) -> tuple[int, str, str, Path]:
    f = tmp_path / "space.yaml"
    f.write_text(space, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["optimise", REFERENCE, EVIDENCE, str(f), "-o", str(out), "-q", *args]
    )
    return result.exit_code, result.stdout, result.stderr, out


@pytest.mark.slow
def test_a_search_finds_the_planted_best_plan_and_writes_its_files(tmp_path: Path) -> None:
    code, out, err, folder = _optimise(
        tmp_path, PLANTED, "--draws", "48", "-j", "1", "--zone", "100000"
    )
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("Best plan:"), out
    assert "coach_the_coach yes" in first
    meta = json.loads((folder / "optimise.json").read_text())
    table = pd.read_csv(folder / "plans.csv")
    best = table[table["plan"] == meta["best"]].iloc[0]
    assert bool(best["outside_coach.coach_the_coach"])
    # every plan without coach-the-coach is out, and keeping the reference team too
    without = table[table["outside_coach.coach_the_coach"] == False]  # noqa: E712
    assert (without["standing"] == "out").all()
    assert table.loc[table["plan"] == "keep the baseline", "standing"].item() == "out"
    # the answer's scenario files load, and run as compare would
    for name in meta["plan_files"]:
        loaded = load_scenario(folder / "plans" / f"{name}.yaml")
        assert loaded.outside_coach is not None
        assert loaded.outside_coach.coach_the_coach
    evaluations = pd.read_csv(folder / "evaluations.csv")
    assert set(evaluations["plan"]) == set(table["plan"]) - {"keep the baseline"}
    assert (folder / "report.html").read_text().count("optimise-frontier") >= 1
    assert not (tmp_path / "out.partial").exists()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_the_planted_best_is_found_on_other_seeds(tmp_path: Path, seed: int) -> None:
    code, out, err, _folder = _optimise(
        tmp_path, PLANTED, "--draws", "32", "-j", "2", "--seed", str(seed)
    )
    assert code == 0, err
    assert "coach_the_coach yes" in out.splitlines()[0]


def _search(
    store: Store | None, stop_after: int | None = None, seed: int = 3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    base = load_scenario(REFERENCE)
    option = load_scenario(EVIDENCE)
    space = read_space(SCENARIOS / "spaces" / "outside_coach.yaml", option, [])
    plans, _ = make_plans(option, space, seed)
    plans = plans[:6]
    design, _ = plan([base, option], 44, 1, seed)

    def progress(done: int, total: int) -> None:
        if stop_after is not None and done >= stop_after:
            raise KeyboardInterrupt

    found = search(base, plans, design, seed, 150_000.0, store=store, progress=progress)
    return found.table(), found.rows


@pytest.mark.slow
def test_a_stopped_search_resumes_to_the_same_answer(tmp_path: Path) -> None:
    """Stopped in the screen, on the model itself: the resumed search's tables are the
    uninterrupted search's (tests/unit/test_optimise_search.py stops later searches)."""
    table, rows = _search(None)
    store = Store(tmp_path / "draws")
    with pytest.raises(KeyboardInterrupt):
        _search(store, stop_after=60)
    resumed_table, resumed_rows = _search(store)
    pd.testing.assert_frame_equal(resumed_table, table)
    pd.testing.assert_frame_equal(resumed_rows, rows)


@pytest.mark.slow
def test_the_answer_is_the_same_on_one_or_two_processes_or_dask(tmp_path: Path) -> None:
    runs = {"serial": ["-j", "1"], "procs": ["-j", "2"], "dask": ["--dask-local", "2"]}
    tables = {}
    for name, how in runs.items():
        (tmp_path / name).mkdir()
        code, _, err, folder = _optimise(
            tmp_path / name, PLANTED, "--draws", "36", "--seed", "4", *how
        )
        assert code == 0, err
        tables[name] = [(folder / t).read_bytes() for t in ("plans.csv", "evaluations.csv")]
    assert tables["procs"] == tables["serial"]
    assert tables["dask"] == tables["serial"]


def test_a_bad_space_is_refused_in_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    code, _out, err, folder = _optimise(tmp_path, "choices:\n  skill.improvement: [0.1]\n")
    assert code == 2
    assert "space.yaml:2:3: choices.skill.improvement:" in err
    assert "Traceback" not in err
    assert not folder.exists()
    assert not (tmp_path / "out.partial").exists()


def test_an_existing_output_or_stopped_search_is_not_replaced_silently(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    code, _, err, _ = _optimise(tmp_path, PLANTED)
    assert code == 2
    assert "already exists" in err
    (tmp_path / "out").rmdir()
    partial = tmp_path / "out.partial"
    partial.mkdir()
    write_json(partial / MARKER, identity("optimise", "seed-0"))
    code, _, err, _ = _optimise(tmp_path, PLANTED)
    assert code == 2
    assert "--resume" in err
    (partial / "job.json").write_text(json.dumps({"seed": 99}))
    code, _, err, _ = _optimise(tmp_path, PLANTED, "--resume")
    assert code == 2
    assert "holds another search" in err
    assert "seed" in err


def test_nothing_to_resume(tmp_path: Path) -> None:
    code, _, err, _ = _optimise(tmp_path, PLANTED, "--resume")
    assert code == 2
    assert "nothing to resume" in err
