"""Executors, interruption and resume, precision: the same numbers however the run is split."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import ROOT, SCENARIOS, stderr_after_worker_killed

pytestmark = pytest.mark.slow  # runs many replications or processes: not in make test-fast

SMALL = (
    "extends: {ref}\nname: {name}\nweeks: {weeks}\nwarmup_weeks: 3\nteam:\n  managers: {m}\n{extra}"
)
IDENTICAL = ("weekly.csv", "summary.csv", "comparison.csv", "report.html")


def _files(tmp: Path, weeks: int = 10, managers: int = 2) -> tuple[Path, Path]:
    ref = (SCENARIOS / "reference.yaml").resolve()
    base = tmp / "base.yaml"
    base.write_text(SMALL.format(ref=ref, name="base", extra="", weeks=weeks, m=managers))
    alt = tmp / "alt.yaml"
    alt.write_text(
        SMALL.format(
            ref=ref,
            name="alt",
            weeks=weeks,
            m=managers,
            extra="outside_coach:\n  format: virtual\n",
        )
    )
    return base, alt


def _same(a: Path, b: Path, names: tuple[str, ...] = IDENTICAL) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ma = json.loads((a / "manifest.json").read_text())
    mb = json.loads((b / "manifest.json").read_text())
    for volatile in ("created", "wall_time_s", "command", "resume_command"):
        ma.pop(volatile), mb.pop(volatile)
    assert ma == mb


def _start_and_wait(
    tmp_path: Path, args: list[str], out: Path
) -> tuple[subprocess.Popen[str], Path]:
    """Start the command line in a child process; return once two batches are stored."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), *args, "-o", str(out), "-j", "2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # SIGABRT prints every thread's stack
    )
    parts = tmp_path / f"{out.name}.partial" / "parts" / "summary"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(parts.glob("part-*.parquet"))) < 2:
        time.sleep(0.05)
    return proc, parts


def test_serial_processes_and_dask_give_identical_files(tmp_path: Path) -> None:
    base, alt = _files(tmp_path)
    args = ["compare", str(base), str(alt), "-n", "7", "--seed", "4", "-q", "--batch-size", "2"]
    for name, extra in (
        ("serial", ["-j", "1"]),
        ("procs", ["-j", "2"]),
        ("dask", ["--dask-local", "2"]),
    ):
        result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / name), *extra])
        assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "serial" / "run.json").read_text())["batch_size"] == 2
    _same(tmp_path / "serial", tmp_path / "procs")
    _same(tmp_path / "serial", tmp_path / "dask")


def test_dask_without_a_scheduler_says_so(tmp_path: Path) -> None:
    base, _ = _files(tmp_path)
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(base),
            "-n",
            "1",
            "-o",
            str(tmp_path / "o"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
    )
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert "Traceback" not in result.output


def test_interrupted_run_resumes_to_the_same_files(tmp_path: Path) -> None:
    base, alt = _files(tmp_path, weeks=30, managers=4)
    ref = tmp_path / "ref"
    args = ["compare", str(base), str(alt), "-n", "40", "--seed", "2", "-q", "--batch-size", "1"]
    assert CliRunner().invoke(main, [*args, "-o", str(ref), "-j", "1"]).exit_code == 0

    out = tmp_path / "cut"
    proc, parts = _start_and_wait(tmp_path, args, out)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted:" in err
    assert "--resume" in err
    assert "Traceback" not in err
    kept = len(list(parts.glob("part-*.parquet")))
    total = json.loads((tmp_path / "cut.partial" / "run.json").read_text())
    assert 2 <= kept < -(-40 // total["batch_size"]), "interrupted part-way"
    assert not out.exists()

    other = tmp_path / "other.yaml"
    other.write_text(base.read_text().replace("weeks: 30", "weeks: 31"))
    refused = CliRunner().invoke(
        main, ["compare", str(other), str(alt), "--resume", str(tmp_path / "cut.partial")]
    )
    assert refused.exit_code == 1
    assert "different scenarios" in refused.output

    done = CliRunner().invoke(
        main, ["compare", "--resume", str(tmp_path / "cut.partial"), "-q", "-j", "2"]
    )
    assert done.exit_code == 0, done.output
    assert not (tmp_path / "cut.partial").exists()
    _same(ref, out)


def test_precision_adds_replications_until_the_interval_is_tight(tmp_path: Path) -> None:
    base, _ = _files(tmp_path)
    out = tmp_path / "p"
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(base),
            "-n",
            "4",
            "--precision",
            "0.03",
            "--max-replications",
            "200",
            "-o",
            str(out),
            "-j",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    n = manifest["replications"]
    assert manifest["precision"] == 0.03
    revenue = pd.read_csv(out / "summary.csv")["revenue"]
    assert len(revenue) == n
    assert n > 4
    from sim.analysis.intervals import t_halfwidth

    assert t_halfwidth(revenue) <= 0.03 * abs(revenue.mean()) or n == 200


def test_progress_is_one_line_off_a_terminal_and_nothing_when_quiet(tmp_path: Path) -> None:
    base, _ = _files(tmp_path)
    loud = CliRunner().invoke(main, ["run", str(base), "-n", "2", "-o", str(tmp_path / "a")])
    assert loud.exit_code == 0
    assert loud.stderr.strip().splitlines() == [loud.stderr.strip().splitlines()[0]]
    assert "run base: 2 replications in" in loud.stderr
    quiet = CliRunner().invoke(main, ["run", str(base), "-n", "2", "-o", str(tmp_path / "b"), "-q"])
    assert quiet.exit_code == 0
    assert quiet.output == ""


@pytest.mark.skipif(os.cpu_count() == 1, reason="needs two cores to matter")
def test_default_jobs_is_number_of_cores() -> None:
    from sim.experiment.executors import ProcessExecutor, make_executor

    ex = make_executor()
    try:
        assert isinstance(ex, ProcessExecutor)
        assert ex.workers == os.cpu_count()
    finally:
        ex.close()


def _children(pid: int) -> list[int]:
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            out.append(int(status.parent.name))
    return out


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find worker processes")
def test_killed_worker_keeps_finished_batches(tmp_path: Path) -> None:
    base, alt = _files(tmp_path, weeks=30, managers=4)
    args = ["compare", str(base), str(alt), "-n", "30", "--seed", "5", "-q", "--batch-size", "1"]
    ref = tmp_path / "ref"
    assert CliRunner().invoke(main, [*args, "-o", str(ref), "-j", "1"]).exit_code == 0
    out = tmp_path / "cut"
    proc, _ = _start_and_wait(tmp_path, args, out)
    workers = [
        p for p in _children(proc.pid) if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()
    ]
    assert workers, "no worker processes found"
    with contextlib.suppress(ProcessLookupError):
        os.kill(workers[0], signal.SIGKILL)
    err = stderr_after_worker_killed(proc)
    assert proc.returncode == 1, err
    assert "worker process died" in err
    assert "--resume" in err
    assert "Traceback" not in err
    done = CliRunner().invoke(main, ["compare", "--resume", str(tmp_path / "cut"), "-q"])
    assert done.exit_code == 0, done.output
    _same(ref, out)


def test_dask_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from sim.experiment.executors import ExecutorError, make_executor

    real_import = builtins.__import__

    def no_dask(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("distributed"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(ExecutorError, match=r"pip install 'coachsim\[dask\]'"):
        make_executor(dask_local=1)
