"""Faults: kills at random points, tampering, races and a full disk end in identical files after
a resume, or in a clean one-line refusal. Never in mixed, partial or silently different results.

These tests start the real command line in child processes and hurt it from outside, as a
machine or a user would. Each compares against an uninterrupted run of the same seed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SCENARIOS, stderr_after_worker_killed

SMALL = "extends: {ref}\nname: {name}\nweeks: 26\nwarmup_weeks: 3\nteam:\n  managers: 3\n{extra}"
TABLES = ("weekly.csv", "summary.csv", "comparison.csv")

pytestmark = pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")


def _scenarios(tmp: Path) -> list[str]:
    ref = (SCENARIOS / "reference.yaml").resolve()
    base, alt = tmp / "base.yaml", tmp / "alt.yaml"
    base.write_text(SMALL.format(ref=ref, name="base", extra=""))
    alt.write_text(SMALL.format(ref=ref, name="alt", extra="outside_coach:\n  format: virtual\n"))
    return [str(base), str(alt)]


def _coachsim(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # SIGABRT prints every thread's stack
    )


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _reference(tmp: Path, args: list[str]) -> Path:
    ref = tmp / "ref"
    done = _run(*args, "-o", str(ref), "-j", "1")
    assert done.returncode == 0, done.stderr
    return ref


def _same(a: Path, b: Path) -> None:
    for name in TABLES:
        if (a / name).exists():
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _parts(partial: Path) -> int:
    return len(list((partial / "parts" / "summary").glob("part-*.parquet")))


def _wait_for_parts(partial: Path, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _parts(partial) < count and proc.poll() is None:
        time.sleep(0.02)


def _children(pid: int) -> list[int]:
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(pid):
            out.append(int(status.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _workers(pid: int) -> list[int]:
    return [p for p in _children(pid) if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]


@pytest.mark.parametrize("victim", ["parent", "worker"])
def test_kills_at_random_points_then_resuming_give_identical_files(
    tmp_path: Path, victim: str
) -> None:
    """SIGKILL (no chance to clean up) of the parent or of one worker after a random number of
    batches, three times in one run. A killed parent's workers leave within seconds; a killed
    worker stops the run with the resume command; every resume ends in the uninterrupted
    files."""
    files = _scenarios(tmp_path)
    args = ["compare", *files, "-n", "24", "--seed", "3", "-q", "--batch-size", "2"]
    ref = _reference(tmp_path, args)
    rng = random.Random(f"20261129-{victim}")
    out = tmp_path / "cut"
    partial = tmp_path / "cut.partial"
    proc = _coachsim(*args, "-o", str(out), "-j", "2")
    for _ in range(3):
        _wait_for_parts(partial, _parts(partial) + rng.randint(1, 3), proc)
        children = _children(proc.pid)
        workers = _workers(proc.pid)
        if proc.poll() is not None or not workers:
            break
        if victim == "parent":
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(_alive(c) for c in children):
                time.sleep(0.1)
            assert not any(_alive(c) for c in children), "workers outlived their parent"
        else:
            os.kill(rng.choice(workers), signal.SIGKILL)
            err = stderr_after_worker_killed(proc)
            assert proc.returncode == 1, err
            assert "a worker process died" in err
            assert "Traceback" not in err
            program = f"{sys.executable} {ROOT / 'cli.py'}"  # the resume runs as it was started
            assert f"finish with: {program} compare --resume {partial} -j 2 -q" in err
        assert not out.exists()
        proc = _coachsim("compare", "--resume", str(partial), "-j", "2", "-q")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    _same(ref, out)


def test_a_second_process_into_the_same_output_is_refused_and_results_do_not_mix(
    tmp_path: Path,
) -> None:
    files = _scenarios(tmp_path)
    out = tmp_path / "out"
    a = _coachsim(
        "run",
        files[0],
        "-n",
        "40",
        "--seed",
        "1",
        "-o",
        str(out),
        "-j",
        "1",
        "-q",
        "--batch-size",
        "1",
    )
    _wait_for_parts(tmp_path / "out.partial", 1, a)
    os.kill(a.pid, signal.SIGSTOP)  # hold A mid-run, lock and all, while B and C try
    try:
        b = _run("run", files[0], "-n", "12", "--seed", "2", "-o", str(out), "--force", "-q")
        assert b.returncode == 1, b.stderr
        assert "Traceback" not in b.stderr, b.stderr
        assert f"is being written by another coachsim run (pid {a.pid}," in b.stderr
        c = _run("run", "--resume", str(tmp_path / "out.partial"), "-q")
        assert c.returncode == 1, c.stderr
        assert f"(pid {a.pid}," in c.stderr, c.stderr
    finally:
        os.kill(a.pid, signal.SIGCONT)
    _, err = a.communicate(timeout=300)
    assert a.returncode == 0, err
    seeds = {line.split(",")[2] for line in (out / "weekly.csv").read_text().splitlines()[1:]}
    assert seeds == {"1"}


def _tamper(partial: Path, rng: random.Random) -> str:
    """Damage one file of a partial run at random; say what was done."""
    files = sorted(p for p in partial.rglob("*") if p.is_file())
    victim = rng.choice(files)
    blob = bytearray(victim.read_bytes())
    how = rng.choice(["flip", "zero", "truncate", "delete", "append"])
    if how == "delete":
        victim.unlink()
    elif how == "truncate":
        victim.write_bytes(bytes(blob[: rng.randint(0, max(len(blob) - 1, 0))]))
    elif how == "append":
        victim.write_bytes(bytes(blob) + b'{"batch": 99}\n')
    elif blob:
        at = rng.randrange(len(blob))
        span = rng.randint(1, 50)
        for i in range(at, min(at + span, len(blob))):
            blob[i] = 0 if how == "zero" else blob[i] ^ (1 << rng.randrange(8))
        victim.write_bytes(bytes(blob))
    return f"{how} {victim.relative_to(partial)}"


def test_random_tampering_ends_in_identical_files_or_a_clean_refusal(tmp_path: Path) -> None:
    """Twelve random damages to an interrupted run's folder: a resume either refuses in plain
    lines (exit 1 or 2) or finishes with exactly the uninterrupted files; never different
    numbers with exit 0."""
    files = _scenarios(tmp_path)
    args = ["compare", *files, "-n", "8", "--seed", "6", "-q", "--batch-size", "2"]
    ref = _reference(tmp_path, args)
    pristine = tmp_path / "pristine.partial"
    shutil.copytree(ref, pristine, symlinks=True)
    for name in ("weekly.csv", "summary.csv", "comparison.csv", "report.html", "manifest.json"):
        (pristine / name).unlink()
    rng = random.Random(7)
    outcomes = {"finished": 0, "refused": 0}
    for trial in range(12):
        out = tmp_path / f"t{trial}"
        partial = tmp_path / f"t{trial}.partial"
        shutil.copytree(pristine, partial, symlinks=True)
        what = _tamper(partial, rng)
        done = _run("compare", "--resume", str(partial), "-j", "1", "-q")
        assert "Traceback" not in done.stderr, (what, done.stderr)
        if done.returncode == 0:
            _same(ref, out)
            outcomes["finished"] += 1
        else:
            assert done.returncode in (1, 2), (what, done.returncode, done.stderr)
            lines = done.stderr.strip().splitlines()
            assert lines, (what, lines)
            assert all(len(ln) < 400 for ln in lines), (what, lines)
            assert not out.exists()
            outcomes["refused"] += 1
    assert outcomes["finished"], outcomes
    assert outcomes["refused"], outcomes


def _mount(where: Path, options: str) -> Iterator[Path]:
    """A tmpfs at ``where``, where the machine lets the tests mount one (root on Linux)."""
    where.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
            check=True,
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot mount a small file system here")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=10)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB file system."""
    yield from _mount(tmp_path / "disk", "size=1m")


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    """A file system mounted read-only (permissions do not stop root; this does)."""
    yield from _mount(tmp_path / "ro", "ro,size=1m")


def test_a_read_only_location_is_one_line_before_any_work(
    tmp_path: Path, read_only_disk: Path
) -> None:
    files = _scenarios(tmp_path)
    for out in (read_only_disk / "out", read_only_disk / "deeper" / "out"):
        done = _run("run", files[0], "-n", "2", "-o", str(out), "-q")
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert "the file system is read-only" in lines[0], lines


def test_a_full_disk_keeps_what_fits_and_resume_finishes_once_there_is_room(
    tmp_path: Path, small_disk: Path
) -> None:
    files = _scenarios(tmp_path)
    args = ["compare", *files, "-n", "12", "--seed", "2", "-q", "--batch-size", "2"]
    ref = _reference(tmp_path, args)
    out = small_disk / "out"
    full = _run(*args, "-o", str(out), "-j", "1")
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    line = full.stderr.strip().splitlines()[-1]
    assert "no space left on the disk" in line, line
    assert not out.exists()
    subprocess.run(
        ["mount", "-o", "remount,size=64m", str(small_disk)], check=True, capture_output=True
    )
    if (small_disk / "out.partial").exists():
        done = _run("compare", "--resume", str(small_disk / "out.partial"), "-q")
    else:  # nothing fitted, nothing kept: the run starts over
        done = _run(*args, "-o", str(out), "-j", "1")
    assert done.returncode == 0, done.stderr
    _same(ref, out)
    assert json.loads((out / "manifest.json").read_text())["replications"] == 12
