"""Where batches of replications run: in this process, in local processes, or on Dask.

One interface, :meth:`Executor.run`, which takes a function and a list of task arguments and
yields ``(task index, result)`` as tasks finish, in any order. The engine puts results back in
order itself, so every back end gives identical results for the same seed.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any


class ExecutorError(Exception):
    """A back end that cannot be used as asked (missing extra, unreachable scheduler)."""


class Executor:
    """Runs tasks; subclasses decide where."""

    workers = 1
    """How many tasks run at once."""

    def run(self, fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[tuple[int, Any]]:
        """Yield (index, fn(task)) for every task, as they finish."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers and connections."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Everything in this process, in order (``-j 1``)."""

    def run(self, fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            yield i, fn(task)


class ProcessExecutor(Executor):
    """Local worker processes (``-j N``), started with spawn so no state leaks from the parent."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))

    def run(self, fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[tuple[int, Any]]:
        # Keep a few tasks queued per worker, not all: an interrupt then loses little.
        pending: dict[Future[Any], int] = {}
        nxt = 0
        while nxt < len(tasks) or pending:
            while nxt < len(tasks) and len(pending) < 2 * self.workers:
                pending[self._pool.submit(fn, tasks[nxt])] = nxt
                nxt += 1
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield pending.pop(fut), fut.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """A Dask distributed cluster: an existing scheduler, or a LocalCluster for trying it out."""

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(
                "Dask is not installed: pip install 'coachsim[dask]' (or pip install "
                "'dask[distributed]') on this machine and on every worker"
            ) from None
        self._cluster = None
        try:
            if scheduler is not None:
                self._client = Client(scheduler, timeout="10s")
            else:
                self._cluster = LocalCluster(
                    n_workers=local_workers or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,
                )
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
        self.workers = max(1, sum(self._client.nthreads().values()))

    def run(self, fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        # pure=False: identical arguments must never collapse into one task.
        tag = uuid.uuid4().hex
        futures = [
            self._client.submit(fn, t, pure=False, key=f"coachsim-{tag}-{i}")
            for i, t in enumerate(tasks)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                yield index[fut.key], fut.result()
        finally:
            for f in futures:
                f.release()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(
    jobs: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> Executor:
    """The executor a command line asks for: Dask if named, else processes (``-j``), else serial."""
    if scheduler is not None or dask_local is not None:
        return DaskExecutor(scheduler, dask_local)
    n = jobs if jobs is not None else (os.cpu_count() or 1)
    return SerialExecutor() if n <= 1 else ProcessExecutor(n)
