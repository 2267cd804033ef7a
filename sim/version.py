"""The version of coachsim, read once from the installed package's metadata (pyproject.toml)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("coachsim")
except PackageNotFoundError:  # running from a source tree that was never installed
    VERSION = "0+unknown"
