"""The package's layers: every import inside ``sim`` points down (see sim/__init__.py).

Imports are read from the source with ``ast`` (type-checking imports and imports inside
functions included: a layer may not even name what sits above it), so the order holds however a
module is loaded. A module may import from its own layer or from any layer listed before it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

LAYERS = (
    ("sim.clock", "sim.version", "sim.compiled"),
    ("sim.random",),
    ("sim.scenario",),
    ("sim.engine",),
    ("sim.model",),
    ("sim.analysis",),
    ("sim.experiment",),
    ("sim.calibration",),
    ("sim.pilot",),
    ("sim.optimise",),
    ("sim.report",),
    ("sim.job",),
)
"""Bottom to top; the same order as the design note in sim/__init__.py."""


def _layer(module: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS and the design note")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / "sim").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return [(line, name) for line, name in found if name == "sim" or name.startswith("sim.")]


def test_every_module_belongs_to_a_layer() -> None:
    for name in _modules():
        if name != "sim":
            _layer(name)


def test_imports_point_down() -> None:
    modules = _modules()
    upward = []
    for name, path in modules.items():
        if name == "sim":
            continue  # the package's facade re-exports the public API from the top
        here = _layer(name)
        for line, imported in _imports(path):
            target = imported
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]  # from sim.x import name: the module sim.x
            if target == "sim":
                upward.append(f"{path.relative_to(ROOT)}:{line}: imports the sim facade")
            elif _layer(target) > here:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {name} imports {target}")
    assert upward == [], "\n".join(upward)


def test_the_design_note_lists_the_layers_in_order() -> None:
    import sim

    note = sim.__doc__ or ""
    positions = [note.index(f":mod:`{prefixes[0]}`") for prefixes in LAYERS]
    assert positions == sorted(positions)


def test_no_module_passes_about_six_hundred_lines() -> None:
    """A module's edges follow its concept (STYLE.md); this only catches one that has grown
    into several (issue 29 raised the bound from about 400, which split concepts in two)."""
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules().values()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 620
    }
    assert long == {}, long


def test_importing_the_package_does_no_work() -> None:
    """``import sim.clock`` needs only the standard library (no site-packages on the path), and
    ``import sim`` imports none of the package's modules until a name is used."""
    import subprocess
    import sys

    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import sim.clock, sim; "
        "assert sim.clock.DAYS_PER_WEEK == 5; "
        "print(sorted(m for m in sys.modules if m.startswith(('sim', 'numpy', 'pandas'))))"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['sim', 'sim.clock']"
    used = subprocess.run(
        [sys.executable, "-c", "import sim; print(sim.load_scenario.__module__, sim.__version__)"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert used.returncode == 0, used.stderr
    assert used.stdout.split()[0].startswith("sim.scenario.")


def test_no_docstring_or_comment_tells_history() -> None:
    """The code says what is, not how it came to be: no issue numbers, nothing "in progress",
    "not yet" or "used to" (history belongs in the commits and CHANGELOG.md)."""
    import re

    told = re.compile(r"\bissues? \d+|\bin progress\b|\bnot yet a command\b|\bused to\b", re.I)
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "sim").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if told.search(line)
    ]
    assert found == []
