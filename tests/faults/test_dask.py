"""Dask: a cluster that loses its workers or its scheduler, or never had any, ends the run in one
line that keeps the finished batches; a malformed address is one line; tasks are handed out a
window at a time; and a resume on a new cluster gives the files a serial run gives.

These tests start real ``dask scheduler`` and ``dask worker`` processes on localhost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from sim.experiment.cluster import DaskExecutor  # noqa: E402
from sim.experiment.executors import ClusterLost, ExecutorError  # noqa: E402
from tests.conftest import ROOT, SCENARIOS  # noqa: E402
from tests.faults import dask_tasks  # noqa: E402

DASK = str(Path(sys.executable).with_name("dask"))
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
NO_WORKERS_S = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Cluster:
    """A scheduler and workers as separate process groups on localhost."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.address = ""

    def _spawn(self, args: list[str], log: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        with open(self.tmp / log, "ab") as err:
            p = subprocess.Popen(
                args,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
                start_new_session=True,  # its own process group, killed as a whole
            )
        self.procs.append(p)
        return p

    def start_scheduler(self, **config: str) -> str:
        env = {**ENV, **{f"DASK_DISTRIBUTED__SCHEDULER__{k.upper()}": v for k, v in config.items()}}
        for _ in range(5):  # a free port can be taken between choosing and binding it
            port = free_port()
            p = self._spawn(
                [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                "scheduler.log",
                env,
            )
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and p.poll() is None and not listening(port):
                time.sleep(0.05)
            if p.poll() is None and listening(port):
                self.scheduler = p
                self.address = f"tcp://127.0.0.1:{port}"
                return self.address
            self.kill(p)
        raise RuntimeError("could not start a dask scheduler")

    def start_worker(self, nanny: bool = False) -> subprocess.Popen[bytes]:
        return self._spawn(
            [
                DASK,
                "worker",
                self.address,
                "--nthreads",
                "1",
                "--no-dashboard",
                "--nanny" if nanny else "--no-nanny",
                "--host",
                "127.0.0.1",
            ],
            "worker.log",
            ENV,
        )

    def wait_workers(self, n: int, timeout: float = 20) -> None:
        from distributed import Client

        with Client(self.address, timeout=10, set_as_default=False) as c:
            c.wait_for_workers(n, timeout=timeout)

    @staticmethod
    def kill(p: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, sig)
        if sig == signal.SIGKILL:
            p.wait(10)

    def close(self) -> None:
        for p in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGCONT)
            self.kill(p)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def one_worker(cluster: Cluster) -> Cluster:
    cluster.start_scheduler()
    cluster.start_worker()
    cluster.wait_workers(1)
    return cluster


Make = Callable[..., DaskExecutor]


@pytest.fixture
def make() -> Iterator[Make]:
    """DaskExecutor(...), closed at teardown even when the test fails."""
    made: list[DaskExecutor] = []

    def factory(*args: object, **kwargs: object) -> DaskExecutor:
        ex = DaskExecutor(*args, **kwargs)  # type: ignore[arg-type]
        made.append(ex)
        return ex

    yield factory
    for ex in made:
        ex.close()


def loop_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "IO loop" and t.is_alive()]


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    """Every test leaves no distributed event-loop thread and distributed's log levels as found."""
    names = ("distributed", "distributed.client", "tornado")
    before = {n: logging.getLogger(n).level for n in names}
    yield
    deadline = time.monotonic() + 5
    while loop_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert loop_threads() == []
    assert {n: logging.getLogger(n).level for n in names} == before


def one_line(exc: BaseException) -> str:
    msg = str(exc)
    assert msg, msg
    assert "\n" not in msg, msg
    assert len(msg) < 300, msg
    # raised "from None": nothing chained that would print a second traceback
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__
    return msg


def closes_fast(ex: DaskExecutor, limit: float = 6.0) -> None:
    t = time.monotonic()
    ex.close()
    assert time.monotonic() - t < limit


def test_normal_run_gives_all_results_a_window_at_a_time(one_worker: Cluster) -> None:
    pulled = 0

    def tasks() -> Iterator[int]:
        nonlocal pulled
        for i in range(10**9):
            pulled += 1
            yield i

    with DaskExecutor(one_worker.address, no_worker_timeout_s=NO_WORKERS_S) as ex:
        assert ex.workers == 1
        assert dict(ex.run(dask_tasks.square, range(20))) == {i: i * i for i in range(20)}
        window = max(4, 2 * ex.workers)
        gen = ex.run(dask_tasks.square, tasks())
        for n, (i, r) in enumerate(gen, start=1):
            assert r == i * i
            assert pulled <= n + window
            if n == 6:
                break
        gen.close()
        assert pulled <= 6 + window


def test_task_exception_propagates_as_itself(one_worker: Cluster) -> None:
    with DaskExecutor(one_worker.address, no_worker_timeout_s=NO_WORKERS_S) as ex:
        with pytest.raises(dask_tasks.TaskFailed, match="task 3 failed on purpose") as info:
            for _ in ex.run(dask_tasks.fail_on_3, range(10)):
                pass
        assert not isinstance(info.value, ExecutorError)


def run_until(ex: DaskExecutor, after: int, action: Callable[[], object]) -> tuple[float, str]:
    """Run slow tasks from an endless iterator; after ``after`` results call ``action()``.
    Returns the seconds from the action to ClusterLost, and its one-line message."""
    t_action = None
    with pytest.raises(ClusterLost) as info:  # noqa: PT012 (the loop is what raises)
        for n, (i, r) in enumerate(ex.run(dask_tasks.slow_square, iter(range(10**9))), 1):
            assert r == i * i
            if n == after:
                action()
                t_action = time.monotonic()
            assert n < after + 100, "ClusterLost never came"
    assert t_action is not None
    return time.monotonic() - t_action, one_line(info.value)


def test_losing_the_last_worker_ends_the_run_in_one_line(one_worker: Cluster, make: Make) -> None:
    worker = one_worker.procs[-1]
    ex = make(one_worker.address, no_worker_timeout_s=NO_WORKERS_S)
    took, msg = run_until(ex, 2, lambda: one_worker.kill(worker))
    assert "lost its last worker" in msg
    assert f"{NO_WORKERS_S:g} s" in msg
    assert NO_WORKERS_S - 0.5 <= took <= NO_WORKERS_S + 3
    closes_fast(ex)


def test_a_scheduler_without_workers_ends_the_run_in_one_line(cluster: Cluster, make: Make) -> None:
    cluster.start_scheduler()
    ex = make(cluster.address, no_worker_timeout_s=NO_WORKERS_S)
    t = time.monotonic()
    with pytest.raises(ClusterLost, match="has had no workers") as info:
        for _ in ex.run(dask_tasks.square, range(10)):
            pass
    one_line(info.value)
    assert NO_WORKERS_S - 0.5 <= time.monotonic() - t <= NO_WORKERS_S + 3
    closes_fast(ex)


def test_losing_the_scheduler_ends_the_run_at_once(one_worker: Cluster, make: Make) -> None:
    ex = make(one_worker.address, no_worker_timeout_s=NO_WORKERS_S)
    scheduler = one_worker.scheduler
    assert scheduler is not None
    took, msg = run_until(ex, 2, lambda: one_worker.kill(scheduler))
    assert "lost the connection to the Dask scheduler at tcp://127.0.0.1:" in msg
    assert took < 3
    closes_fast(ex)


MALFORMED = [
    "foo",
    "tcp://",
    "tcp://host:notaport",
    "http://x:1",
    "tcp://[::1",
    "",
    "x" * 5000,
    "tcp://127.0.0.1:99999",
    "tcp://127.0.0.1:8786\n",
    "inproc://foo",
    "tls://127.0.0.1:8786",
    "tcp://no-such-host.invalid:8786",
]


@pytest.mark.parametrize("address", MALFORMED, ids=lambda a: repr(a[:30]))
def test_a_malformed_address_is_one_line_at_once(address: str) -> None:
    t = time.monotonic()
    with pytest.raises(ExecutorError) as info:
        DaskExecutor(address)
    assert time.monotonic() - t < 2
    assert not isinstance(info.value, ClusterLost)
    one_line(info.value)


def test_a_silent_server_is_not_waited_on_forever() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    conns: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                conns.append(srv.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        t = time.monotonic()
        with pytest.raises(ExecutorError) as info:
            DaskExecutor(f"tcp://127.0.0.1:{srv.getsockname()[1]}", connect_timeout_s=3)
        assert time.monotonic() - t < 6
        one_line(info.value)
    finally:
        srv.close()
        for c in conns:
            c.close()


# -- the command line on a cluster -----------------------------------------------------------


SMALL = "extends: {ref}\nname: {name}\nweeks: 26\nwarmup_weeks: 3\nteam:\n  managers: 3\n{extra}"


def _coachsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )


def test_a_run_that_loses_its_cluster_resumes_to_the_serial_files(
    cluster: Cluster, tmp_path: Path
) -> None:
    ref = (SCENARIOS / "reference.yaml").resolve()
    base, alt = tmp_path / "base.yaml", tmp_path / "alt.yaml"
    base.write_text(SMALL.format(ref=ref, name="base", extra=""))
    alt.write_text(SMALL.format(ref=ref, name="alt", extra="outside_coach:\n  format: virtual\n"))
    args = ["compare", str(base), str(alt), "-n", "30", "--seed", "8", "-q", "--batch-size", "1"]
    serial = _coachsim(*args, "-o", str(tmp_path / "serial"), "-j", "1")
    assert serial.returncode == 0, serial.stderr

    address = cluster.start_scheduler()
    worker = cluster.start_worker()
    cluster.wait_workers(1)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            *args,
            "-o",
            str(out),
            "--scheduler",
            address,
            "--cluster-timeout",
            "3",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    parts = tmp_path / "out.partial" / "parts" / "summary"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(parts.glob("part-*"))) < 3:
        time.sleep(0.05)
    cluster.kill(worker)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert "lost its last worker" in last, err
    assert "finished batches kept in" in last, err
    hint = last.split("finish with: ")[1]
    # The program as it was started (python cli.py here), so the line runs as typed.
    program = shlex.join([sys.executable, str(ROOT / "cli.py")])
    assert hint.startswith(f"{program} compare --resume "), hint
    assert f"--scheduler {address}" in hint

    cluster.start_worker()
    cluster.wait_workers(1)
    done = subprocess.run(
        shlex.split(hint), cwd=ROOT, capture_output=True, text=True, timeout=300, env=ENV
    )
    assert done.returncode == 0, done.stderr
    for name in ("weekly.csv", "summary.csv", "comparison.csv"):
        assert (tmp_path / "serial" / name).read_bytes() == (out / name).read_bytes(), name
    assert json.loads((out / "manifest.json").read_text())["replications"] == 30


def test_distributed_s_unretrieved_task_errors_are_dropped_and_nothing_else() -> None:
    """The traceback that once failed the test above (asyncio's "Task exception was never retrieved"
    for distributed's AllExit, logged when the task is collected) never reaches the user."""
    from sim.experiment.dask_client import DistributedTaskNoise

    scope: dict[str, object] = {}
    exec(
        compile(
            "def gather():\n    raise RuntimeError('AllExit')\n",
            f"{os.sep}site{os.sep}distributed{os.sep}client.py",
            "exec",
        ),
        scope,
    )

    def record_of(fn: Callable[[], None]) -> logging.LogRecord:
        try:
            fn()
        except RuntimeError:
            info = sys.exc_info()
        return logging.LogRecord(
            "asyncio", logging.ERROR, "x", 1, "Task exception was never retrieved", None, info
        )

    def ours() -> None:
        raise RuntimeError("ours")

    noise = DistributedTaskNoise()
    assert noise.filter(record_of(scope["gather"])) is False  # type: ignore[arg-type]
    assert noise.filter(record_of(ours)) is True
    assert noise.filter(logging.LogRecord("asyncio", logging.ERROR, "x", 1, "plain", None, None))
