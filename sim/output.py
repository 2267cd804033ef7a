"""Writing results: all files of a run appear together or not at all.

Files are written into a temporary directory beside the target and moved into place with one
rename when everything is written, so an interrupted or failed run leaves no partial output. An
existing output directory is replaced only when the caller says so (``--force``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


class OutputExists(Exception):
    """The output directory already exists and may not be replaced."""


def check_target(target: Path, force: bool) -> None:
    """Refuse early (before any work) to write over existing results without ``force``."""
    if target.exists() and not force:
        raise OutputExists(
            f"{target} already exists; use --force to replace it or -o to choose another directory"
        )
    if target.exists() and not target.is_dir():
        raise OutputExists(f"{target} exists and is not a directory")


def write_atomically(target: Path, force: bool, write: Callable[[Path], None]) -> None:
    """Call ``write(tmpdir)`` and move the directory it filled to ``target``."""
    check_target(target, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; results are ordinary directories
    try:
        write(tmp)
        if target.exists():
            old = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
            )
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_json(path: Path, data: object) -> None:
    """Pretty JSON, UTF-8, newline at the end."""
    path.write_text(
        json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8"
    )
