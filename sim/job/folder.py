"""Writing a command's output folder safely, the one way every command does it.

The files are written into a new ``.<name>.*.partial`` folder beside the target, then the
folder takes the target's place (:func:`sim.experiment.output.replace_dir`): a reader never sees
half a folder, a folder coachsim did not write is never replaced, one it wrote only with
``--force``, and a failure part-way leaves the target as it was and no partial folder behind.
Runs that can be resumed keep their own partial folder (:mod:`sim.job.run`,
:mod:`sim.job.optimise`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.experiment.output import (
    MARKER,
    OutputError,
    check_replaceable,
    identity,
    replace_dir,
    write_json,
)
from sim.job.spec import JobProblems

FORCE = "use --force to replace it"
"""What a refusal of an existing folder advises."""


def check_folder(target: Path, force: bool, flag: str = "", advice: str = FORCE) -> None:
    """Refuse, before any work, a target that may not be replaced (:class:`JobProblems`)."""
    try:
        check_replaceable(target, force, advice)
    except OutputError as exc:
        raise JobProblems(f"{flag}{exc}") from None


@contextmanager
def staged(
    target: Path, force: bool, kind: str, seed: int, flag: str = "", **record: Any
) -> Iterator[Path]:
    """Yield a new partial folder beside ``target`` to write into; when the block ends, mark it
    as coachsim's (``kind``, the seed, ``record``) and move it into the target's place. A
    failure removes it. ``flag`` prefixes a refusal (``--report ``)."""
    check_folder(target, force, flag)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        tmp.chmod(0o755)
        yield tmp
        write_json(tmp / MARKER, identity(kind, f"seed-{seed}", **record))
        replace_dir(tmp, target, force)
    except OutputError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise JobProblems(f"{flag}{exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
