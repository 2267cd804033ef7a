"""Shared fixtures: paths and small scenarios that run fast."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS


def stderr_after_worker_killed(proc: subprocess.Popen[str], timeout: float = 120) -> str:
    """The stderr of a coachsim run one of whose workers was killed, once it has stopped; if it
    hangs instead, the test fails with every thread's stack (the run must have been started with
    PYTHONFAULTHANDLER set, so that SIGABRT prints them). Such a hang was seen twice in full
    runs on a loaded machine (December 2026), never alone."""
    try:
        return proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        err = proc.communicate(timeout=30)[1]
        pytest.fail(f"the run hung after a worker was killed; its threads:\n{err}")
