"""Writing a command's output folder: whole or not at all, never over a folder coachsim did not
write, over its own only with force."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.job.folder import staged
from sim.job.spec import JobProblems


def _write(target: Path, text: str, force: bool = False) -> None:
    with staged(target, force, "test", 0) as d:
        (d / "a.txt").write_text(text)


def test_a_folder_is_written_whole_and_replaced_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "out"
    _write(target, "one")
    assert (target / "a.txt").read_text() == "one"
    with pytest.raises(JobProblems, match="use --force"):
        _write(target, "two")
    _write(target, "two", force=True)
    assert (target / "a.txt").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failure_part_way_leaves_the_target_as_it_was_and_nothing_behind(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out"
    _write(target, "one")

    def fail_part_way() -> None:
        with staged(target, True, "test", 0) as d:
            (d / "a.txt").write_text("half")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        fail_part_way()
    assert (target / "a.txt").read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_folder_coachsim_did_not_write_is_never_replaced(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    with pytest.raises(JobProblems):
        _write(theirs, "x", force=True)
    assert (theirs / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs"]
