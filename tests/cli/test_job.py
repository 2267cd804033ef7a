"""The library does what a command does: a typed Job, run end to end from Python."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.job import Executor, Job, JobInvalid, JobRefused, run_job
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

TINY = "extends: {ref}\nname: {name}\nweeks: 6\nwarmup_weeks: 2\nteam:\n  managers: 2\n{extra}"


def _scenario(tmp: Path, name: str, extra: str = "") -> Path:
    path = tmp / f"{name}.yaml"
    ref = (SCENARIOS / "reference.yaml").resolve()
    path.write_text(TINY.format(ref=ref, name=name, extra=extra))
    return path


def test_a_comparison_job_from_python_writes_what_the_command_writes(tmp_path: Path) -> None:
    files = [
        _scenario(tmp_path, "base"),
        _scenario(tmp_path, "alt", "outside_coach:\n  format: virtual\n"),
    ]
    ticks: list[int] = []
    notes: list[str] = []

    class Progress:
        def __init__(self, total: int, label: str) -> None:
            assert total == 3
            assert label == "compare base"

        def __enter__(self):  # type: ignore[no-untyped-def]
            return lambda done, new_total=None: ticks.append(done)

        def __exit__(self, *exc: object) -> None:
            pass

    job = Job(
        kind="compare",
        scenarios=tuple(load_scenario(str(f)) for f in files),
        files=tuple(str(f) for f in files),
        replications=3,
        seed=5,
        output=tmp_path / "out",
        executor=Executor(jobs=1),
        command="test",
    )
    done = run_job(job, Progress, notes.append)
    assert done.target == tmp_path / "out"
    assert done.comparison is not None
    assert ticks[-1] == 3
    table = pd.read_csv(done.target / "comparison.csv")
    assert set(table["scenario"]) == {"alt"}
    weekly = pd.read_csv(done.target / "weekly.csv")
    assert set(weekly["seed"]) == {5}
    assert len(weekly) == 2 * 3 * 6
    with pytest.raises(JobRefused, match="already exists"):
        run_job(job)


def test_a_job_that_makes_no_sense_is_invalid(tmp_path: Path) -> None:
    s = load_scenario(str(_scenario(tmp_path, "same")))
    with pytest.raises(JobInvalid, match="names must differ"):
        run_job(Job(kind="compare", scenarios=(s, s), output=tmp_path / "o"))
    with pytest.raises(JobInvalid, match="name the scenario"):
        run_job(Job(kind="run"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.yaml"]
