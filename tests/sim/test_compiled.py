"""The optional compiled build (sim.compiled): used only while it matches its sources, and it
gives the plain Python's numbers to the last digit."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from sim import compiled
from tests.conftest import ROOT


def _copy_project(dest: Path) -> Path:
    """The package, the command, the scenarios and the tests, without any build of the working
    tree."""
    skip = shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "compiled.json")
    for folder in ("sim", "scenarios", "tests"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=skip)
    for name in ("cli.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


def _python(root: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with ``root``'s package first on the path."""
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(root)!r}); {code}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_build_is_current_until_one_of_its_sources_changes(tmp_path: Path) -> None:
    record = tmp_path / "compiled.json"
    built = list(compiled.MODULES)
    assert compiled.stale(record, built=[]) == []  # no build at all
    assert compiled.stale(record, built=built) == sorted(built)  # a build without its record
    record.write_text(json.dumps(compiled._digests()))
    assert compiled.stale(record, built=built) == []
    record.write_text(json.dumps({**compiled._digests(), "sim.model.leads": "0" * 64}))
    assert compiled.stale(record, built=built) == ["sim.model.leads"]
    # An extension module the build did not record (left by another build) is not current.
    record.write_text(json.dumps(compiled._digests()))
    assert compiled.stale(record, built=[*built, "sim.model.candidates"]) == [
        "sim.model.candidates"
    ]
    record.write_text("{cut short")
    assert compiled.stale(record, built=built) == sorted(compiled.MODULES)


def test_a_stale_build_is_passed_over_for_the_sources(tmp_path: Path) -> None:
    """A module that no longer matches its source would be imported instead of the source:
    here it is not even a valid extension, so only the fallback lets the import work."""
    root = _copy_project(tmp_path)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (root / "sim" / "model" / f"pipeline{suffix}").write_bytes(b"not a compiled module")
    digests = {m: "0" * 64 for m in compiled.MODULES}
    (root / "sim" / "compiled.json").write_text(json.dumps(digests))
    done = _python(root, "import sim.model.pipeline as p; print(p.__file__)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(root / "sim" / "model" / "pipeline.py")
    assert "changed since `make fast` compiled it: running plain Python" in done.stderr
    # A current record does not cover an extension module it does not list: the one a build
    # of other modules left behind is passed over too (it once shadowed a moved function).
    (root / "sim" / "model" / f"pipeline{suffix}").unlink()
    (root / "sim" / "model" / f"candidates{suffix}").write_bytes(b"not a compiled module")
    (root / "sim" / "compiled.json").write_text(json.dumps(compiled._digests()))
    done = _python(root, "import sim.model.candidates as c; print(c.__file__)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(root / "sim" / "model" / "candidates.py")


def _can_compile() -> str | None:
    """Why the compiled build cannot be made here, or None."""
    if importlib.util.find_spec("mypyc") is None:
        return "mypy (mypyc) is not installed"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "the Python headers are not installed"
    if shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]) is None:
        return "no C compiler"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_can_compile() is not None, reason=str(_can_compile()))
def test_the_compiled_build_gives_the_same_files(tmp_path: Path) -> None:
    plain = _copy_project(tmp_path / "plain")
    fast = _copy_project(tmp_path / "fast")
    built = _python(fast, "from sim.compiled import build; build()")
    assert built.returncode == 0, built.stdout + built.stderr
    where = _python(fast, "import sim.model.pipeline as p; print(p.__file__)")
    assert where.stdout.strip().endswith(importlib.machinery.EXTENSION_SUFFIXES[0]), where
    args = [
        "compare",
        "scenarios/reference.yaml",
        "scenarios/outside_coach_uncertain.yaml",
        "--uncertainty",
        "4",
        "-n",
        "2",
        "-j",
        "1",
        "-q",
    ]
    for root in (plain, fast):
        done = subprocess.run(
            [sys.executable, "cli.py", *args, "-o", "out"],
            cwd=root,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (plain / "out").glob("*.csv"))
    assert "weekly.csv" in names
    assert "draws.csv" in names
    for name in names:
        assert (fast / "out" / name).read_bytes() == (plain / "out" / name).read_bytes(), name
    # The tests that pin each shortcut of the engine to its plain mechanism, run on the compiled
    # modules: they reach the corners (events exactly at a week's turn, ...) a run rarely does.
    pinned = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ENGINE_TESTS],
        cwd=fast,
        capture_output=True,
        text=True,
        check=False,
    )
    assert pinned.returncode == 0, pinned.stdout[-3000:]


ENGINE_TESTS = (
    "tests/sim/test_calendar_reference.py",
    "tests/sim/test_pipeline.py",
    "tests/sim/test_crn.py",
    "tests/unit/test_hot_path.py",
    "tests/unit/test_leads.py",
)
"""The tests that pin the compiled modules' shortcuts (see each module's docstring)."""
