"""Run control: Ctrl-C, resume, precision and progress say what happened, and only that.

Each test reproduces what a tester saw (issue 15): a resume command that would not run as
printed, worker tracebacks after an early Ctrl-C, a resume that silently ran other settings, a
precision never reached without a word, an interval and a probability from one replication,
progress times without labels, a manifest that forgot the run's own command.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli import main
from sim.job.terminal import progress as _progress
from sim.job.terminal import times as _times
from tests.conftest import ROOT, SCENARIOS

TINY = "extends: {ref}\nname: {name}\nweeks: 6\nwarmup_weeks: 2\nteam:\n  managers: 2\n{extra}"

needs_proc = pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")


def _tiny(tmp: Path, name: str = "tiny", extra: str = "") -> Path:
    path = tmp / f"{name}.yaml"
    ref = (SCENARIOS / "reference.yaml").resolve()
    path.write_text(TINY.format(ref=ref, name=json.dumps(name), extra=extra))
    return path


def _cli(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def _start(args: list[str], program: list[str] | None = None) -> subprocess.Popen[str]:
    """The command line in its own process group, as a terminal starts a foreground job."""
    return subprocess.Popen(
        [*(program or [sys.executable, str(ROOT / "cli.py")]), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _workers(pid: int) -> list[int]:
    """The spawned worker processes of ``pid``."""
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(pid) and b"spawn_main" in cmdline:
            out.append(int(status.parent.name))
    return out


def _wait(until: object, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not until():  # type: ignore[operator]
        time.sleep(0.01)


def _ctrl_c(proc: subprocess.Popen[str], still: object = None) -> tuple[str, str]:
    """What a terminal's Ctrl-C does: SIGINT to every process of the foreground group.

    The group is frozen first (SIGSTOP), so the signal lands in the state the test waited for
    (``still()`` holds), not after a fast machine has already finished the run; it is delivered
    when the group goes on (SIGCONT)."""
    os.killpg(proc.pid, signal.SIGSTOP)
    try:
        assert proc.poll() is None, "the run ended before Ctrl-C"
        assert still is None or still(), "the run went past the state the test waited for"  # type: ignore[operator]
        os.killpg(proc.pid, signal.SIGINT)
    finally:
        os.killpg(proc.pid, signal.SIGCONT)
    return proc.communicate(timeout=120)


def _batches(partial: Path) -> int:
    """Finished batches in the ledger (a batch counts once its line is written)."""
    try:
        return len((partial / "parts" / "batches.jsonl").read_text().splitlines())
    except OSError:
        return 0


# -- 1. the resume command runs as printed ------------------------------------------------------


def _finish_with(err: str) -> str:
    m = re.search(r"finish with: (.+)$", err, re.MULTILINE)
    assert m, err
    return m.group(1)


@needs_proc
@pytest.mark.parametrize("how", ["python cli.py", "installed script", "python -m cli"])
def test_the_resume_command_runs_as_printed(tmp_path: Path, how: str) -> None:
    """The line printed after Ctrl-C starts the program the way it was started (a bare
    ``coachsim`` may not be on the PATH), and running it as typed finishes the run."""
    script = ROOT / ".venv" / "bin" / "coachsim"
    if how == "installed script" and not script.exists():
        pytest.skip("coachsim is not installed in .venv")
    program = {
        "python cli.py": [sys.executable, str(ROOT / "cli.py")],
        "installed script": [os.path.relpath(script, ROOT)],
        "python -m cli": [sys.executable, "-m", "cli"],
    }[how]
    tiny = _tiny(tmp_path)
    out = tmp_path / "out"
    partial = tmp_path / "out.partial"
    args = ["run", str(tiny), "-n", "40", "--batch-size", "2", "-j", "2", "-o", str(out)]
    proc = _start(args, program)
    _wait(lambda: _batches(partial) >= 2, proc)
    _, err = _ctrl_c(proc, still=lambda: _batches(partial) < 20)
    assert proc.returncode == 130, err
    line = _finish_with(err)
    words = shlex.split(line)
    assert words == [*program, "run", "--resume", str(partial), "-j", "2"], line
    done = subprocess.run([*words, "-q"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "manifest.json").read_text())["replications"] == 40


def test_called_from_python_the_resume_command_names_coachsim(tmp_path: Path) -> None:
    """A test runner or a notebook did not type a command: the resume line names coachsim."""
    from sim.experiment.store import Store

    tiny = _tiny(tmp_path)
    out = tmp_path / "out"

    def interrupt(self: Store, force: bool) -> None:
        raise KeyboardInterrupt

    mp = pytest.MonkeyPatch()
    mp.setattr(Store, "finish", interrupt)
    try:
        result = _cli(["run", str(tiny), "-n", "2", "-j", "1", "-o", str(out)])
    finally:
        mp.undo()
    assert result.exit_code == 130
    assert _finish_with(result.output) == f"coachsim run --resume {out}.partial -j 1"


def _run_saving_with(tmp_path: Path, hook: Callable[[Any, list[int]], None]) -> tuple[Result, Path]:
    """``run`` of 6 replications in batches of 2, ``hook(store, reps)`` called after each batch
    is saved; the patch is undone before the result is returned."""
    from sim.experiment.store import Store

    tiny = _tiny(tmp_path)
    out = tmp_path / "out"
    real = Store.save

    def save(self: Store, index: int, reps: list[int], result: Any) -> None:
        real(self, index, reps, result)
        hook(self, reps)

    mp = pytest.MonkeyPatch()
    mp.setattr(Store, "save", save)
    try:
        result = _cli(["run", str(tiny), "-n", "6", "--batch-size", "2", "-j", "1", "-o", str(out)])
    finally:
        mp.undo()
    return result, out


def test_a_ctrl_c_that_library_code_swallows_still_stops_the_run(tmp_path: Path) -> None:
    """A library may swallow Ctrl-C: numpy's dtype comparison, reached while a batch is saved
    to Parquet, drops any exception, KeyboardInterrupt included; about one Ctrl-C in five then
    went unnoticed and the run finished with exit status 0. The interrupt is now noted and
    acted on at the next batch."""

    def swallow(store: Any, reps: list[int]) -> None:
        if len(store.recorded) == 1:
            with contextlib.suppress(KeyboardInterrupt):  # what numpy does with it
                signal.raise_signal(signal.SIGINT)

    result, out = _run_saving_with(tmp_path, swallow)
    assert result.exit_code == 130, result.output
    assert f"interrupted: 1 finished batches kept in {out}.partial" in result.output
    assert not out.exists()


def test_the_batches_kept_are_those_the_ledger_holds(tmp_path: Path) -> None:
    """A Ctrl-C that lands just after a batch's ledger line is written, before the run's own
    record of it, still counts that batch: the count printed is what a resume will find."""

    def interrupt(store: Any, reps: list[int]) -> None:
        if len(store.recorded) == 2:
            del store.recorded[(reps[0], reps[-1])]  # the line is on disk, the record behind
            raise KeyboardInterrupt

    result, out = _run_saving_with(tmp_path, interrupt)
    assert result.exit_code == 130, result.output
    assert f"interrupted: 2 finished batches kept in {out}.partial" in result.output
    done = _cli(["run", "--resume", f"{out}.partial", "-q"])
    assert done.exit_code == 0, done.output
    assert json.loads((out / "manifest.json").read_text())["replications"] == 6


# -- 2. an early Ctrl-C is one clean line -------------------------------------------------------


@needs_proc
def test_ctrl_c_while_workers_start_prints_no_worker_tracebacks(tmp_path: Path) -> None:
    """Ctrl-C reaches every process of the terminal's group, workers included; a worker still
    importing the simulation used to print its own KeyboardInterrupt traceback (100+ lines for
    a few workers). Workers now never see it; the parent stops them and says so once."""
    tiny = _tiny(tmp_path)
    args = ["run", str(tiny), "-n", "40", "--batch-size", "1", "-j", "2"]
    proc = _start([*args, "-o", str(tmp_path / "out")])
    _wait(lambda: len(_workers(proc.pid)) >= 2, proc)
    _, err = _ctrl_c(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("interrupted: "), err


def test_a_worker_ignores_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker initializer: SIGINT ignored (the parent alone stops the run)."""
    import sim.experiment.executors as executors

    monkeypatch.setattr(executors, "watch_parent", lambda parent: None)
    before = signal.getsignal(signal.SIGINT)
    try:
        executors.start_worker(os.getppid())
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


# -- 3. a resume refuses settings that differ from the saved run --------------------------------


def _interrupted(tmp_path: Path, extra: list[str] | None = None) -> Path:
    """An interrupted run of 6 replications, seed 4, batch size 2 (turned back from a finished
    one); returns its partial folder."""
    import shutil

    tiny = _tiny(tmp_path)
    out = tmp_path / "ref"
    args = ["run", str(tiny), "-n", "6", "-j", "1", "-q", "--batch-size", "2", "--seed", "4"]
    assert _cli([*args, *(extra or []), "-o", str(out)]).exit_code == 0
    partial = tmp_path / "cut.partial"
    shutil.copytree(out, partial, symlinks=True)
    for name in ("weekly.csv", "summary.csv", "report.html", "manifest.json"):
        (partial / name).unlink()
    return partial


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else b""
        for p in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["-n", "80"], "-n 80: the interrupted run in {p} was started with -n 6; "),
        (["--seed", "5"], "--seed 5: the interrupted run in {p} was started with --seed 4; "),
        (["--batch-size", "3"], "--batch-size 3: the interrupted run in {p} was started with "),
        (["--precision", "0.1"], "--precision 0.1: the interrupted run in {p} was started without"),
        (["--max-replications", "50"], "--max-replications 50: the interrupted run in {p} was "),
        (["-o", "elsewhere"], "-o elsewhere: a resume writes the interrupted run in {p} to its "),
    ],
)
def test_a_resume_refuses_an_option_that_differs_from_the_saved_run(
    tmp_path: Path, given: list[str], expected: str
) -> None:
    partial = _interrupted(tmp_path)
    before = _tree(tmp_path)
    result = _cli(["run", "--resume", str(partial), *given])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: " + expected.format(p=partial)), lines[0]
    if given[0] != "-o":
        assert f"leave {given[0]} out, or start over with --force" in lines[0]
    assert _tree(tmp_path) == before


def test_a_resume_accepts_options_that_agree_with_the_saved_run(tmp_path: Path) -> None:
    partial = _interrupted(tmp_path)
    result = _cli(
        ["run", "--resume", str(partial), "-n", "6", "--seed", "4", "--batch-size", "2", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "cut" / "manifest.json").read_text())["replications"] == 6


def test_a_resume_of_a_precision_run_refuses_another_precision(tmp_path: Path) -> None:
    partial = _interrupted(tmp_path, ["--precision", "0.5", "--max-replications", "6"])
    result = _cli(["run", "--resume", str(partial), "--precision", "0.01"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(
        f"Error: --precision 0.01: the interrupted run in {partial} was started with "
        "--precision 0.5; "
    )


# -- 4. a precision that is not reached says so --------------------------------------------------


def test_a_precision_not_reached_is_said_on_stderr_and_in_the_manifest(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    out = tmp_path / "p"
    args = ["run", str(tiny), "--precision", "0.0001", "--max-replications", "4", "-j", "1"]
    quiet = _cli([*args, "-o", str(tmp_path / "q"), "-q"])
    assert quiet.exit_code == 0, quiet.output
    # -q prints nothing but errors and warnings: a script that runs quietly is still told
    assert quiet.stdout == ""
    assert quiet.stderr.startswith("warning: --precision 0.0001 was not reached"), quiet.stderr
    assert (
        json.loads((tmp_path / "q" / "manifest.json").read_text())["precision_outcome"]["reached"]
        is False
    )
    result = _cli([*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    outcome = json.loads((out / "manifest.json").read_text())["precision_outcome"]
    assert outcome["reached"] is False
    assert outcome["target_halfwidth_share_of_mean"] == 0.0001
    assert outcome["achieved_halfwidth_share_of_mean"] > 0.0001
    assert outcome["replications"] == 4
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    achieved = f"{outcome['achieved_halfwidth_share_of_mean'] * 100:.3g}%"
    assert warnings[0] == (
        "warning: --precision 0.0001 was not reached: after 4 replications (the "
        f"--max-replications limit) the 95% CI half-width is {achieved} of the mean, not within "
        "0.01%; raise --max-replications to go on"
    )


def test_a_precision_reached_is_recorded_without_a_warning(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    out = tmp_path / "p"
    args = ["run", str(tiny), "--precision", "0.9", "--max-replications", "40", "-j", "1"]
    result = _cli([*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    outcome = json.loads((out / "manifest.json").read_text())["precision_outcome"]
    assert outcome["reached"] is True
    assert outcome["achieved_halfwidth_share_of_mean"] <= 0.9


# -- 5. one replication claims no interval and no probability -----------------------------------


def test_one_replication_of_a_run_prints_no_interval(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    result = _cli(["run", str(tiny), "-n", "1", "-j", "1", "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "nan" not in result.output
    assert "95% CI" not in result.stdout
    assert "(one run: no interval)" in result.stdout
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert warnings == [
        "warning: one replication gives no interval and no probability: its figures are one "
        "possible outcome; run -n 2 or more (20 by default) to see how sure they are"
    ]


def test_one_replication_of_a_comparison_prints_no_interval_and_no_probability(
    tmp_path: Path,
) -> None:
    base = _tiny(tmp_path, "base")
    alt = _tiny(tmp_path, "alt", "outside_coach:\n  format: virtual\n")
    result = _cli(["compare", str(base), str(alt), "-n", "1", "-j", "1", "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("  alt: "))
    assert "nan" not in line
    assert "CI" not in line
    assert "ROI > 0" not in line
    assert "in this one run" in line
    assert result.stderr.count("warning: one replication gives no interval") == 1


def test_two_replications_warn_of_nothing(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    result = _cli(["run", str(tiny), "-n", "2", "-j", "1", "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert "95% CI" in result.stdout


# -- 6. progress: labelled times, and something while workers start -----------------------------


def test_progress_times_are_labelled() -> None:
    assert _times(6.2, 1.4, 3) == "elapsed 0:00:06, about 0:00:01 left"
    assert _times(3725.0, None, 3) == "elapsed 1:02:05"
    assert _times(0.4, 12.0, 0) == "elapsed 0:00:00"


def _last_frame(ticks: list[tuple[int, str | None]]) -> str:
    """The progress bar as last drawn on a terminal after these ticks."""
    from rich.console import Console

    buf = StringIO()
    console = Console(file=buf, force_terminal=True, width=160, color_system=None)
    with _progress(10, "run tiny", False, console) as tick:
        for done, status in ticks:
            tick(done, status=status)
    frames = [f for f in re.split(r"\r\x1b\[2K", buf.getvalue()) if "replications" in f]
    return frames[-1]


def test_progress_says_workers_are_starting_until_the_first_replication() -> None:
    starting = _last_frame([(0, "starting 2 worker processes")])
    assert "starting 2 worker processes..." in starting
    assert "elapsed" not in starting
    running = _last_frame([(0, "starting 2 worker processes"), (4, None)])
    assert "starting" not in running
    assert "4/10" in running
    assert "elapsed 0:00:00" in running


def test_a_local_pool_says_it_starts_its_workers() -> None:
    from sim.experiment.executors import ProcessExecutor, SerialExecutor

    pool = ProcessExecutor(2)
    try:
        assert pool.starting == "starting 2 worker processes"
    finally:
        pool.close()
    assert SerialExecutor().starting is None


def test_the_job_shows_the_starting_status_before_any_replication(tmp_path: Path) -> None:
    """run_job ticks once with the executor's status before the first batch."""
    from contextlib import contextmanager

    from sim.job import Executor, Job, run_job
    from sim.scenario import load_scenario

    seen: list[tuple[int, object]] = []

    @contextmanager
    def progress(total: int, label: str):  # type: ignore[no-untyped-def]
        yield lambda done, new_total=None, status=None: seen.append((done, status))

    tiny = _tiny(tmp_path)
    job = Job(
        kind="run",
        scenarios=(load_scenario(str(tiny)),),
        files=(str(tiny),),
        replications=2,
        batch_size=1,
        output=tmp_path / "o",
        executor=Executor(jobs=2),
    )
    run_job(job, progress)
    assert seen[0] == (0, "starting 2 worker processes")
    assert [d for d, _ in seen[1:]] == [1, 2]


# -- 7. the manifest records what ran ------------------------------------------------------------


@needs_proc
def test_the_manifest_records_the_command_as_typed(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path)
    out = tmp_path / "o"
    args = ["run", str(tiny), "-n", "2", "-j", "1", "-q", "-o", str(out)]
    done = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == shlex.join([sys.executable, str(ROOT / "cli.py"), *args])
    assert manifest["resume_command"] is None


def test_a_resumed_manifest_records_the_original_and_the_resume_command(tmp_path: Path) -> None:
    partial = _interrupted(tmp_path)
    tiny = tmp_path / "tiny.yaml"
    result = _cli(["run", "--resume", str(partial), "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "cut" / "manifest.json").read_text())
    first = ["run", str(tiny), "-n", "6", "-j", "1", "-q", "--batch-size", "2", "--seed", "4"]
    assert manifest["command"] == shlex.join(["coachsim", *first, "-o", str(tmp_path / "ref")])
    assert manifest["resume_command"] == f"coachsim run --resume {partial} -j 1 -q"
    assert (manifest["seed"], manifest["replications"], manifest["batch_size"]) == (4, 6, 2)


def _record(**design: object) -> dict[str, object]:
    record: dict[str, object] = {
        "replications": 1024,
        "seed": 0,
        "precision": None,
        "max_replications": 1000,
        "batch_size": 2,
        "uncertainty": None,
        "sweep": None,
    }
    record.update(design)
    return record


@pytest.mark.parametrize(
    ("record", "given", "refused"),
    [
        (_record(uncertainty={"draws": 512, "reps_per_draw": 2, "sobol_n": 0}), {}, None),
        (
            _record(uncertainty={"draws": 512, "reps_per_draw": 2, "sobol_n": 0}),
            {"replications": 2, "uncertainty": 512},
            None,
        ),
        (
            _record(uncertainty={"draws": 512, "reps_per_draw": 2, "sobol_n": 0}),
            {"replications": 1024},
            "-n 1024: the interrupted run in cut.partial was started with -n 2; ",
        ),
        (
            _record(uncertainty={"draws": 512, "reps_per_draw": 2, "sobol_n": 0}),
            {"uncertainty": 64},
            "--uncertainty 64: the interrupted run in cut.partial was started with "
            "--uncertainty 512; ",
        ),
        (
            _record(uncertainty={"draws": 320, "reps_per_draw": 2, "sobol_n": 64}),
            {"sobol": 128},
            "--sobol 128: the interrupted run in cut.partial was started with --sobol 64; ",
        ),
        (_record(), {"uncertainty": 0}, None),
        (
            _record(sweep={"reps_per_point": 3, "grid": {"a.b": [5.0, 10.0]}, "targets": {}}),
            {"replications": 3, "sets": (("a.b", (5.0, 10.0)),)},
            None,
        ),
        (
            _record(sweep={"reps_per_point": 3, "grid": {"a.b": [5.0, 10.0]}, "targets": {}}),
            {"sets": (("a.b", (5.0, 20.0)),)},
            "--set a.b=5,20: the interrupted run in cut.partial was started with --set a.b=5,10; ",
        ),
    ],
)
def test_a_resume_compares_options_with_the_saved_design(
    record: dict[str, object], given: dict[str, object], refused: str | None
) -> None:
    """With uncertain inputs or a sweep, -n is replications per draw or point, as typed."""
    from sim.job import Job, JobInvalid
    from sim.job.resume import check_given

    job = Job(kind="compare", resume=Path("cut.partial"), given=frozenset(given), **given)  # type: ignore[arg-type]
    if refused is None:
        check_given(job, record, Path("cut"), Path("cut.partial"))
    else:
        with pytest.raises(JobInvalid, match="^" + re.escape(refused)):
            check_given(job, record, Path("cut"), Path("cut.partial"))
