"""Run a CRM-export mutant through ``coachsim calibrate`` and judge what happened.

:func:`check` writes a mutant (:mod:`tests.fuzz.crm_mutate`) into a work directory and, in
process, with ``click.testing.CliRunner`` (:func:`tests.fuzz.harness.invoke`) and the work
directory as the current directory, runs ``coachsim calibrate ARGS -o team.yaml`` (without
``-q``: the data-quality ledger is printed and judged). The command's contract:

- exit 0: ``team.yaml`` exists, ``sim.scenario.load_scenario`` accepts it (every number finite
  and in bounds), the output holds ``Data quality:``, no other file appeared, and, when the
  mutation damaged rows in a way the readers can tell (:attr:`CrmMutant.damaged`), the ledger
  says "set aside" or "repaired"; with ``--strict`` it says neither;
- exit 2: a clean refusal: no ``Traceback``, no ``please report``, a message, every line at most
  :data:`~tests.fuzz.harness.MAX_LINE` characters, no raw control characters (nor line
  separators, bidi marks or a BOM), and nothing written;
- exit 3: a fit that cannot match: the output says ``no scenario was written`` and nothing was
  written;
- anything else (exit 1, an exception, a hang, running out of memory) is a failure, and so is
  any output quoting :attr:`CrmMutant.secret` (a ``.env`` or credentials file named by mistake).

Each call has :data:`TIMEOUT` seconds of CPU time (a clean calibration of the small seed team
takes two or three) and :data:`WALL_FACTOR` times that of wall time (a FIFO read blocks).
:func:`run_many` runs mutants in worker processes with a memory limit and replaces a worker stuck
beyond the alarms; failing mutants are saved with ``reason.txt``, the output and the commands that
reproduce them.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
import time
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import tests.fuzz.harness as harness
from tests.fuzz.crm_mutate import CrmMutant, crm_mutant, write_mutant
from tests.fuzz.harness import (
    BIDI,
    CONTROL,
    MAX_LINE,
    ROOT,
    SEPARATORS,
    Call,
    Failure,
    Hang,
    Outcome,
    _frame,
    _limit_memory,
    _norm,
    _printable,
    _raised,
    _tail,
    cwd,
    invoke,
    snapshot,
    summarize,
    time_limit,
)

OUT_FILE = "team.yaml"
OUTPUT_FILE = ".calibrate-output.txt"
"""The command's output, kept beside a failing mutant (written after it is judged)."""
TIMEOUT = 60.0
"""CPU seconds one calibrate call may take."""
WALL_FACTOR = 1.5
"""A call may take this many times :data:`TIMEOUT` of wall-clock time (a blocked read)."""
SLOW = 20.0
"""A call slower than this is noted (not a failure)."""
VERDICTS = ("refused", "ran", "poor fit", "failure")

__all__ = ["Outcome", "check", "command", "run_many", "save_failure", "summarize"]


def command(m: CrmMutant) -> list[str]:
    """The CLI arguments ``m`` is checked with."""
    return ["calibrate", *m.args, "-o", OUT_FILE]


@contextlib.contextmanager
def _wall_factor(factor: float) -> Iterator[None]:
    """:func:`tests.fuzz.harness.time_limit` with another wall-clock factor in the body."""
    old = harness.WALL_FACTOR
    harness.WALL_FACTOR = factor
    try:
        yield
    finally:
        harness.WALL_FACTOR = old


def output_problems(output: str) -> list[tuple[str, str]]:
    """What is wrong with a refusal's output, as (class, example) pairs; empty if clean."""
    out: list[tuple[str, str]] = []
    if "Traceback" in output:
        out.append(("traceback in output", _tail(output, 5)))
    if "please report" in output.lower():
        out.append(("'please report' in output", _tail(output, 5)))
    lines = [ln for ln in output.split("\n") if ln.strip()]
    if not lines:
        out.append(("refusal without a message", ""))
    long = [ln for ln in lines if len(ln) > MAX_LINE]
    if long:
        out.append(
            (
                f"line longer than {MAX_LINE} chars",
                f"{len(long[0]):,} chars: " + _printable(long[0], 200),
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


def ledger_text(output: str) -> str:
    """The data-quality ledger the command printed: from ``Data quality:`` to the fit table."""
    if "Data quality:" not in output:
        return ""
    rest = output.split("Data quality:", 1)[1]
    return rest.split("CRM (95% interval)", 1)[0]


def _judge(m: CrmMutant, call: Call, workdir: Path, before: set[str], timeout: float) -> str:
    """The verdict on one call (see the module docstring), or :class:`Failure`."""
    from sim.scenario import load_scenario

    output = call.output
    if m.secret and m.secret in output:
        line = next(ln for ln in output.split("\n") if m.secret in ln)
        raise Failure("secret of a file that is not an export quoted back", _printable(line, 300))
    code = call.exit_code
    written = (workdir / OUT_FILE).exists()
    new = sorted(snapshot(workdir) - before)
    if code == 0:
        if "Traceback" in output:
            raise Failure("exit 0: traceback in output", _tail(output, 8))
        if "Data quality:" not in output:
            raise Failure("exit 0: no 'Data quality:' ledger", _printable(output, 800))
        if not (workdir / OUT_FILE).is_file():
            raise Failure("exit 0: no scenario written", _printable(output, 800))
        stray = [p for p in new if p != OUT_FILE]
        if stray:
            raise Failure("exit 0: wrote other files", f"new: {', '.join(stray[:8])}")
        try:
            with cwd(workdir), time_limit(timeout, "load_scenario(team.yaml)"):
                load_scenario(OUT_FILE)
        except Exception as exc:
            first = str(exc).strip().split("\n")
            raise Failure(
                f"exit 0: the scenario written does not load: {type(exc).__name__}: "
                f"{_norm(first[-1] if first else '')}",
                f"{type(exc).__name__}: {_printable(str(exc), 600)}",
            ) from None
        ledger = ledger_text(output)
        said = "set aside" in ledger or "repaired" in ledger
        if m.strict and said:
            raise Failure(
                "exit 0 with --strict, but the ledger repaired or set aside rows",
                _printable(ledger, 600),
            )
        if m.damaged and not said:
            raise Failure(
                "exit 0: damaged rows not in the ledger (neither set aside nor repaired)",
                _printable(ledger, 600),
            )
        return "ran"
    if code == 2:
        problems = output_problems(output)
        if problems:
            cls, example = problems[0]
            more = "".join(f"\n  also: {c}" for c, _ in problems[1:])
            raise Failure(
                f"refusal: {cls}", f"{example}{more}\noutput:\n" + _printable(output, 1200)
            )
        if written:
            raise Failure("refusal wrote the scenario", _printable(output, 600))
        if new:
            raise Failure("refusal wrote files", f"new: {', '.join(new[:8])}")
        return "refused"
    if code == 3:
        if "Traceback" in output:
            raise Failure("exit 3: traceback in output", _tail(output, 8))
        if "no scenario was written" not in output:
            raise Failure("exit 3 without 'no scenario was written'", _printable(output, 800))
        if written:
            raise Failure("exit 3, but the scenario was written", _printable(output, 400))
        if new:
            raise Failure("exit 3 wrote files", f"new: {', '.join(new[:8])}")
        return "poor fit"
    lines = [ln for ln in output.split("\n") if ln.strip()]
    raise Failure(
        f"exit {code}: {_norm(lines[-1]) if lines else '(no output)'}",
        _printable(output, 1200) or "(no output)",
    )


def check(m: CrmMutant, workdir: Path, timeout: float = TIMEOUT) -> Outcome:
    """Calibrate ``m`` in ``workdir`` and judge it (see the module docstring)."""
    t0 = time.perf_counter()
    workdir = Path(os.path.abspath(workdir))
    write_mutant(m, workdir)
    notes: list[str] = []
    verdict, cls, reason = "failure", "", ""
    output = ""
    try:
        before = snapshot(workdir)
        with cwd(workdir), _wall_factor(WALL_FACTOR):
            call = invoke(command(m), timeout)
        output = call.output
        notes += call.warnings
        if time.perf_counter() - t0 > SLOW:
            notes.append(f"slow: calibrate took more than {SLOW:g} s")
        if call.exception is not None and not isinstance(call.exception, SystemExit):
            raise _raised("calibrate", call)
        verdict = _judge(m, call, workdir, before, timeout)
        if verdict == "ran":
            long = [ln for ln in output.split("\n") if len(ln) > MAX_LINE]
            if long:
                notes.append(f"exit 0: a line of {len(long[0]):,} characters in the output")
            if CONTROL.search(output):
                notes.append("exit 0: raw control characters in the output")
    except Failure as exc:
        verdict, cls, reason = "failure", exc.cls, exc.reason
    except Hang as exc:
        verdict, cls, reason = "failure", f"calibrate: hang ({exc.kind})", str(exc)
    except Exception as exc:
        tb = traceback.format_exc()
        cls = f"harness saw {type(exc).__name__} in {_frame(exc.__traceback__)}"
        verdict, reason = "failure", _tail(tb, 20)
    if verdict == "failure" and output:
        with contextlib.suppress(OSError):
            (workdir / OUTPUT_FILE).write_text(output, encoding="utf-8", errors="replace")
    return Outcome(
        id=m.id,
        base=m.base,
        description=m.description,
        verdict=verdict,
        failure_class=cls,
        reason=reason,
        seconds=time.perf_counter() - t0,
        notes=sorted(set(notes)),
    )


# --------------------------------------------------------------------------------------------
# Saving failures and running many mutants


def save_failure(m: CrmMutant, outcome: Outcome, workdir: Path | None, out_dir: Path) -> Path:
    """Keep a failing mutant as ``out_dir/<id>``: its files written afresh (a work directory may
    hold a FIFO or a 3 GB sparse file, which are made again, not copied), the output, the
    scenario it wrote if any, the reason and the commands that reproduce it."""
    dest = out_dir / m.id
    if dest.exists():
        shutil.rmtree(dest)
    write_mutant(m, dest)
    if workdir is not None:
        for name in (OUTPUT_FILE, OUT_FILE):
            src = workdir / name
            if src.is_file() and not src.is_symlink() and name not in m.files:
                shutil.copyfile(src, dest / ("written-" + name if name == OUT_FILE else name))
    coachsim = ROOT / ".venv" / "bin" / "coachsim"
    cmds = [
        f"cd {shlex.quote(str(dest))} && {coachsim} {shlex.join(command(m))}",
        f"cd {ROOT} && {sys.executable} -m tests.fuzz.crm_main --seed {m.seed} --only {m.index}",
    ]
    (dest / "reason.txt").write_text(
        f"id: {m.id}\nbase: {m.base}\nmutations: {m.description}\n"
        f"damaged: {m.damaged}\nclass: {outcome.failure_class}\n\n{outcome.reason}\n\n"
        "reproduce:\n" + "\n".join(cmds) + "\n",
        encoding="utf-8",
    )
    outcome.saved = str(dest)
    return dest


def _worker(conn: Connection, root: str, out_dir: str, timeout: float, memory: int) -> None:
    """A worker process: receives (seed, index), sends back Outcomes; ``None`` stops it."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
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
        m = crm_mutant(*task)
        workdir = home / m.id
        outcome = check(m, workdir, timeout)
        if outcome.failed:
            save_failure(m, outcome, workdir, Path(out_dir))
        shutil.rmtree(workdir, ignore_errors=True)
        conn.send(outcome)


def _lost(task: tuple[int, int], why: str, cls: str, took: float, out_dir: Path) -> Outcome:
    try:
        m = crm_mutant(*task)
    except Exception as exc:  # the mutant itself cannot be made: the fuzzer's own bug
        seed_, index = task
        return Outcome(
            f"{seed_}-{index:05d}",
            "?",
            "?",
            "failure",
            f"fuzzer: mutant not made: {type(exc).__name__}",
            f"{why}; {_tail(traceback.format_exc(), 6)}",
            took,
        )
    o = Outcome(m.id, m.base, m.description, "failure", cls, why, took)
    save_failure(m, o, None, out_dir)
    return o


run_many = harness.pool_runner(_worker, _lost, TIMEOUT)
"""Check CRM mutants ``indices`` of ``seed`` in worker processes (the scenario fuzzer's pool,
:func:`tests.fuzz.harness.run_pool`)."""
