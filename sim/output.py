"""Writing results: directories appear whole, and nothing is replaced without being asked.

A run writes into a directory of its own (see :mod:`sim.store`) and :func:`replace_dir` moves it
into place with renames, so readers never see a half-written output.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path


class OutputExists(Exception):
    """The output directory already exists and may not be replaced."""


def replace_dir(src: Path, target: Path, force: bool) -> None:
    """Move the finished directory ``src`` to ``target``; an existing ``target`` only with
    ``force``, and then the old one is removed only after the new one is in place."""
    if not target.exists():
        os.replace(src, target)
        return
    if not force:
        raise OutputExists(f"{target} already exists; use --force to replace it")
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, old / target.name)
    os.replace(src, target)
    shutil.rmtree(old, ignore_errors=True)


def write_json(path: Path, data: object) -> None:
    """Pretty JSON, UTF-8, newline at the end."""
    path.write_text(
        json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8"
    )
