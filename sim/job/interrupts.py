"""Ctrl-C during a job: never lost, and held off while the finished folder moves into place.

Python turns SIGINT into KeyboardInterrupt wherever the program happens to be, and library
code may swallow it; a job also has two renames that belong together. These handlers, each
installed for one part of the job, make the first impossible to miss and the second whole.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def _on_sigint(handler: Callable[[int, object], None]) -> Iterator[bool]:
    """``handler`` takes Ctrl-C inside the block, the previous one after; yields whether it
    could be installed (only the main thread may: elsewhere Ctrl-C does not reach the job)."""
    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:
        yield False
        return
    try:
        yield True
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def interrupts_noted() -> Iterator[Callable[[], None]]:
    """Make sure a Ctrl-C during the run stops it, and yield the check that does so.

    Ctrl-C raises KeyboardInterrupt wherever the program is, as Python's own handler does, and
    is also noted: library code may swallow the exception (numpy's dtype comparison, called
    while a batch is saved to Parquet, drops any error, KeyboardInterrupt included, so the run
    would finish as if nothing had happened). The yielded check raises it again; the run calls
    it at every finished batch and before and after writing the results."""
    caught: list[int] = []

    def noted(signum: int, frame: object) -> None:
        caught.append(signum)
        raise KeyboardInterrupt

    def still_running() -> None:
        if caught:
            raise KeyboardInterrupt

    with _on_sigint(noted):
        yield still_running


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C while the finished folder is renamed into place (two renames that belong
    together), then act on it."""
    caught: list[int] = []
    with _on_sigint(lambda signum, frame: caught.append(signum)):
        yield
    if caught:
        raise KeyboardInterrupt
