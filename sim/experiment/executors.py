"""Where batches of replications run: in this process, in local processes, or on Dask.

One interface, :meth:`Executor.run`, which takes a function and an iterable of task arguments
and yields ``(task number, result)`` as tasks finish, in any order. Tasks are taken from the
iterable only as workers can start them (a few per worker ahead), so a run of millions of tasks
is never planned in memory. The engine puts results back in order itself, so every back end
gives identical results for the same seed.

Local worker processes watch their parent: if it dies, however it dies, they exit within a
second instead of computing for nobody while holding the terminal and the resource tracker.
They also never see Ctrl-C: a terminal sends SIGINT to every process of the foreground group,
and a worker that took it would print its own KeyboardInterrupt traceback. The parent alone
stops the run and shuts the workers down (see :func:`sigint_blocked`).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

PARENT_CHECK_S = 0.5
"""How often a local worker checks that the process that started it is still there."""


class ExecutorError(Exception):
    """A back end that cannot be used as asked (missing extra, unreachable scheduler)."""


class ClusterLost(ExecutorError):
    """The workers or the scheduler went away during a run; finished batches are kept."""


class Executor:
    """Runs tasks; subclasses decide where."""

    workers = 1
    """How many tasks run at once."""

    @property
    def starting(self) -> str | None:
        """What the executor does before its first task can finish (for a progress display),
        or None if tasks start at once."""
        return None

    def run(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Yield (number, fn(task)) for every task, numbered in the order taken, as they
        finish."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers and connections."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Everything in this process, in order (``-j 1``)."""

    def run(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Run each task here, in order."""
        for i, task in enumerate(tasks):
            yield i, fn(task)


class ProcessExecutor(Executor):
    """Local worker processes (``-j N``), started with spawn so no state leaks from the parent."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = local_pool(workers)

    @property
    def starting(self) -> str | None:
        """Spawned workers import the simulation before their first batch."""
        return f"starting {self.workers} worker processes"

    def run(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Keep two tasks per worker queued, taking more as they finish."""
        # Keep a few tasks queued per worker, not all: an interrupt then loses little.
        pending: dict[Future[Any], int] = {}
        source = iter(tasks)
        numbers = iter(range(2**62))
        more = True
        while more or pending:
            while more and len(pending) < 2 * self.workers:
                task = next(source, _END)
                if task is _END:
                    more = False
                else:
                    with sigint_blocked():  # a submit may start a worker: it inherits the mask
                        future = self._pool.submit(fn, task)
                    pending[future] = next(numbers)
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield pending.pop(fut), fut.result()

    def close(self) -> None:
        """Stop the worker processes, dropping tasks not yet started."""
        self._pool.shutdown(wait=True, cancel_futures=True)


_END = object()

ORDERED_MIN_TASKS = 64
"""Fewer tasks than this run here: starting processes (about a second and a half, importing the
simulation) would cost more than it saves (a weekly.csv part takes about 30 ms)."""


def ordered_map(
    fn: Callable[[Any], Any], tasks: Sequence[Any], workers: int, ahead: int = 3
) -> Iterator[Any]:
    """``fn(task)`` for each task, in order, computed in ``workers`` local processes at most
    ``ahead`` tasks per worker ahead of the caller (here, in order, with one worker or few
    tasks). The processes are started, and stopped, as the run's workers are."""
    if workers <= 1 or len(tasks) < ORDERED_MIN_TASKS:
        yield from map(fn, tasks)
        return
    with sigint_blocked():
        pool = local_pool(workers)
    try:
        window: deque[Future[Any]] = deque()
        source = iter(tasks)
        while True:
            while len(window) < ahead * workers and (task := next(source, _END)) is not _END:
                with sigint_blocked():
                    window.append(pool.submit(fn, task))
            if not window:
                return
            yield window.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def local_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` local processes, started with spawn so no state leaks from this one, each
    ignoring Ctrl-C and watching this process (:func:`start_worker`)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context("spawn"),
        initializer=start_worker,
        initargs=(os.getpid(),),
    )


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """Hold SIGINT off in this thread while worker processes may be started.

    A spawned worker spends its first second or so importing the simulation, before any
    initializer of its own can run; a Ctrl-C then would end it with a traceback. A signal mask
    is inherited by a child and kept across exec, so a worker started inside this block never
    receives SIGINT at all (multiprocessing's resource tracker is started the same way). A
    Ctrl-C that arrives meanwhile is not lost: it waits, and reaches this process at the end of
    the block."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def start_worker(parent: int) -> None:
    """Run in each local worker as it starts: ignore Ctrl-C (the parent stops the run and the
    workers) and exit as soon as ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent)


def watch_parent(parent: int) -> None:
    """Run in each local worker as it starts: exit as soon as ``parent`` is gone.

    A worker whose parent was killed (SIGKILL leaves no chance to clean up) is adopted by
    another process; ``getppid`` then changes, and the worker leaves at once."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="coachsim-watch-parent", daemon=True).start()


def make_executor(
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    cluster_timeout_s: float = 60.0,
    tasks: int | None = None,
) -> Executor:
    """The executor a command line asks for: Dask if named (see :mod:`sim.experiment.cluster`), else
    processes (``-j``), else serial. Local processes are never more than the ``tasks`` there are
    (a run of one batch runs here: starting workers would only cost time)."""
    if scheduler is not None or dask_local is not None:
        from sim.experiment.cluster import DaskExecutor

        return DaskExecutor(scheduler, dask_local, no_worker_timeout_s=cluster_timeout_s)
    n = jobs if jobs is not None else (os.cpu_count() or 1)
    if tasks is not None:
        n = min(n, tasks)
    return SerialExecutor() if n <= 1 else ProcessExecutor(n)
