"""The compiled build: the simulation's hot modules compiled to C with mypyc, optional.

The simulation spends its time in a few modules of plain, fully typed Python (the pipelines, the
skill lists, the lead tables, the sellers, the draws). ``make fast`` compiles them with mypyc
(part of mypy, MIT; it needs a C compiler and the Python headers) into extension modules placed
beside their sources, which Python then imports instead of the sources. The Python stays the one
definition of the model: the compiled modules are that same code, and give the same numbers to
the last digit (tests/sim/test_compiled.py runs a comparison both ways when a compiler is here).

Nothing depends on the build: without it everything runs as plain Python. A compiled module is
used only while its source is the one it was compiled from: the build records the sources'
digests (:data:`RECORD`), and :func:`use_current` (run by the packages that hold compiled modules,
:mod:`sim.random`, :mod:`sim.engine` and :mod:`sim.model`, before their first import) falls back
to the plain sources, with a warning, as soon as any of them has changed since.

    make fast     # build: python -c "from sim.compiled import build; build()"
    make plain    # remove it: python -c "from sim.compiled import clean; clean()"

**Where the compiler shapes the code.** mypyc compiles classes to C structs and checks the types
mypy infers, so the compiled modules (:data:`MODULES`, most of :mod:`sim.model`: a session, a
stage end and a week turn cross all of them) follow a few rules plain Python would not need.
Each place says so where it is; this is the whole list:

- single inheritance where two would read as well: a manager is a coach with a calendar
  (:class:`sim.model.calendar.Manager` < :class:`sim.model.coaches.Coach` <
  :class:`sim.engine.agenda.Agenda`), and a seller is a pipeline
  (:class:`sim.model.sellers.Seller` < :class:`sim.model.pipeline.Pipeline`), whose ``run`` a
  subclass may not retype;
- ``__deletable__`` on the classes whose attributes are deleted to free memory
  (:class:`sim.model.replication.Replication`, :class:`sim.model.leads.LeadTable`);
- :mod:`sim.model.finite`, a plain module, holds the one exception class: a compiled class cannot
  subclass a built-in exception;
- a typed local (``deal: Deal``) where the stage-end loop reads a deal's fields, a method where
  two assignments would leave mypy's narrowing of ``_holder`` wrong
  (``Manager._free``), and session ends told apart by their names, as a compiled method has no
  ``__func__``.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE = Path(__file__).resolve().parent
"""The ``sim`` package folder."""

MODULES = (
    "sim.engine.agenda",
    "sim.model.pipeline",
    "sim.model.skill_lists",
    "sim.model.leads",
    "sim.model.calendar",
    "sim.model.coaches",
    "sim.model.sellers",
    "sim.model.skill",
    "sim.model.focus",
    "sim.model.meetings",
    "sim.model.rules",
    "sim.model.run",
    "sim.model.twins",
    "sim.random.draws",
    "sim.random.streams",
    "sim.model.replication",
    "sim.model.recorder",
)
"""What is compiled: the modules the simulation spends its time in, the week turn and its
tallies included (their error class, :class:`~sim.model.finite.NonFiniteResult`, lives in a plain
module: a compiled class cannot subclass a built-in exception)."""

GROUP = "sim.native"
"""The compiled modules' shared library, ``sim/native__mypyc...so``."""

RECORD = PACKAGE / "compiled.json"
"""Written by the build: the digest of each compiled module's source."""


def _source(module: str) -> Path:
    return PACKAGE.parent / (module.replace(".", "/") + ".py")


def _digest(module: str) -> str | None:
    source = _source(module)
    return hashlib.sha256(source.read_bytes()).hexdigest() if source.exists() else None


def _digests() -> dict[str, str | None]:
    return {m: _digest(m) for m in MODULES}


def built_files() -> list[Path]:
    """The extension modules a build placed in the package (none without a build)."""
    return sorted(PACKAGE.rglob("*.so")) + sorted(PACKAGE.rglob("*.pyd"))


def _built_modules() -> list[str]:
    """The modules that have an extension module in the package, the shared library left out."""
    names = []
    for f in built_files():
        rel = f.relative_to(PACKAGE.parent)
        names.append(".".join((*rel.parts[:-1], rel.name.split(".")[0])))
    return [m for m in names if m != GROUP + "__mypyc"]


class _Sources(importlib.abc.MetaPathFinder):
    """Imports the given modules from their ``.py`` sources."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names or not _source(fullname).exists():
            return None
        return importlib.util.spec_from_file_location(fullname, _source(fullname))


def stale(record: Path = RECORD, built: Sequence[str] | None = None) -> list[str]:
    """The modules a build would stand in for wrongly: those whose source changed since the
    build, and any extension module the build did not record (``built``: the modules with an
    extension module in the package). [] without a build, or with a current one."""
    built = _built_modules() if built is None else list(built)
    if not record.exists():
        return sorted(built)
    try:
        recorded = json.loads(record.read_text(encoding="utf-8"))
        if not isinstance(recorded, dict):
            raise ValueError(record)
    except (OSError, ValueError):
        return sorted({*MODULES, *built})
    names = sorted({*recorded, *MODULES, *built})
    return [m for m in names if recorded.get(m) != _digest(m)]


def current() -> bool:
    """Whether a build is in place and matches every source (``make demo`` builds otherwise)."""
    return RECORD.exists() and not stale()


_checked = False
"""Whether :func:`use_current` has run in this process: the check hashes every source once."""


def use_current() -> None:
    """Import the plain sources instead of a build that no longer matches them, every compiled
    module at once (a compiled module beside a plain one would see other classes). Called by
    each package holding compiled modules before any of them is imported; checks once."""
    global _checked
    if _checked:
        return
    _checked = True
    changed = stale()
    if changed and not any(isinstance(f, _Sources) for f in sys.meta_path):
        sys.meta_path.insert(0, _Sources({*changed, *MODULES, *_built_modules()}))
        warnings.warn(
            f"sim/{_source(changed[0]).relative_to(PACKAGE)} changed since `make fast` "
            "compiled it: running plain Python (run `make fast` again for the compiled build)",
            stacklevel=2,
        )


SETUP = """\
from setuptools import setup
from mypyc.build import mypycify

setup(
    name="coachsim-compiled",
    ext_modules=mypycify({paths!r}, group_name={group!r}),
    script_args=["build_ext", "--inplace"],
)
"""


def build() -> None:
    """Compile :data:`MODULES` in a scratch copy of the package, then move the extension modules
    and the digests into place (an old build is removed first, so a failure leaves plain
    Python)."""
    try:
        import mypyc  # noqa: F401
    except ImportError:
        sys.exit("the compiled build needs mypy: pip install mypy (or make install-test)")
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not headers.exists():
        sys.exit(f"the compiled build needs the Python headers ({headers}): install python3-dev")
    clean()
    with tempfile.TemporaryDirectory(prefix="coachsim-build-") as tmp:
        work = Path(tmp)
        shutil.copytree(PACKAGE, work / "sim", ignore=shutil.ignore_patterns("__pycache__"))
        (work / "mypy.ini").write_text(
            "[mypy]\npython_version = 3.11\nignore_missing_imports = True\n", encoding="utf-8"
        )
        paths = [str(Path(*m.split(".")).with_suffix(".py")) for m in MODULES]
        (work / "setup.py").write_text(SETUP.format(paths=paths, group=GROUP), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "setup.py"], cwd=work, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.exit(
                f"the compiled build failed; plain Python stays in use:\n{done.stderr[-3000:]}"
            )
        for built in (work / "sim").rglob("*.so"):
            shutil.copy2(built, PACKAGE / built.relative_to(work / "sim"))
    RECORD.write_text(json.dumps(_digests(), indent=2) + "\n", encoding="utf-8")
    print(f"compiled {len(MODULES)} modules of sim: {', '.join(MODULES)}")


def clean() -> None:
    """Remove a build: plain Python again."""
    RECORD.unlink(missing_ok=True)
    for f in built_files():
        f.unlink()
