"""Task functions for tests/faults/test_dask.py, importable by Dask workers."""

import os
import time


class TaskFailed(Exception):
    """An ordinary exception raised by a task (the test checks it arrives as itself)."""


def square(x: int, delay: float = 0.0) -> int:
    if delay:
        time.sleep(delay)
    return x * x


def slow_square(x: int) -> int:
    time.sleep(0.5)
    return x * x


def fail_on_3(x: int) -> int:
    if x == 3:
        raise TaskFailed(f"task {x} failed on purpose")
    time.sleep(0.05)
    return x


def kill_worker(x: int) -> int:
    """Kill the worker process running this task (the nanny, if any, restarts it)."""
    os._exit(17)
