"""Where results go: folders that appear whole, that only coachsim's own outputs can replace,
and that one run at a time may write.

Three rules keep a user's files safe:

- **A name is a label, not a path.** The default output folder is ``outputs/<slug>``, where the
  slug (:func:`slug`) keeps the letters, digits, ``_`` and ``-`` of the scenario's name and can
  never be ``.``, ``..``, absolute or contain a separator.
- **``--force`` replaces only what coachsim wrote.** Every output folder (and its ``.partial``)
  carries a marker file, :data:`MARKER`, with the identity of the run that made it;
  :func:`check_replaceable` refuses to replace a folder without one, a symbolic link or a file.
- **One run per output.** :class:`OutputLock` holds an exclusive ``flock`` on ``<output>.lock``
  for the whole run, so a second run into the same output (or its ``.partial``) is refused with
  the holder's pid. The kernel releases the lock when its holder dies, however it dies, so a lock
  is never stale; the record a dead holder left behind is reported, not silently reused.

Files are written to a temporary name, flushed to disk and renamed (:func:`write_atomic`), so a
reader (or a resumed run) sees each file whole or not at all.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sim.version import VERSION

MARKER = ".coachsim-output"
"""File in every output folder (and ``.partial``) that coachsim wrote: the run's identity."""
OUTPUTS = Path("outputs")
"""Where default output folders go, relative to the working directory."""
SLUG_CHARS = 80
"""A slug is cut to this many characters."""


class OutputError(Exception):
    """An output that cannot be written as asked; the message is one line for the user."""


class OutputExists(OutputError):
    """The output already exists and may not be replaced."""


class OutputBusy(OutputError):
    """Another run holds the output's lock."""


def slug(text: str | None, fallback: str = "scenario") -> str:
    """A folder name made of ``text``: ASCII letters, digits, ``_`` and ``-`` only, never
    starting or ending with ``-`` or ``_``, at most :data:`SLUG_CHARS` long; ``fallback`` if
    nothing is left (``.``, ``..``, ``/``, control characters and the like leave nothing). No
    dots, so a slug never ends in ``.partial`` or ``.lock``, the names coachsim works under."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    out = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text)
    out = re.sub(r"-{2,}", "-", out).strip("-_")[:SLUG_CHARS].strip("-_")
    return out or fallback


def default_output(kind: str, names: list[str], stems: list[str]) -> Path:
    """``outputs/<name>`` for a run, ``outputs/compare-<baseline>-vs-<first>`` for a comparison;
    each part a :func:`slug` of the scenario name (or of its file name if the name leaves
    nothing). Always a folder directly inside ``outputs/``."""
    parts = [slug(n, slug(s)) for n, s in zip(names, stems, strict=True)]
    return OUTPUTS / (f"compare-{parts[0]}-vs-{parts[1]}" if kind == "compare" else parts[0])


def identity(kind: str, run_id: str, **extra: Any) -> dict[str, Any]:
    """The marker's content: what made this folder."""
    return {
        "coachsim": VERSION,
        "kind": kind,
        "run_id": run_id,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }


def _json(path: Path) -> Any:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 10_000_000:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def made_by_coachsim(folder: Path) -> bool:
    """Whether ``folder`` is a real folder that coachsim wrote: it holds the marker (or, from
    before markers, a manifest or run record naming a coachsim version)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    marker = _json(folder / MARKER)
    if isinstance(marker, dict) and "coachsim" in marker and "run_id" in marker:
        return True
    for legacy in ("manifest.json", "run.json"):
        record = _json(folder / legacy)
        if isinstance(record, dict) and "coachsim_version" in record and "seed" in record:
            return True
    return False


def check_replaceable(path: Path, force: bool, advice: str) -> None:
    """Refuse unless ``path`` is absent, or ``force`` is given and it is coachsim's own folder.

    ``advice`` says what else the user can do when it exists (e.g. resume it)."""
    if not os.path.lexists(path):
        return
    if path.is_symlink():
        raise OutputExists(
            f"{path} is a symbolic link; coachsim writes only real folders: remove the link or "
            "choose another -o"
        )
    if not path.is_dir():
        raise OutputExists(f"{path} is a file, not a coachsim output; choose another -o")
    if not force:
        raise OutputExists(f"{path} already exists; {advice}")
    if not made_by_coachsim(path):
        raise OutputExists(
            f"{path} was not written by coachsim (no {MARKER} in it); --force replaces only "
            "coachsim's own outputs: choose another -o"
        )


def remove_own(path: Path) -> None:
    """Delete ``path`` if it is coachsim's own folder (checked again just before)."""
    if made_by_coachsim(path):
        shutil.rmtree(path)


def replace_dir(src: Path, target: Path, force: bool) -> None:
    """Move the finished folder ``src`` to ``target``. An existing ``target`` is replaced only with
    ``force`` and only if coachsim wrote it; the old one is removed after the new one is in
    place."""
    if not os.path.lexists(target):
        os.replace(src, target)
        return
    check_replaceable(target, force, "use --force to replace it")
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, old / target.name)
    os.replace(src, target)
    shutil.rmtree(old, ignore_errors=True)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a hidden temporary file in the same folder,
    flushed to disk, then renamed over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    blob = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(tmp, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_json(path: Path, data: object) -> None:
    """Pretty JSON, UTF-8, newline at the end, written atomically."""
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def describe_os_error(exc: OSError, doing: str) -> str:
    """One line for a filesystem error: what was being done, where, and why in plain words."""
    why = {
        errno.ENOSPC: "no space left on the disk",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "not permitted",
        errno.ENOTDIR: "a file, not a folder, is in the way",
        errno.EEXIST: "something is already there",
        errno.ENAMETOOLONG: "the path is too long",
        errno.ELOOP: "too many symbolic links",
        errno.ENOENT: "no such file or folder",
    }.get(exc.errno or 0, (exc.strerror or type(exc).__name__).lower())
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{doing}: {why}{where}"


def lock_path(target: Path) -> Path:
    """The lock file of an output: ``<output>.lock`` beside it."""
    return target.with_name(target.name + ".lock")


class OutputLock:
    """An exclusive lock on an output folder and its ``.partial`` for the whole run.

    ``flock`` on ``<output>.lock``: the kernel drops it when the holder exits or is killed, so
    whoever gets it knows no other run is writing. The file holds the holder's pid, command and
    start time, to name it to a run that is refused. :attr:`left_by` is the record a previous
    holder left when it died without cleaning up (reported by the command line)."""

    def __init__(self, target: Path, command: str) -> None:
        self.path = lock_path(target)
        self.target = target
        self.command = command
        self.left_by: dict[str, Any] | None = None
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`OutputBusy` naming the run that holds it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:  # a file where a folder should be
            raise NotADirectoryError(errno.ENOTDIR, exc.strerror, exc.filename) from None
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_record(fd)
                os.close(fd)
                raise OutputBusy(
                    f"{self.target} is being written by another coachsim run "
                    f"({_describe(holder)}); wait for it to finish or choose another -o"
                ) from None
            except OSError:
                os.close(fd)
                raise
            # The file may have been removed by its previous holder between open and flock.
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        previous = _read_record(fd)
        if previous and previous.get("pid") != os.getpid():
            self.left_by = previous
        record = {
            "pid": os.getpid(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": self.command,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Remove the lock file and let go of the lock."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_record(fd: int) -> dict[str, Any] | None:
    try:
        raw = os.pread(fd, 10_000, 0)
        record = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _describe(holder: dict[str, Any] | None) -> str:
    if not holder:
        return "pid unknown"
    return f"pid {holder.get('pid', '?')}, started {holder.get('started', '?')}"


def describe_left_lock(lock: OutputLock) -> str | None:
    """One line about a lock record left by a run that died, or None."""
    if lock.left_by is None:
        return None
    return (
        f"a previous run into {lock.target} ({_describe(lock.left_by)}) ended without "
        "cleaning up; no run holds it now"
    )
