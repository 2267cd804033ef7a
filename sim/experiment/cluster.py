"""Running on a Dask cluster, with failures that end in one plain line, never a hang.

:class:`DaskExecutor` hands batches to an existing scheduler (``--scheduler``) or to a
LocalCluster (``--dask-local``) a window at a time, and watches the cluster while it waits:

* a malformed, unresolvable or unreachable address, or a server that is not a Dask scheduler, is
  an :class:`~sim.experiment.executors.ExecutorError` of one line within ``connect_timeout_s``;
* a cluster with no workers (none started, or the last one died) for ``no_worker_timeout_s``, a
  lost connection to the scheduler (it died: seen at once), a scheduler that has not answered for
  ``no_worker_timeout_s``, or a task that keeps killing its workers, is a
  :class:`~sim.experiment.executors.ClusterLost`: the command line keeps every finished batch and
  prints the command that resumes the run;
* an ordinary exception of a task arrives as itself.

Connecting (addresses, time limits, quiet logs) is :mod:`sim.experiment.dask_client`; ``close()``
is bounded when the scheduler is gone. Tests: tests/faults/test_dask.py, against real ``dask
scheduler`` and ``dask worker`` processes.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sim.experiment.dask_client import (
    QuietDistributed,
    check_address,
    client_class,
    describe,
    one_line,
    resolve,
)
from sim.experiment.executors import ClusterLost, Executor, ExecutorError

log = logging.getLogger("coachsim.dask")


class DaskExecutor(Executor):
    """A Dask distributed cluster: an existing scheduler, or a LocalCluster for trying it out."""

    workers = 1
    """How many tasks run at once (the cluster's threads when last asked, at least 1)."""

    poll_s = 0.25
    """Longest wait for a result before looking at the client's status again."""

    health_every_s = 1.0
    """How often the scheduler is asked how many worker threads it has."""

    rpc_timeout_s = 1.0
    """Longest wait for one answer from the scheduler (a health check, or fetching a result);
    a slow answer is not a failure, only ``no_worker_timeout_s`` of them in a row."""

    close_timeout_s = 3.0
    """Budget for closing the client (and again for a LocalCluster)."""

    def __init__(
        self,
        scheduler: str | None = None,
        local_workers: int | None = None,
        no_worker_timeout_s: float = 60.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ExecutorError(
                "Dask is not installed: pip install 'coachsim[dask]' (or pip install "
                "'dask[distributed]') on this machine and on every worker"
            ) from None
        self.no_worker_timeout_s = float(no_worker_timeout_s)
        self.connect_timeout_s = float(connect_timeout_s)
        self.address = ""
        self._cluster: Any = None
        self._client: Any = None
        self._closed = False
        self._quiet = False
        self._ever_had_workers = False
        host, port = "", 0
        if scheduler is not None:
            self.address, host, port = check_address(scheduler)
        QuietDistributed.enter()
        self._quiet = True
        try:
            if scheduler is not None:
                self._connect(host, port)
            else:
                self._start_local(local_workers)
            self.workers = max(1, self._threads())
        except BaseException:
            self.close()
            raise

    # -- construction

    def _connect(self, host: str, port: int) -> None:
        t0 = time.monotonic()
        resolve(host, port, self.connect_timeout_s)
        left = max(1.0, round(self.connect_timeout_s - (time.monotonic() - t0), 1))
        try:
            self._client = client_class()(self.address, timeout=left, set_as_default=False)
        except OSError as exc:
            detail = one_line(exc, 160)
            if detail.startswith("Timed out trying to connect"):
                detail = f"no connection within {left:g} s (is it running? is the address right?)"
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {self.address}: {detail}"
            ) from None
        except Exception as exc:  # e.g. MemoryError from a server that is not a scheduler
            raise ExecutorError(
                f"the server at {self.address} did not answer like a Dask scheduler "
                f"({describe(exc)})"
            ) from None

    def _start_local(self, local_workers: int | None) -> None:
        from distributed import LocalCluster

        try:
            self._cluster = LocalCluster(
                n_workers=local_workers or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            )
            self.address = self._cluster.scheduler_address
            self._client = client_class()(
                self._cluster, timeout=self.connect_timeout_s, set_as_default=False
            )
        except Exception as exc:
            raise ExecutorError(f"cannot start a local Dask cluster: {describe(exc)}") from None

    def _threads(self) -> int:
        try:
            counts = self._client.nthreads(callback_timeout=self.connect_timeout_s)
        except Exception as exc:
            raise ExecutorError(
                f"the Dask scheduler at {self.address} did not answer: {describe(exc)}"
            ) from None
        return sum(counts.values())

    # -- running

    def _lost(self, detail: str) -> ClusterLost:
        return ClusterLost(f"lost the connection to the Dask scheduler at {self.address}: {detail}")

    def _check_status(self) -> None:
        """ClusterLost unless the client is connected. (When the scheduler's connection closes,
        the client turns "connecting" at once, cancels every future, and tries to reconnect.)"""
        status = self._client.status
        if status != "running":
            raise self._lost(
                "the connection closed (did the scheduler stop?)"
                if status == "connecting"
                else f"the client is {status}"
            )

    def run(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Yield (index, fn(task)) for every task, as they finish.

        ``tasks`` is consumed lazily: at most 2 x the cluster's threads (at least 4) are
        submitted and not yet yielded at any time. Closing the generator early releases the
        tasks still in flight."""
        if self._closed:
            raise ExecutorError("this Dask executor is closed")
        from distributed import as_completed

        client = self._client
        tag = uuid.uuid4().hex
        source = iter(tasks)
        exhausted = False
        inflight: dict[str, tuple[int, Any]] = {}  # key -> (task index, future)
        finished = as_completed(loop=client.loop)
        health = _Health(self)
        submitted = 0
        try:
            health.check(force=True)
            while True:
                self._check_status()
                window = max(4, 2 * self.workers)
                while not exhausted and len(inflight) < window:
                    try:
                        task = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    key = f"coachsim-{tag}-{submitted}"
                    # pure=False: identical arguments must never collapse into one task.
                    fut = client.submit(fn, task, pure=False, key=key)
                    inflight[key] = (submitted, fut)
                    finished.add(fut)
                    submitted += 1
                if exhausted and not inflight:
                    return
                for fut in _next_finished(finished, self.poll_s):
                    if fut.key not in inflight:
                        continue
                    i = inflight[fut.key][0]
                    result = self._result(fut, i, health)
                    del inflight[fut.key]
                    fut.release()
                    yield i, result
                health.check()
        finally:
            for _, fut in inflight.values():
                with contextlib.suppress(Exception):  # the client may be gone already
                    fut.release()
            inflight.clear()

    def _result(self, fut: Any, i: int, health: _Health) -> Any:
        """The result of a finished future. The task's own exception is re-raised as itself;
        infrastructure failures become ClusterLost."""
        from distributed import KilledWorker

        while True:
            try:
                return fut.result(timeout=self.rpc_timeout_s)
            except BaseException as caught:
                exc = caught
                status = fut.status
                if status == "error" and not isinstance(exc, KilledWorker):
                    raise  # the task's own exception, as itself
                if status not in ("error", "cancelled") and not isinstance(
                    exc, (TimeoutError, OSError)
                ):
                    raise  # KeyboardInterrupt and the like
            # Out of the except block, so a ClusterLost raised below (even by _check_status)
            # carries no chained distributed exception.
            if isinstance(exc, KilledWorker):
                last = getattr(exc.last_worker, "address", "?")
                raise ClusterLost(
                    f"task {i} made Dask workers die {exc.allowed_failures + 1} time(s) "
                    f"(last {last}); it may use too much memory or crash the interpreter: "
                    "see the worker logs"
                )
            self._check_status()
            if status == "cancelled":  # FutureCancelledError
                reason = getattr(exc, "reason", None) or "no reason given"
                if reason == "scheduler-connection-lost":
                    raise self._lost("the connection closed (did the scheduler stop?)")
                raise ClusterLost(f"task {i} was cancelled on the Dask cluster ({reason})")
            # Not fetched yet: its worker died after finishing it (it is being recomputed) or
            # the scheduler is slow. Look at the cluster (raises ClusterLost in time), retry.
            health.check(force=True)
            log.debug("result of task %d not fetched yet: %s", i, describe(exc))

    # -- closing

    def close(self) -> None:
        """Release the client (and LocalCluster); bounded even when the scheduler is gone."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._client is not None:
                with contextlib.suppress(BaseException):  # a dead scheduler: stop the loop below
                    self._client.close(timeout=self.close_timeout_s)
                runner = getattr(self._client, "_loop_runner", None)
                if runner is not None:
                    with contextlib.suppress(BaseException):
                        runner.stop()
            if self._cluster is not None:
                with contextlib.suppress(BaseException):
                    self._cluster.close(timeout=self.close_timeout_s)
        finally:
            if self._quiet:
                self._quiet = False
                QuietDistributed.exit()


class _Health:
    """The no-worker and unanswered-scheduler timers of one run."""

    def __init__(self, ex: DaskExecutor) -> None:
        self.ex = ex
        self.last = 0.0
        self.zero_since: float | None = None
        self.silent_since: float | None = None
        self.warned = False

    def check(self, force: bool = False) -> None:
        ex = self.ex
        now = time.monotonic()
        if not force and now - self.last < ex.health_every_s:
            return
        self.last = now
        ex._check_status()
        threads = 0
        failure: Exception | None = None
        try:
            # A cheap RPC that cannot hang: callback_timeout bounds it. (scheduler_info() takes
            # no timeout, and its periodic refresh swallows errors.)
            threads = sum(ex._client.nthreads(callback_timeout=ex.rpc_timeout_s).values())
        except Exception as exc:  # no answer: CommClosedError, TimeoutError, ...
            failure = exc
        if failure is not None:  # (out of the except block: nothing chained to ClusterLost)
            ex._check_status()
            if self.silent_since is None:
                self.silent_since = now
            elif now - self.silent_since >= ex.no_worker_timeout_s:
                raise ClusterLost(
                    f"the Dask scheduler at {ex.address} has not answered for "
                    f"{ex.no_worker_timeout_s:g} s ({describe(failure, 80)})"
                )
            return
        self.silent_since = None
        if threads > 0:
            ex.workers = threads
            ex._ever_had_workers = True
            self.zero_since = None
            return
        if self.zero_since is None:
            self.zero_since = now
        if not self.warned:
            self.warned = True
            log.warning(
                "the Dask cluster at %s has no workers; waiting up to %g s for one",
                ex.address,
                ex.no_worker_timeout_s,
            )
        if now - self.zero_since >= ex.no_worker_timeout_s:
            if ex._ever_had_workers:
                raise ClusterLost(
                    f"the Dask cluster at {ex.address} lost its last worker and has had none "
                    f"for {ex.no_worker_timeout_s:g} s"
                )
            raise ClusterLost(
                f"the Dask cluster at {ex.address} has had no workers for "
                f"{ex.no_worker_timeout_s:g} s (start some with: dask worker {ex.address})"
            )


def _next_finished(finished: Any, timeout: float) -> list[Any]:
    """Futures finished so far, waiting up to ``timeout`` s for the first one.

    ``distributed.wait`` needs a default client (it raises "No clients found" with
    set_as_default=False), so this waits on the ``as_completed`` object instead: it queues each
    finished future and then notifies ``thread_condition``, so checking under that lock and then
    waiting cannot miss one. Without the attribute (another version), poll."""
    cond = getattr(finished, "thread_condition", None)
    if not finished.has_ready():
        if cond is not None:
            with cond:
                if not finished.has_ready():
                    cond.wait(timeout)
        else:
            time.sleep(min(timeout, 0.05))
    return list(finished.next_batch(block=False)) if finished.has_ready() else []
