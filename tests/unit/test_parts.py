"""A batch's parts: they read back as the tables they were written from, a changed part is
refused, and weekly.csv's text comes back in order from worker processes."""

from __future__ import annotations

import io
import operator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.experiment.executors as executors
from sim.experiment.executors import ordered_map
from sim.experiment.parts import StoreError, csv_texts, parquet_blob, read_checked, sha256


def _frames() -> list[pd.DataFrame]:
    return [
        pd.DataFrame(
            {
                "scenario": [name] * 3,
                "replication": np.arange(3, dtype=np.int64) + r,
                "revenue": [1.5, np.nan, 3e12],
                "deals_won": [38.0, 0.0, 1.0],
                "held": [True, False, True],
            }
        )
        for r, name in enumerate(("reference", 'outside coach, "quoted"'))
    ]


def test_a_part_reads_back_as_the_frames_it_was_written_from() -> None:
    frames = _frames()
    back = pd.read_parquet(io.BytesIO(parquet_blob(frames)))
    pd.testing.assert_frame_equal(back, pd.concat(frames, ignore_index=True), check_exact=True)
    assert isinstance(back.index, pd.RangeIndex)


def test_a_part_that_changed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "part.parquet"
    blob = parquet_blob(_frames())
    path.write_bytes(blob)
    assert read_checked(path, sha256(blob)).shape == (6, 5)
    path.write_bytes(blob[:-1] + b"x")
    with pytest.raises(StoreError, match="changed while the run was using it"):
        read_checked(path, sha256(blob))


def test_csv_texts_split_a_part_by_scenario_with_one_header(tmp_path: Path) -> None:
    frames = _frames()
    blob = parquet_blob(frames)
    names = [str(f.scenario.iloc[0]) for f in frames]
    path = tmp_path / "part.parquet"
    path.write_bytes(blob)
    first, second = csv_texts((path, sha256(blob), names, True))
    assert first == frames[0].to_csv(index=False)
    assert second == frames[1].to_csv(index=False, header=False)
    without = csv_texts((path, sha256(blob), names, False))[0]
    assert without == frames[0].to_csv(index=False, header=False)


def test_ordered_map_gives_each_result_in_order_from_worker_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(executors, "ORDERED_MIN_TASKS", 1)
    tasks = list(range(40))
    assert list(ordered_map(operator.neg, tasks, workers=2, ahead=1)) == [-t for t in tasks]
    assert list(ordered_map(operator.neg, tasks, workers=1)) == [-t for t in tasks]


def test_an_error_in_a_worker_process_reaches_the_caller(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(executors, "ORDERED_MIN_TASKS", 1)
    path = tmp_path / "part.parquet"
    path.write_bytes(parquet_blob(_frames()))
    tasks = [(path, "0" * 64, ["reference"], True)] * 3
    with pytest.raises(StoreError, match="changed while the run was using it"):
        list(ordered_map(csv_texts, tasks, workers=2))
