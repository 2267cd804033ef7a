"""Run a mutant through the real CLI and judge what happened.

:func:`check` writes a mutant as ``mutant.yaml`` into a work directory that holds copies of every
shipped scenario (and a few odd files, see :func:`tests.fuzz.mutate.write_sandbox`), then, in
process, with ``click.testing.CliRunner`` and the work directory as the current directory:

1. ``coachsim validate mutant.yaml``. Exit 2 must be a *clean refusal*: no traceback, every line
``FILE:LINE:COLUMN: ...``, no line over :data:`MAX_LINE` characters, no raw control characters,
nothing written. Exit 0 must print ``mutant.yaml: ok``. 2. If valid, a short run: ``wrapper.yaml``
extends the mutant with a short horizon, two warm-up weeks and a team of 2 x 3 (so huge teams do not
slow the fuzzer), then ``coachsim run wrapper.yaml -n 1 -j 1 -q -o out``. Exit 0 must be a *clean
run*: ``weekly.csv`` and ``summary.csv`` exist, every number in ``weekly.csv`` is finite (NaN only
in the ratios that ``sim.model.recorder.UNDEFINED_WHEN_EMPTY`` declares empty when there is nothing
to divide by), the managers' hours add up to ``managers x hours_per_day x 5`` every week, and
nothing is written outside ``out/``. 3. If a mutation set ``name:``, the same run without ``-o``:
the default output directory (``outputs/<name>``) must stay inside ``outputs/``, or the run must
refuse cleanly.

Anything else is a failure with a class (for grouping: the stage, the exception type and the
place it was raised, or the check that failed) and a reason. Each CLI call has a time limit
(:func:`time_limit`: 20 s of CPU time, or 60 s of wall time for a call that blocks);
:func:`run_many` runs mutants in worker processes with a memory limit, and kills and replaces a
worker stuck beyond the alarms (in C code that signals cannot interrupt).
Warnings and calls slower than :data:`SLOW` seconds are kept as notes, not failures.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import re
import resource
import shutil
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from tests.fuzz.mutate import (
    MUTANT_FILE,
    PARTNER_FILE,
    Mutant,
    PairPlan,
    is_integer_path,
    mutant,
    pair_plan,
    write_sandbox,
)

WRAPPER_FILE = "wrapper.yaml"
OUT = "out"
COMPARE_OUT = "cmp"
TIMEOUT = 20.0
"""CPU seconds one CLI call may take (see :func:`time_limit`)."""
WALL_FACTOR = 3.0
"""A call may take this many times :data:`TIMEOUT` of wall-clock time."""
MAX_LINE = 400
"""Longest acceptable line of a refusal: a message of about 300 characters and its
``FILE:LINE:COLUMN: field:`` prefix."""
SLOW = 5.0
"""A CLI call slower than this is noted (not a failure)."""
MEMORY_LIMIT = 6 * 2**30
"""Address space of a worker process, bytes: runaway allocations fail instead of swapping."""
SHORT_WEEKS = 20
LATEST_START_CAP = 40

PROBLEM_LINE = re.compile(r"^[^:\n]+:\d+:\d+: ")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
SEPARATORS = re.compile(r"[\u2028\u2029]")
BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
HOURS = (
    "mgr_admin_hours",
    "mgr_meeting_hours",
    "mgr_selling_hours",
    "mgr_coaching_hours",
    "mgr_other_hours",
)
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    """What one mutant did."""

    id: str
    base: str
    description: str
    verdict: str
    """``refused``, ``ran``, ``skipped`` (the short-run wrapper, not the mutant, was refused) or
    ``failure``."""
    failure_class: str = ""
    reason: str = ""
    seconds: float = 0.0
    saved: str = ""
    """Directory the failing mutant was saved to (its work directory), or empty."""
    notes: list[str] = field(default_factory=list)
    """Warnings seen (not failures)."""

    @property
    def failed(self) -> bool:
        return self.verdict == "failure"


class Failure(Exception):
    """A check that failed: ``cls`` groups failures, ``reason`` explains this one."""

    def __init__(self, cls: str, reason: str) -> None:
        super().__init__(cls)
        self.cls = cls
        self.reason = reason


class Hang(BaseException):
    """A CLI call ran past its time limit (a BaseException so the CLI cannot swallow it)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{message} ({kind})")
        self.kind = kind


@contextlib.contextmanager
def time_limit(timeout: float, what: str) -> Iterator[None]:
    """Raise :class:`Hang` in the body after ``timeout`` seconds of CPU time (``SIGPROF``), or
    :data:`WALL_FACTOR` times that of wall time (``SIGALRM``: blocked, not computing).

    CPU time keeps the verdict independent of how loaded the machine is; the wall-clock limit
    catches a call that waits forever (a FIFO, a lock). Works in the main thread only; elsewhere
    the body runs without a limit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def cpu(signum: int, frame: Any) -> None:
        raise Hang(f"> {timeout:g} s CPU", f"{what} computed for more than {timeout:g} s")

    def wall(signum: int, frame: Any) -> None:
        raise Hang(f"> {WALL_FACTOR * timeout:g} s wall", f"{what} did not finish")

    old_prof = signal.signal(signal.SIGPROF, cpu)
    old_alarm = signal.signal(signal.SIGALRM, wall)
    signal.setitimer(signal.ITIMER_PROF, timeout)
    signal.setitimer(signal.ITIMER_REAL, WALL_FACTOR * timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, old_prof)
        signal.signal(signal.SIGALRM, old_alarm)


# --------------------------------------------------------------------------------------------
# Running the CLI


@contextlib.contextmanager
def cwd(path: Path) -> Iterator[None]:
    """Run the body with ``path`` as the current directory."""
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@dataclass
class Call:
    """The result of one CLI call."""

    args: list[str]
    exit_code: int
    output: str
    exception: BaseException | None
    exc_info: Any
    warnings: list[str]


def invoke(args: list[str], timeout: float = TIMEOUT) -> Call:
    """``coachsim ARGS`` in process, with a time limit; raises :class:`Hang` past it."""
    from click.testing import CliRunner

    from cli import main

    def call() -> Any:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("default")
            result = CliRunner().invoke(main, args, catch_exceptions=True)
        shown = sorted(
            {f"{w.category.__name__}: {' '.join(str(w.message).split())}"[:160] for w in seen}
        )
        return result, shown

    what = f"coachsim {' '.join(args)}"
    if threading.current_thread() is threading.main_thread():
        with time_limit(timeout, what):
            result, shown = call()
    else:
        box: list[Any] = []
        worker = threading.Thread(target=lambda: box.append(call()), daemon=True)
        worker.start()
        worker.join(WALL_FACTOR * timeout)
        if worker.is_alive() or not box:
            raise Hang(f"> {WALL_FACTOR * timeout:g} s wall", f"{what} did not finish")
        result, shown = box[0]
    return Call(args, result.exit_code, result.output, result.exception, result.exc_info, shown)


def _call(args: list[str], timeout: float, notes: list[str]) -> Call:
    """:func:`invoke`, noting warnings and slowness."""
    t0 = time.perf_counter()
    call = invoke(args, timeout)
    took = time.perf_counter() - t0
    notes += call.warnings
    if took > SLOW:
        notes.append(f"slow: coachsim {args[0]} took more than {SLOW:g} s")
    return call


def _deepest(tb: Any) -> traceback.FrameSummary | None:
    """The deepest frame in the project's code (or the deepest of all)."""
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if f.filename.startswith(str(ROOT)) and "/.venv/" not in f.filename]
    ours = [f for f in ours if "/tests/fuzz/" not in f.filename] or ours
    chosen = ours or frames
    return chosen[-1] if chosen else None


def _frame(tb: Any, line: bool = False) -> str:
    """``file:function`` (or ``file:line:function``) of :func:`_deepest`."""
    f = _deepest(tb)
    if f is None:
        return "?"
    name = os.path.relpath(f.filename, ROOT) if f.filename.startswith(str(ROOT)) else f.filename
    if "site-packages/" in name:
        name = name.split("site-packages/", 1)[1]
    return f"{name}:{f.lineno}:{f.name}" if line else f"{name}:{f.name}"


def _norm(message: str) -> str:
    """A message with numbers and quoted parts blanked, one line, short (for grouping)."""
    text = message.split("\n", 1)[0]
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'_'", text)
    text = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", text)
    return text[:80].encode("ascii", "backslashreplace").decode()


def _raised(stage: str, call: Call) -> Failure:
    exc = call.exception
    assert exc is not None
    tb = call.exc_info[2] if call.exc_info else None
    where = _frame(tb)
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return Failure(
        f"{stage}: {type(exc).__name__} in {where}: {_norm(str(exc))}",
        f"{type(exc).__name__}: {_printable(str(exc), 200)}\n"
        f"at {_frame(tb, line=True)} in coachsim {' '.join(call.args)}\n{_tail(text, 25)}",
    )


def _tail(text: str, lines: int) -> str:
    rows = text.rstrip("\n").split("\n")
    return "\n".join(rows[-lines:])


def _printable(text: str, limit: int = 300) -> str:
    text = text if len(text) <= limit else text[:limit] + f"... ({len(text):,} chars)"
    return text.encode("unicode_escape").decode("ascii")


# --------------------------------------------------------------------------------------------
# Checks


def refusal_problems(output: str) -> list[tuple[str, str]]:
    """What is wrong with a refusal's output, as (class, example) pairs; empty if clean."""
    out: list[tuple[str, str]] = []
    if "Traceback" in output:
        out.append(("traceback in output", _tail(output, 5)))
    lines = [ln for ln in output.split("\n") if ln.strip()]
    if not lines:
        out.append(("refusal without a message", ""))
    bad_format = [ln for ln in lines if not PROBLEM_LINE.match(ln)]
    if bad_format:
        out.append(("line not 'FILE:LINE:COL: ...'", _printable(bad_format[0], 200)))
    long = [ln for ln in lines if len(ln) > MAX_LINE]
    if long:
        out.append(
            (
                f"line longer than {MAX_LINE} chars",
                f"{len(long[0]):,} chars: " + _printable(long[0], 160),
            )
        )
    for pattern, what in (
        (CONTROL, "raw control characters in output"),
        (SEPARATORS, "raw U+2028/U+2029 line separators in output"),
        (BIDI, "raw bidi/BOM format characters in output"),
    ):
        m = pattern.search(output)
        if m:
            ln = next(x for x in output.split("\n") if pattern.search(x))
            out.append((what, f"{m.group()!r} in: {_printable(ln, 200)}"))
    return out


def snapshot(directory: Path) -> set[str]:
    """Every file and directory below ``directory``, relative."""
    found: set[str] = set()
    for top, dirs, files in os.walk(directory):
        rel = os.path.relpath(top, directory)
        for name in dirs + files:
            found.add(os.path.normpath(os.path.join(rel, name)))
    return found


def _expect_clean_refusal(stage: str, call: Call, before: set[str], workdir: Path) -> None:
    problems = refusal_problems(call.output)
    if problems:
        cls, example = problems[0]
        more = "".join(f"\n  also: {c}" for c, _ in problems[1:])
        raise Failure(
            f"{stage} refusal: {cls}", f"{example}{more}\noutput:\n" + _printable(call.output, 1200)
        )
    new = sorted(snapshot(workdir) - before)
    if new:
        raise Failure(f"{stage} refusal wrote files", f"new: {', '.join(new[:8])}")


def _short_weeks(weeks: int, starts: Sequence[int]) -> int:
    short = min(weeks, SHORT_WEEKS)
    latest = max(starts, default=0)
    if latest + 2 <= LATEST_START_CAP:
        short = max(short, latest + 2)
    return short


def _wrapper(workdir: Path, timeout: float) -> tuple[str, int]:
    """Write the short-run wrapper; (its text, its weeks)."""
    from ruamel.yaml import YAML

    from sim.scenario import load_scenario

    with cwd(workdir), time_limit(timeout, "load_scenario(mutant.yaml)"):
        s = load_scenario(MUTANT_FILE)
    starts = [s.coaching.start_week, *(t.start_week for t in s.training)]
    if s.outside_coach is not None:
        starts.append(s.outside_coach.start_week)
    weeks = _short_weeks(s.weeks, starts)
    data: dict[str, Any] = {"extends": MUTANT_FILE, "name": s.name}
    data.update(weeks=weeks, warmup_weeks=2, team={"managers": 2, "reps_per_manager": 3})
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = False
    with (workdir / WRAPPER_FILE).open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return (workdir / WRAPPER_FILE).read_text(encoding="utf-8"), weeks


def _check_outputs(out: Path, weeks: int) -> None:
    import json

    import numpy as np
    import pandas as pd

    for name in ("weekly.csv", "summary.csv", "manifest.json"):
        if not (out / name).is_file():
            raise Failure(f"run: no {name}", f"{out / name} missing after exit 0")
    weekly = pd.read_csv(out / "weekly.csv")
    if len(weekly) != weeks:
        raise Failure(
            "run: wrong number of weeks", f"weekly.csv has {len(weekly)} rows, expected {weeks}"
        )
    numeric = weekly.select_dtypes(include="number")
    objects = [c for c in weekly.columns if c not in numeric.columns and c != "scenario"]
    if objects:
        raise Failure("run: non-numeric columns in weekly.csv", ", ".join(objects[:5]))
    # Ratios the project declares empty (NaN) when there is nothing to divide by may be NaN.
    import sim.model.recorder

    may_be_nan: frozenset[str] = getattr(sim.model.recorder, "UNDEFINED_WHEN_EMPTY", frozenset())

    def ok(c: str) -> Any:
        v = numeric[c].to_numpy(float)
        return np.isfinite(v) | (np.isnan(v) if c in may_be_nan else False)

    bad = [c for c in numeric.columns if not ok(c).all()]
    if bad:
        rows = weekly.loc[~ok(bad[0]), "week"].tolist()
        raise Failure(
            f"run: non-finite weekly.csv columns: {', '.join(bad[:3])}"
            + (" ..." if len(bad) > 3 else ""),
            f"{len(bad)} columns with nan/inf: {', '.join(bad)}; first column bad in weeks "
            f"{rows[:5]}",
        )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    scenario = manifest["scenario"]
    managers = scenario["team"]["managers"]
    hpd = float(scenario["managers"]["hours_per_day"])
    if managers != 2:
        raise Failure("run: wrapper team not applied", f"manifest team.managers = {managers}")
    expected = managers * hpd * 5
    total = np.sum([weekly[c].to_numpy(float) for c in HOURS], axis=0)
    err = np.abs(total - expected) / expected
    if not (err <= 1e-6).all():
        i = int(np.nanargmax(np.where(np.isfinite(err), err, np.inf)))
        parts = ", ".join(f"{c[4:-6]} {weekly[c].iloc[i]:.6g}" for c in HOURS)
        raise Failure(
            "run: manager hours do not add up to managers x hours_per_day x 5",
            f"week {weekly['week'].iloc[i]}: {parts}; sum {total[i]:.9g} != {expected:g} "
            f"({int((~(err <= 1e-6)).sum())} of {len(weekly)} weeks off)",
        )


def _run_stage(workdir: Path, timeout: float, notes: list[str]) -> str:
    """The short run of a valid mutant; returns the verdict."""
    _, weeks = _wrapper(workdir, timeout)
    before = snapshot(workdir)
    with cwd(workdir):
        call = _call(["run", WRAPPER_FILE, "-n", "1", "-j", "1", "-q", "-o", OUT], timeout, notes)
    if call.exception is not None and not isinstance(call.exception, SystemExit):
        raise _raised("run", call)
    if call.exit_code == 2:
        _expect_clean_refusal("run", call, before, workdir)
        lines = [ln for ln in call.output.split("\n") if ln.strip()]
        if all("-week horizon" in ln or "must be after start_week" in ln for ln in lines):
            return "skipped"
        raise Failure("run refused a scenario that validate accepted", _printable(call.output, 800))
    if call.exit_code != 0:
        raise Failure(
            f"run: exit code {call.exit_code}", _printable(call.output, 800) or "(no output)"
        )
    new = snapshot(workdir) - before
    outside = sorted(p for p in new if p != OUT and not p.startswith(OUT + os.sep))
    if outside:
        raise Failure("run wrote outside -o", f"new: {', '.join(outside[:8])}")
    _check_outputs(workdir / OUT, weeks)
    return "ran"


def _name_stage(workdir: Path, timeout: float, notes: list[str]) -> None:
    """A run without ``-o``: the default output must land inside ``outputs/``."""
    import json

    manifest = json.loads((workdir / OUT / "manifest.json").read_text(encoding="utf-8"))
    name = manifest["scenario"]["name"]
    outputs = workdir / "outputs"
    try:
        target = Path(os.path.abspath(outputs / name))
    except (ValueError, TypeError):
        target = outputs
    risky = [target, target.with_name(target.name + ".partial")] if target.name else []
    escapes = [p for p in risky if not str(p).startswith(str(workdir) + os.sep)]
    existed = {p: _exists(p) for p in escapes}
    blocking = [p for p, e in existed.items() if e and not str(workdir).startswith(str(p))]
    if blocking:
        notes.append(f"default-output run skipped: {blocking[0]} exists")
        return
    before = snapshot(workdir)
    parent_before = set(os.listdir(workdir.parent))
    try:
        with cwd(workdir):
            call = _call(["run", WRAPPER_FILE, "-n", "1", "-j", "1", "-q"], timeout, notes)
    finally:
        created = [p for p in escapes if not existed[p] and _exists(p)]
        for p in created:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    parent_new = sorted(set(os.listdir(workdir.parent)) - parent_before)
    if created or parent_new:
        where = ", ".join([*map(str, created), *parent_new])
        raise Failure(
            "run without -o writes outside the work directory",
            f"name {name!r} -> wrote {_printable(where, 300)}",
        )
    new = sorted(snapshot(workdir) - before)
    stray = [p for p in new if not (p == "outputs" or p.startswith("outputs" + os.sep))]
    if stray:
        raise Failure(
            "run without -o writes outside outputs/",
            f"name {name!r} -> {_printable(', '.join(stray[:5]), 300)}",
        )
    if call.exception is not None and not isinstance(call.exception, SystemExit):
        raise _raised("run without -o", call)
    if call.exit_code == 0:
        direct = [p for p in ("weekly.csv", "manifest.json", "run.json") if p in new_names(new)]
        if direct:
            raise Failure(
                "run without -o writes into outputs/ itself",
                f"name {name!r} -> outputs/{direct[0]}",
            )
        return
    text = [ln for ln in call.output.split("\n") if ln.strip()]
    if "Traceback" in call.output or len(text) != 1 or CONTROL.search(call.output):
        raise Failure(
            f"run without -o: unclean exit {call.exit_code}", _printable(call.output, 600)
        )
    if [p for p in new if p != "outputs"]:
        raise Failure("run without -o failed but left files", ", ".join(new[:5]))


CLICK_LINES = ("Error: ", "Usage: ", "Try '")
"""Lines of a refusal by the command line itself (an option's value, settings that cannot go
together) rather than by a file: click's usage error, or one ``Error:`` line."""


def _expect_clean_command_refusal(stage: str, call: Call, before: set[str], workdir: Path) -> None:
    """Exit 2 of a command: no traceback, each line a located problem or click's own lines,
    nothing written."""
    lines = [ln for ln in call.output.split("\n") if ln.strip()]
    if "Traceback" in call.output or "please report" in call.output or not lines:
        raise Failure(f"{stage} refusal: unclean", _printable(call.output, 800))
    odd = [ln for ln in lines if not (PROBLEM_LINE.match(ln) or ln.startswith(CLICK_LINES))]
    if odd:
        raise Failure(
            f"{stage} refusal: a line neither located nor Error:", _printable(odd[0], 300)
        )
    new = sorted(snapshot(workdir) - before)
    if new:
        raise Failure(f"{stage} refusal wrote files", f"new: {', '.join(new[:8])}")


def _typed(value: str) -> float:
    """A ``--set`` value as the command reads it (a percentage is a share)."""
    text = value.strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def _compare_stage(workdir: Path, plan: PairPlan, timeout: float, notes: list[str]) -> None:
    """The valid mutant compared with a partner file (another horizon, team or sales process,
    either as the baseline, perhaps with a ``--set`` sweep): it must run to complete files, or
    be refused before any work in clean lines; never an internal error after the work, and
    never a value other than the one given."""
    import json

    import numpy as np
    import pandas as pd

    from sim.scenario import load_scenario

    with cwd(workdir), time_limit(timeout, "load_scenario(wrapper.yaml)"):
        mine = load_scenario(WRAPPER_FILE)
    (workdir / PARTNER_FILE).write_text(plan.partner_text(mine.weeks), encoding="utf-8")
    with cwd(workdir), time_limit(timeout, "load_scenario(partner.yaml)"):
        try:
            theirs = load_scenario(PARTNER_FILE)
        except Exception:
            notes.append("pair skipped: the partner file does not load")
            return
    files = [WRAPPER_FILE, PARTNER_FILE] if plan.mutant_first else [PARTNER_FILE, WRAPPER_FILE]
    args = ["compare", *files, "-n", "1", "-j", "1", "-q", "-o", COMPARE_OUT]
    if plan.sets:
        args += ["--set", f"{plan.sets[0]}={','.join(plan.sets[1])}"]
    elif mine.uncertain is not None or theirs.uncertain is not None:
        args += ["--uncertainty", "4"]  # a few draws (the default, 512, is minutes)
    before = snapshot(workdir)
    with cwd(workdir):
        call = _call(args, timeout, notes)
    if call.exception is not None and not isinstance(call.exception, SystemExit):
        raise _raised("compare", call)
    stages_differ = mine.stage_names() != theirs.stage_names()
    if stages_differ and call.exit_code != 2:
        raise Failure(
            "compare: files with other stages not refused as such", _printable(call.output, 800)
        )
    if call.exit_code == 2:
        _expect_clean_command_refusal("compare", call, before, workdir)
        return
    if call.exit_code != 0:
        raise Failure(
            f"compare: exit code {call.exit_code}", _printable(call.output, 800) or "(no output)"
        )
    out = workdir / COMPARE_OUT
    table = "sweep.csv" if plan.sets else "comparison.csv"
    for name in (table, "weekly.csv", "manifest.json", "report.html"):
        if not (out / name).is_file():
            raise Failure(f"compare: no {name}", f"{out / name} missing after exit 0")
    shortest = min(mine.weeks, theirs.weeks)
    weekly = pd.read_csv(out / "weekly.csv", usecols=["scenario", "week"])
    if int(weekly["week"].max()) != shortest - 1:
        raise Failure(
            "compare: not over the shared horizon",
            f"weeks {mine.weeks} and {theirs.weeks}, weekly.csv to week {weekly['week'].max()}",
        )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    said = any("compared over the first" in n for n in manifest.get("notes", []))
    if said != (mine.weeks != theirs.weeks):
        raise Failure(
            "compare: the shared horizon not said (or said without cause)",
            f"weeks {mine.weeks} and {theirs.weeks}; notes {manifest.get('notes')}",
        )
    numbers = pd.read_csv(out / table).select_dtypes(include="number").to_numpy(float)
    if np.isinf(numbers).any():
        raise Failure(f"compare: infinite values in {table}", _printable(str(numbers[:3]), 300))
    if plan.sets:
        path, typed = plan.sets
        given = list(dict.fromkeys(_typed(v) for v in typed))
        swept = list(dict.fromkeys(pd.read_csv(out / table)[path].astype(float)))
        if swept != given:
            raise Failure(
                "compare: a swept value other than the one given",
                f"--set {path}={','.join(typed)} ran {swept}",
            )
        if is_integer_path(path) and any(v != round(v) for v in given):
            raise Failure("compare: a fraction ran for a whole-number setting", f"{path}: {given}")


def new_names(new: Sequence[str]) -> set[str]:
    """Names of new files written directly in ``outputs/``."""
    return {p.split(os.sep, 1)[1] for p in new if p.startswith("outputs" + os.sep)}


def _exists(p: Path) -> bool:
    try:
        return os.path.lexists(p)
    except (ValueError, OSError):
        return False


def check(m: Mutant, workdir: Path, timeout: float = TIMEOUT) -> Outcome:
    """Validate and, if valid, briefly run ``m`` in ``workdir`` (see the module docstring)."""
    t0 = time.perf_counter()
    workdir = Path(os.path.abspath(workdir))
    write_sandbox(workdir)
    (workdir / MUTANT_FILE).write_bytes(m.data())
    notes: list[str] = []
    verdict, cls, reason = "refused", "", ""
    stage = "validate"
    described = m.description
    try:
        before = snapshot(workdir)
        with cwd(workdir):
            call = _call(["validate", MUTANT_FILE], timeout, notes)
        if call.exception is not None and not isinstance(call.exception, SystemExit):
            raise _raised("validate", call)
        if call.exit_code == 2:
            _expect_clean_refusal("validate", call, before, workdir)
        elif call.exit_code == 0:
            lines = call.output.strip().splitlines()
            said = ("  ", f"{MUTANT_FILE}: warning: ")  # its figures, and workload warnings
            if (
                not lines
                or lines[0] != f"{MUTANT_FILE}: ok"
                or not all(line.startswith(said) for line in lines[1:])
            ):
                raise Failure(
                    "validate: unexpected output for a valid file", _printable(call.output, 600)
                )
            if snapshot(workdir) - before:
                raise Failure("validate wrote files", ", ".join(snapshot(workdir) - before))
            stage = "run"
            verdict = _run_stage(workdir, timeout, notes)
            if verdict == "ran" and "name_odd:" in m.description:
                stage = "run without -o"
                _name_stage(workdir, timeout, notes)
            if verdict == "ran":
                stage = "compare"
                plan = pair_plan(m.seed, m.index)
                described = f"{m.description}; {plan.describe()}"
                _compare_stage(workdir, plan, timeout, notes)
        else:
            raise Failure(f"validate: exit code {call.exit_code}", _printable(call.output, 600))
    except Failure as exc:
        verdict, cls, reason = "failure", exc.cls, exc.reason
    except Hang as exc:
        verdict, cls, reason = "failure", f"{stage}: hang ({exc.kind})", str(exc)
    except Exception as exc:
        tb = traceback.format_exc()
        verdict = "failure"
        cls = f"{stage}: harness saw {type(exc).__name__} in {_frame(exc.__traceback__)}"
        reason = _tail(tb, 20)
    return Outcome(
        id=m.id,
        base=m.base,
        description=described,
        verdict=verdict,
        failure_class=cls,
        reason=reason,
        seconds=time.perf_counter() - t0,
        notes=sorted(set(notes)),
    )


# --------------------------------------------------------------------------------------------
# Saving failures and running many mutants


def save_failure(m: Mutant, outcome: Outcome, workdir: Path | None, out_dir: Path) -> Path:
    """Keep a failing mutant's work directory as ``out_dir/<id>`` with the reason and commands."""
    dest = out_dir / m.id
    if dest.exists():
        shutil.rmtree(dest)
    out_dir.mkdir(parents=True, exist_ok=True)
    if workdir is not None and workdir.exists():
        shutil.move(str(workdir), str(dest))
        for leftover in ("outputs", OUT):
            if (dest / leftover).is_dir():
                shutil.rmtree(dest / leftover, ignore_errors=True)
    else:
        write_sandbox(dest)
        (dest / MUTANT_FILE).write_bytes(m.data())
    coachsim = ROOT / ".venv" / "bin" / "coachsim"
    cmds = [f"cd {dest} && {coachsim} validate {MUTANT_FILE}"]
    if (dest / WRAPPER_FILE).exists():
        cmds.append(f"cd {dest} && {coachsim} run {WRAPPER_FILE} -n 1 -j 1 -q -o {OUT} --force")
    if (dest / PARTNER_FILE).exists():
        cmds.append(f"# compare: {pair_plan(m.seed, m.index).describe()}")
    cmds.append(f"cd {ROOT} && {sys.executable} -m tests.fuzz --seed {m.seed} --only {m.index}")
    (dest / "reason.txt").write_text(
        f"id: {m.id}\nbase: {m.base}\nmutations: {m.description}\n"
        f"class: {outcome.failure_class}\n\n{outcome.reason}\n\nreproduce:\n"
        + "\n".join(cmds)
        + "\n",
        encoding="utf-8",
    )
    outcome.saved = str(dest)
    return dest


def _limit_memory(limit: int) -> None:
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _worker(conn: Connection, root: str, out_dir: str, timeout: float, memory: int) -> None:
    """A worker process: receives (seed, index), sends back Outcomes; ``None`` stops it."""
    _limit_memory(memory)
    log = os.open(os.path.join(root, f"worker-{os.getpid()}.log"), os.O_WRONLY | os.O_CREAT, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    home = Path(root) / f"w{os.getpid()}"
    home.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        seed, index = task
        m = mutant(seed, index)
        workdir = home / m.id
        outcome = check(m, workdir, timeout)
        if outcome.failed:
            save_failure(m, outcome, workdir, Path(out_dir))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        conn.send(outcome)


@dataclass
class _Slot:
    proc: Any
    conn: Connection
    task: tuple[int, int] | None = None
    started: float = 0.0


def run_pool(
    seed: int,
    indices: Sequence[int],
    out_dir: Path,
    work_root: Path,
    worker: Callable[[Connection, str, str, float, int], None],
    lost_outcome: Callable[[tuple[int, int], str, str, float, Path], Outcome],
    workers: int = 2,
    timeout: float = TIMEOUT,
    memory: int = MEMORY_LIMIT,
    progress: Callable[[Outcome, int, int], None] | None = None,
) -> list[Outcome]:
    """Check mutants ``indices`` of ``seed`` in ``workers`` processes running ``worker``
    (receives (seed, index), sends back Outcomes; ``None`` stops it); failures go to
    ``out_dir``. A worker that does not answer within four time limits plus a margin (a hang
    the alarms could not break, in C code) or dies is replaced, and its mutant is the failure
    ``lost_outcome(task, why, class, seconds, out_dir)`` makes. Shared by the scenario fuzzer
    and the CRM export fuzzer (tests/fuzz/crm_harness.py)."""
    ctx = mp.get_context("spawn")
    work_root.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    deadline = 4 * WALL_FACTOR * timeout + 30
    todo = list(indices)[::-1]
    results: list[Outcome] = []
    slots: list[_Slot] = []

    def spawn() -> _Slot:
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(
            target=worker,
            args=(theirs, str(work_root), str(out_dir), timeout, memory),
            daemon=True,
        )
        proc.start()
        theirs.close()
        return _Slot(proc, mine)

    def feed(slot: _Slot) -> None:
        if todo:
            slot.task = (seed, todo.pop())
            slot.started = time.monotonic()
            slot.conn.send(slot.task)
        else:
            slot.task = None

    def lost(slot: _Slot, why: str, cls: str) -> Outcome:
        assert slot.task is not None
        return lost_outcome(slot.task, why, cls, time.monotonic() - slot.started, out_dir)

    def done(o: Outcome) -> None:
        results.append(o)
        if progress:
            progress(o, len(results), len(indices))

    try:
        for _ in range(max(1, min(workers, len(todo)))):
            slot = spawn()
            slots.append(slot)
            feed(slot)
        while any(s.task is not None for s in slots):
            busy = [s for s in slots if s.task is not None]
            ready = wait([s.conn for s in busy], timeout=1.0)
            now = time.monotonic()
            for i, slot in enumerate(slots):
                if slot.task is None:
                    continue
                if slot.conn in ready:
                    try:
                        done(slot.conn.recv())
                        feed(slot)
                        continue
                    except (EOFError, OSError):
                        slot.proc.join(5)
                        code = slot.proc.exitcode
                        done(
                            lost(
                                slot,
                                f"worker process died (exit code {code})",
                                f"worker died (exit code {code})",
                            )
                        )
                elif now - slot.started > deadline:
                    slot.proc.kill()
                    slot.proc.join(5)
                    done(
                        lost(
                            slot,
                            f"no answer in {deadline:g} s; the worker was killed "
                            "(stuck where signals could not interrupt)",
                            "hang: worker killed",
                        )
                    )
                else:
                    continue
                slot.conn.close()
                slots[i] = spawn()
                feed(slots[i])
    finally:
        for slot in slots:
            with contextlib.suppress(OSError, BrokenPipeError):
                slot.conn.send(None)
        for slot in slots:
            slot.proc.join(10)
            if slot.proc.is_alive():
                slot.proc.kill()
    order = {i: n for n, i in enumerate(indices)}
    results.sort(key=lambda o: order.get(int(o.id.rsplit("-", 1)[1]), 0))
    return results


def _lost(task: tuple[int, int], why: str, cls: str, took: float, out_dir: Path) -> Outcome:
    m = mutant(*task)
    o = Outcome(m.id, m.base, m.description, "failure", cls, why, took)
    save_failure(m, o, None, out_dir)
    return o


RunMany = Callable[..., list[Outcome]]
"""A fuzzer's ``run_many(seed, indices, out_dir, work_root, workers=2, timeout=..., memory=...,
progress=None)``."""


def pool_runner(
    worker: Callable[[Connection, str, str, float, int], None],
    lost_outcome: Callable[[tuple[int, int], str, str, float, Path], Outcome],
    default_timeout: float,
) -> RunMany:
    """A fuzzer's ``run_many``: :func:`run_pool` with its worker, its lost-mutant outcome and
    its own time limit. Shared by the scenario fuzzer and the CRM export fuzzer."""

    def run_many(
        seed: int,
        indices: Sequence[int],
        out_dir: Path,
        work_root: Path,
        workers: int = 2,
        timeout: float = default_timeout,
        memory: int = MEMORY_LIMIT,
        progress: Callable[[Outcome, int, int], None] | None = None,
    ) -> list[Outcome]:
        """Check mutants ``indices`` of ``seed`` in ``workers`` processes (see
        :func:`run_pool`)."""
        return run_pool(
            seed,
            indices,
            out_dir,
            work_root,
            worker,
            lost_outcome,
            workers,
            timeout,
            memory,
            progress,
        )

    return run_many


run_many = pool_runner(_worker, _lost, TIMEOUT)
"""Check scenario mutants ``indices`` of ``seed`` in worker processes."""


def summarize(outcomes: Sequence[Outcome]) -> dict[str, list[Outcome]]:
    """Failures grouped by class, largest group first."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.failed:
            groups.setdefault(o.failure_class, []).append(o)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def fuzz_all(
    a: Any,
    out: Path,
    run: Callable[..., list[Outcome]],
    report: Callable[[Sequence[Outcome], float, int], str],
    prefix: str,
    every: int = 100,
) -> int:
    """Run the mutants the command line ``a`` asks for (``seed``, ``start``, ``count``,
    ``workers``, ``timeout``, ``quiet``) with ``run``, printing progress every ``every``
    mutants and each failure; write ``summary.txt`` and ``outcomes.json`` to ``out``. The exit
    status: 1 if any mutant failed. Shared by ``python -m tests.fuzz`` and the CRM fuzzer."""
    import json
    import tempfile

    t0 = time.perf_counter()

    def progress(o: Outcome, done: int, total: int) -> None:
        if a.quiet:
            return
        if o.failed:
            print(f"[{done}/{total}] FAIL {o.id}: {o.failure_class[:150]}", flush=True)
        elif done % every == 0 or done == total:
            rate = done / (time.perf_counter() - t0)
            print(f"[{done}/{total}] {rate:.2f} mutants/s", flush=True)

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        outcomes = run(
            a.seed,
            range(a.start, a.start + a.count),
            out,
            Path(tmp),
            workers=a.workers,
            timeout=a.timeout,
            progress=progress,
        )
    wall = time.perf_counter() - t0
    text = report(outcomes, wall, a.workers)
    print("\n" + text)
    (out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    (out / "outcomes.json").write_text(
        json.dumps([o.__dict__ for o in outcomes], indent=1, default=str) + "\n",
        encoding="utf-8",
    )
    print(f"\nfailing mutants and summary in {out}")
    return 1 if any(o.failed for o in outcomes) else 0
