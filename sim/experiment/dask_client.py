"""Connecting to a Dask scheduler: one line for any address that will not do, never a hang.

An address is checked with distributed's own parser before anything connects (scheme, host,
port, TLS settings), its host is looked up with a time limit, and ``Client()`` gets a time limit
on its whole start (:func:`client_class`). distributed's loggers are kept quiet while an
executor is open (:class:`QuietDistributed`): a dying scheduler makes them print tracebacks from
a background thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from typing import Any, ClassVar

from sim.experiment.executors import ExecutorError

_SCHEMES = ("tcp", "tls", "ws", "wss")
_MAX_ADDRESS = 255
_EXAMPLE = "expected something like tcp://host:8786"


def one_line(text: object, limit: int = 200) -> str:
    """The first non-empty line of ``text``, shortened to ``limit`` characters."""
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe(exc: BaseException, limit: int = 120) -> str:
    """An exception as ``Type: first line of its message``."""
    msg = one_line(exc, limit)
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def shown(address: str) -> str:
    """An address as it may appear in a one-line message (repr, shortened)."""
    return repr(address) if len(address) <= 60 else repr(address[:57]) + "…"


class QuietDistributed:
    """Raise distributed's (and tornado's) loggers above CRITICAL while any executor is open.

    When the scheduler dies, distributed logs from its event-loop thread ("Batched Comm Closed"
    with a traceback at INFO, "Failed to reconnect to scheduler" at ERROR, ...). Every existing
    ``distributed.*``/``tornado.*`` logger is raised (``distributed.client`` has a level of its
    own, so the parent alone is not enough; loggers created later inherit from the parent), and
    all are restored when the last open executor closes. ``coachsim.*`` is untouched.
    """

    _lock = threading.Lock()
    _depth = 0
    _saved: ClassVar[dict[str, int]] = {}
    _roots = ("distributed", "tornado")

    @classmethod
    def enter(cls) -> None:
        """An executor opens: silence the loggers (the first to open saves their levels)."""
        with cls._lock:
            cls._depth += 1
            if cls._depth > 1:
                return
            asyncio_log = logging.getLogger("asyncio")
            if not any(isinstance(f, DistributedTaskNoise) for f in asyncio_log.filters):
                asyncio_log.addFilter(DistributedTaskNoise())
            names = set(cls._roots) | {
                n for n in list(logging.Logger.manager.loggerDict) if n.split(".")[0] in cls._roots
            }
            for name in names:
                logger = logging.getLogger(name)
                cls._saved[name] = logger.level
                logger.setLevel(logging.CRITICAL + 10)

    @classmethod
    def exit(cls) -> None:
        """An executor closes: restore the levels when the last one has."""
        with cls._lock:
            cls._depth -= 1
            if cls._depth:
                return
            for name, level in cls._saved.items():
                logging.getLogger(name).setLevel(level)
            cls._saved.clear()


class DistributedTaskNoise(logging.Filter):
    """Drops asyncio's "Task exception was never retrieved" for distributed's own tasks.

    When a cluster is lost mid-gather, distributed leaves tasks whose exception (``AllExit``)
    nobody retrieves; asyncio logs each with a traceback when the task is collected, which may
    be after the executor has closed, even at exit. Nothing a user can act on, and a traceback
    in what must be one line: records whose traceback runs through distributed are dropped, for
    the life of the process; every other asyncio record passes."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102
        exc = record.exc_info
        tb = exc[2] if exc else None
        while tb is not None:
            if f"{os.sep}distributed{os.sep}" in tb.tb_frame.f_code.co_filename:
                return False
            tb = tb.tb_next
        return True


def check_address(address: object) -> tuple[str, str, int]:
    """(normalised address, host, port), or ExecutorError with one line."""
    if not isinstance(address, str):
        raise ExecutorError(
            f"the Dask scheduler address must be text, not {type(address).__name__}; {_EXAMPLE}"
        )
    if not address.strip():
        raise ExecutorError(f"the Dask scheduler address is empty; {_EXAMPLE}")
    if len(address) > _MAX_ADDRESS:
        raise ExecutorError(
            f"the Dask scheduler address is {len(address)} characters long; {_EXAMPLE}"
        )
    if any(c.isspace() or not c.isprintable() for c in address):
        raise ExecutorError(
            f"the Dask scheduler address {shown(address)} contains spaces or control "
            f"characters; {_EXAMPLE}"
        )
    from distributed.comm.addressing import parse_address, parse_host_port, unparse_address

    try:
        scheme, loc = parse_address(address, strict=False)  # no scheme: tcp
        if scheme not in _SCHEMES:
            raise ValueError(f"unsupported scheme {scheme + '://'!r} (use tcp://)")
        host, port = parse_host_port(loc)
        if not host:
            raise ValueError("no host name")
        if not 0 < port < 65536:
            raise ValueError(f"port {port} is not between 1 and 65535")
    except Exception as exc:  # distributed raises ValueError, and others for odd input
        raise ExecutorError(
            f"invalid Dask scheduler address {shown(address)}: {one_line(exc, 120)}; {_EXAMPLE}"
        ) from None
    if scheme in ("tls", "wss"):
        from distributed.security import Security

        try:
            ctx = Security().get_connection_args("client").get("ssl_context")
        except Exception as exc:
            raise ExecutorError(f"the Dask TLS settings are not usable: {describe(exc)}") from None
        if ctx is None:
            raise ExecutorError(
                f"{shown(address)} needs TLS certificates in the Dask configuration "
                "(distributed.comm.tls.ca-file, .client.cert, .client.key)"
            )
    return unparse_address(scheme, loc), host, port


def resolve(host: str, port: int, timeout: float) -> None:
    """Fail with one line if ``host`` does not resolve within ``timeout`` seconds.

    (distributed retries a name that does not resolve until its timeout, then says only
    "Timed out trying to connect".) getaddrinfo has no timeout of its own, so it runs in a
    daemon thread that is abandoned, silently, if it takes too long."""
    out: list[BaseException | None] = []

    def target() -> None:
        try:
            socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
            out.append(None)
        except BaseException as exc:
            out.append(exc)

    th = threading.Thread(target=target, name="coachsim-dask-resolve", daemon=True)
    th.start()
    th.join(timeout)
    if not out:
        raise ExecutorError(f"cannot resolve the Dask scheduler host {host!r} within {timeout:g} s")
    if out[0] is not None:
        raise ExecutorError(
            f"cannot resolve the Dask scheduler host {host!r}: {one_line(out[0], 120)}"
        )


def client_class() -> type:
    """distributed.Client with two construction bugs worked around:

    * its timeout covers the TCP connect but not the handshake after it: a server that accepts
      and never answers (not a Dask scheduler, or a hung one) makes Client() wait forever;
    * a failed Client() leaves its "IO loop" thread running (one more per failure) and a
      half-built client whose __del__ later blocks and prints "Exception ignored in ...".
    """
    from distributed import Client

    class _Client(Client):
        async def _start(self, timeout: Any = None, **kwargs: Any) -> Any:
            budget = float(timeout if isinstance(timeout, (int, float)) else self._timeout)
            try:
                return await asyncio.wait_for(
                    super()._start(timeout=timeout, **kwargs), budget + 0.5
                )
            except TimeoutError:
                raise OSError(
                    f"connected, but no answer within {budget:g} s (a Dask scheduler answers "
                    "at once: is this its port?)"
                ) from None

        def start(self, **kwargs: Any) -> None:
            try:
                super().start(**kwargs)
            except BaseException:
                with contextlib.suppress(BaseException):
                    self.close(timeout=2)
                self.status = "closed"
                runner = getattr(self, "_loop_runner", None)
                if runner is not None:
                    with contextlib.suppress(BaseException):
                        runner.stop()
                raise

    return _Client
