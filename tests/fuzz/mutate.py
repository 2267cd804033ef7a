"""Deterministic mutants of the shipped scenario files, for fuzzing the scenario loader and CLI.

A mutant starts from one shipped scenario (``scenarios/*.yaml``) and has one to three mutation
operators applied to it, chosen by ``random.Random(f"{seed}:{index}")``: the same seed and index
always give the same mutant (for the same shipped scenarios and schema, which the operators read),
and any mutant can be rebuilt alone with :func:`mutant`.

Operators work at three levels, always applied in this order:

* **tree**: on the ruamel.yaml round-trip structure (comments kept), then dumped: odd values
  (negative, zero, huge, tiny, inf, nan, wrong types), values at and just past the edges of each
  field's natural range (read from ``scenarios/scenario.schema.json``), deleted, unknown and
  misspelt keys, duplicated stage names, odd ``extends:`` and ``name:`` values, 100 KB strings,
  nested values, whole sections of the wrong type;
* **text**: on the YAML text: duplicated keys, broken indentation, inserted control characters,
  ANSI escapes, emoji and bidi marks, YAML tags, complex keys, 10,000-deep nesting, anchors,
  aliases and merge keys, document markers and directives, line endings;
* **bytes**: truncation at a random byte, byte order marks, UTF-16, invalid UTF-8, NUL.

A mutant's ``extends:`` stays relative: it is meant to be written as :data:`MUTANT_FILE` into a
directory holding copies of every shipped scenario (:func:`write_sandbox`), so the chain of
files it extends resolves exactly as in ``scenarios/``. The same directory holds a few odd files
for ``extends:`` to name (:data:`SPECIAL_FILES`: a FIFO, a symlink loop, /dev/zero...).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from tests.conftest import SCENARIOS

MUTANT_FILE = "mutant.yaml"
"""Name a mutant is written under, next to copies of the shipped scenarios."""

SECTIONS = (
    "team",
    "managers",
    "coaching",
    "outside_coach",
    "training",
    "skill",
    "stages",
    "leads",
    "deal_value",
    "money",
    "weeks",
    "warmup_weeks",
)
"""Top-level fields whose leaves the value operators pick from, each section equally likely."""

Path_ = tuple[str, ...]
"""A field path from the schema; ``"*"`` stands for any item of a list."""


@dataclass(frozen=True)
class Mutant:
    """One mutated scenario file."""

    id: str
    seed: int
    index: int
    base: str
    """File name of the shipped scenario it started from."""
    description: str
    """The mutations applied, in order, ``; ``-separated (printable ASCII only)."""
    content: str | bytes

    def data(self) -> bytes:
        """The file's bytes as written to disk."""
        return self.content if isinstance(self.content, bytes) else self.content.encode("utf-8")


# --------------------------------------------------------------------------------------------
# Shipped scenarios and the schema


def shipped() -> list[Path]:
    """The shipped scenario files, sorted by name."""
    return sorted(SCENARIOS.glob("*.yaml"))


SPECIAL_FILES = ("fifo.yaml", "loop.yaml", "dir.yaml", "zero.yaml", "sparse.yaml", "passwd.yaml")
"""Odd files :func:`write_sandbox` makes for ``extends:`` to point at: a named pipe, a symlink
to itself, a directory, a symlink to /dev/zero, a 2 MB sparse file, a symlink to /etc/passwd."""


def _sparse(path: Path) -> None:
    with path.open("wb") as f:
        f.truncate(2_000_000)


def write_sandbox(directory: Path) -> None:
    """Copy every shipped scenario (and the schema) into ``directory``, and make the
    :data:`SPECIAL_FILES`."""
    directory.mkdir(parents=True, exist_ok=True)
    for f in [*shipped(), SCENARIOS / "scenario.schema.json"]:
        if f.exists():
            shutil.copyfile(f, directory / f.name)
    specials: list[tuple[str, Callable[[Path], None]]] = [
        ("fifo.yaml", lambda p: os.mkfifo(p)),
        ("loop.yaml", lambda p: p.symlink_to(p.name)),
        ("dir.yaml", lambda p: p.mkdir()),
        ("zero.yaml", lambda p: p.symlink_to("/dev/zero")),
        ("sparse.yaml", _sparse),
        ("passwd.yaml", lambda p: p.symlink_to("/etc/passwd")),
    ]
    for name, make in specials:
        path = directory / name
        if not os.path.lexists(path):
            with contextlib.suppress(OSError):
                make(path)


@cache
def _sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in shipped()}


@cache
def _schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (SCENARIOS / "scenario.schema.json").read_text(encoding="utf-8")
    )
    return data


def _resolve(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(the non-null branch of a property's schema with ``$ref`` followed, nullable?)."""
    nullable = False
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b.get("type") != "null"]
        nullable = len(branches) < len(node["anyOf"])
        node = {**node, **branches[0]} if branches else node
        node.pop("anyOf", None)
    if "$ref" in node:
        target = _schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node, nullable


@cache
def _leaves() -> dict[str, list[tuple[Path_, dict[str, Any]]]]:
    """Leaf fields of the schema, by top-level section."""
    out: dict[str, list[tuple[Path_, dict[str, Any]]]] = {}

    def walk(node: dict[str, Any], path: Path_) -> None:
        node, nullable = _resolve(node)
        if "properties" in node:
            for key, sub in node["properties"].items():
                walk(sub, (*path, key))
            return
        items = node.get("items")
        if node.get("type") == "array" and isinstance(items, dict):
            inner, _ = _resolve(items)
            if "properties" in inner:
                walk(items, (*path, "*"))
                return
        out.setdefault(path[0], []).append((path, {**node, "nullable": nullable}))

    walk(_schema(), ())
    return out


# --------------------------------------------------------------------------------------------
# A mutant in the making


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = True
    y.width = 4096
    return y


class Draft:
    """A scenario being mutated: a round-trip tree, then text, then bytes (each made on demand)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.tree: CommentedMap | None = None
        self._text = _sources()[base]
        self._bytes: bytes | None = None

    def root(self) -> CommentedMap:
        assert self._bytes is None, "tree operators run first"
        if self.tree is None:
            self.tree = copy.deepcopy(_parsed(self.base))
        return self.tree

    def text(self) -> str:
        if self.tree is not None:
            buf = io.StringIO()
            _yaml().dump(self.tree, buf)
            self._text, self.tree = buf.getvalue(), None
        assert self._bytes is None, "text operators run before byte operators"
        return self._text

    def set_text(self, text: str) -> None:
        self.text()
        self._text = text

    def data(self) -> bytes:
        if self._bytes is None:
            self._bytes = self.text().encode("utf-8")
        return self._bytes

    def set_bytes(self, data: bytes) -> None:
        self.data()
        self._bytes = data

    def result(self) -> str | bytes:
        return self._bytes if self._bytes is not None else self.text()


def _show(value: Any, limit: int = 60) -> str:
    """A printable-ASCII, bounded rendering of a value for descriptions."""
    if isinstance(value, str) and len(value) > limit:
        text = f"<{len(value):,}-char string {value[:12]!r}...>"
    else:
        text = repr(value)
        if len(text) > limit:
            text = text[: limit - 3] + "..."
    return text.encode("ascii", "backslashreplace").decode("ascii")


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@cache
def _parsed(base: str) -> CommentedMap:
    tree = _yaml().load(_sources()[base])
    assert isinstance(tree, CommentedMap), base
    return tree


def _container(root: CommentedMap, rng: random.Random, path: Path_) -> tuple[Any, Any, str]:
    """Walk ``path`` (creating what is missing) to (parent, key, dotted path) of its leaf."""
    node: Any = root
    shown: list[str | int] = []
    for i, part in enumerate(path[:-1]):
        nxt = path[i + 1]
        if part == "*":
            continue
        if nxt == "*":
            seq = node.get(part)
            if not isinstance(seq, list) or not seq:
                if part == "stages":
                    seq = copy.deepcopy(_parsed("reference.yaml")["stages"])
                else:
                    seq = CommentedSeq([CommentedMap()])
                node[part] = seq
            idx = rng.randrange(len(seq))
            if not isinstance(seq[idx], dict):
                seq[idx] = CommentedMap()
            shown += [part, idx]
            node = seq[idx]
            continue
        child = node.get(part)
        if not isinstance(child, dict):
            child = CommentedMap()
            node[part] = child
        shown.append(part)
        node = child
    shown.append(path[-1])
    return node, path[-1], _dotted(tuple(shown))


def _pick_leaf(rng: random.Random) -> tuple[Path_, dict[str, Any]]:
    leaves = _leaves()
    section = rng.choice([s for s in SECTIONS if s in leaves])
    return rng.choice(leaves[section])


def _mappings(root: CommentedMap) -> list[tuple[CommentedMap, str]]:
    """Every mapping in the tree with its dotted path."""
    out: list[tuple[CommentedMap, str]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, CommentedMap):
            out.append((node, where))
            for k, v in node.items():
                walk(v, f"{where}.{k}" if where else str(k))
        elif isinstance(node, CommentedSeq):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(root, "")
    return out


# --------------------------------------------------------------------------------------------
# Tree operators

WEIRD: list[Any] = [
    -1,
    0,
    0.0,
    -0.0,
    1e308,
    -1e308,
    1e18,
    10**30,
    -(10**30),
    2**63,
    1e-12,
    5e-324,
    float("inf"),
    float("-inf"),
    float("nan"),
    "abc",
    "3",
    "",
    " ",
    "1e3",
    True,
    False,
    [1, 2],
    [],
    {"a": 1},
    {},
    None,
    1.5,
]


def op_weird_value(rng: random.Random, d: Draft) -> str:
    """A leaf of a scenario section set to an odd value (sign flipped, huge, nan, a list...)."""
    path, _ = _pick_leaf(rng)
    parent, key, shown = _container(d.root(), rng, path)
    current = parent.get(key)
    if isinstance(current, (int, float)) and not isinstance(current, bool) and rng.random() < 0.2:
        value: Any = -current if current else -1
    else:
        value = copy.deepcopy(rng.choice(WEIRD))
    parent[key] = value
    return f"{shown} = {_show(value)}"


def _natural(rng: random.Random, prop: dict[str, Any]) -> Any:
    """A value at, inside or just past the edges of a field's natural range."""
    kind = prop.get("type")
    cands: list[Any] = []
    if prop.get("nullable"):
        cands.append(None)
    if "enum" in prop:
        first = prop["enum"][0]
        cands += [*prop["enum"], str(first).upper(), f"{first} ", "x"]
    elif kind == "boolean":
        cands += [True, False, "yes", 1, "true", None]
    elif kind in ("integer", "number"):
        integer = kind == "integer"
        step: float = 1 if integer else 1e-9
        lo, hi = prop.get("minimum"), prop.get("maximum")
        xlo, xhi = prop.get("exclusiveMinimum"), prop.get("exclusiveMaximum")
        if lo is not None:
            cands += [lo, lo, lo - step, lo + step]
        if xlo is not None:
            cands += [xlo, xlo + step, xlo + 1e-12]
        if hi is not None:
            cands += [hi, hi, hi + step, hi - step]
        if xhi is not None:
            cands += [xhi, xhi - step, xhi - 1e-12]
        low = lo if lo is not None else (xlo if xlo is not None else -1e6)
        high = hi if hi is not None else (xhi if xhi is not None else None)
        if high is None:
            cands += [1e3, 1e6, 1e9, 1e15]
            high = low + 1e4
        for _ in range(3):
            cands.append(rng.uniform(low, high))
        if "default" in prop and prop["default"] is not None:
            cands += [prop["default"]]
        if integer:
            cands = [
                int(c) if isinstance(c, float) and c == c and abs(c) < 1e300 else c for c in cands
            ]
            cands += [float(cands[-1]) if cands else 2.0, 2.5]
        else:
            cands = [round(c, rng.choice([0, 3, 12])) if isinstance(c, float) else c for c in cands]
    elif kind == "array":
        cands += [["closing"], ["closing", "closing"], [], ["prospecting", "closing"], None]
    elif kind == "string":
        pattern = prop.get("pattern")
        cands += ["closing", "a", "x" * 200, "Closing", "1st", "a-b", "", "a b", "stage\u00e9"]
        if pattern:
            cands += ["a" * 64, "_x"]
    else:
        cands += [None, 1, "x"]
    return copy.deepcopy(rng.choice(cands))


def op_natural_range(rng: random.Random, d: Draft) -> str:
    """A leaf of a scenario section set at, inside or just past the edges of its natural range."""
    path, prop = _pick_leaf(rng)
    parent, key, shown = _container(d.root(), rng, path)
    value = _natural(rng, prop)
    parent[key] = value
    return f"{shown} = {_show(value)} (range)"


def op_natural_many(rng: random.Random, d: Draft) -> str:
    """Several leaves of one section set within or at the edges of their ranges."""
    section = rng.choice([s for s in SECTIONS if s in _leaves()])
    out = []
    for path, prop in rng.sample(_leaves()[section], min(3, len(_leaves()[section]))):
        parent, key, shown = _container(d.root(), rng, path)
        value = _natural(rng, prop)
        parent[key] = value
        out.append(f"{shown} = {_show(value)}")
    return ", ".join(out) + " (range)"


def op_delete_key(rng: random.Random, d: Draft) -> str:
    """A random key deleted, anywhere."""
    maps = [(m, w) for m, w in _mappings(d.root()) if m]
    if not maps:
        return "delete: nothing to delete"
    node, where = rng.choice(maps)
    key = rng.choice(list(node))
    del node[key]
    return f"delete {_show(f'{where}.{key}' if where else key)}"


UNKNOWN_KEYS = [
    "foo",
    "managerz",
    "Weeks",
    "weeks ",
    "_private",
    "__class__",
    "$schema",
    "x" * 300,
    "ключ",
    "\u202ereversed",
    "emoji\U0001f600",
    "a.b",
    "a:b",
    "1",
    "null",
    "e\x1b[31mred",
]


def op_add_unknown_key(rng: random.Random, d: Draft) -> str:
    """An unknown key added to a random mapping."""
    node, where = rng.choice(_mappings(d.root()))
    key = rng.choice(UNKNOWN_KEYS)
    node[key] = rng.choice([1, "x", None, {"a": 1}, [1]])
    return f"add unknown key {_show(key)} under {where or 'top level'!r}"


def _typo(rng: random.Random, key: str) -> str:
    if len(key) < 2:
        return key + "_"
    i = rng.randrange(len(key) - 1)
    choices = [
        key[:i] + key[i + 1] + key[i] + key[i + 2 :],  # swap
        key[:i] + key[i + 1 :],  # drop
        key[:i] + key[i] + key[i:],  # double
        key.upper(),
        key + "s",
        key.replace("_", "-"),
        key.replace("_", " "),
        " " + key,
    ]
    out = rng.choice(choices)
    return out if out != key else key + "x"


def op_rename_typo(rng: random.Random, d: Draft) -> str:
    """A key renamed with a typo, in place."""
    maps = [(m, w) for m, w in _mappings(d.root()) if m]
    if not maps:
        return "rename: no key"
    node, where = rng.choice(maps)
    keys = list(node)
    key = rng.choice(keys)
    new = _typo(rng, str(key))
    if new in node:
        return f"rename: {new!r} exists"
    pos = keys.index(key)
    value = node.pop(key)
    node.insert(pos, new, value)
    return f"rename {_show(key)} -> {_show(new)} under {where or 'top level'!r}"


def op_section_type(rng: random.Random, d: Draft) -> str:
    """A whole section replaced by a value of another type."""
    section = rng.choice(SECTIONS)
    choices: list[Any] = [5, "x", [], [1], {}, None, True, [{}], {"a": 1}, -1]
    value = copy.deepcopy(rng.choice(choices))
    d.root()[section] = value
    return f"section {section} = {_show(value)}"


def op_stage_dupes(rng: random.Random, d: Draft) -> str:
    """Repeated, empty or unknown stage names in stage lists, and repeated stage definitions."""
    root = d.root()
    kind = rng.randrange(9)

    def section(name: str) -> CommentedMap:
        node = root.get(name)
        if not isinstance(node, CommentedMap):
            node = CommentedMap()
            root[name] = node
        return node

    if kind == 0:
        root["training"] = [CommentedMap(stages=["closing", "closing"])]
        return "training: [{stages: [closing, closing]}]"
    if kind == 1:
        section("coaching")["scope"] = ["closing", "closing"]
        return "coaching.scope = [closing, closing]"
    if kind == 2:
        section("outside_coach")["scope"] = ["proposal", "proposal", "closing"]
        return "outside_coach.scope = [proposal, proposal, closing]"
    if kind == 3:
        stages = copy.deepcopy(_parsed("reference.yaml")["stages"])
        stages.append(copy.deepcopy(stages[rng.randrange(len(stages))]))
        root["stages"] = stages
        return "stages: one stage defined twice"
    if kind == 4:
        which = rng.choice(["coaching", "outside_coach"])
        section(which)["scope"] = []
        return f"{which}.scope = []"
    if kind == 5:
        root["training"] = [CommentedMap(stages=[]), CommentedMap(stages=["nope", "Closing"])]
        return "training: [{stages: []}, {stages: [nope, Closing]}]"
    if kind == 6:
        root["training"] = [
            CommentedMap(name="t", start_week=1),
            CommentedMap(name="t", start_week=1),
        ]
        return "training: two identical programmes in week 1"
    if kind == 7:
        stages = copy.deepcopy(_parsed("reference.yaml")["stages"])
        keep = rng.randint(1, len(stages))
        root["stages"] = CommentedSeq(stages[:keep])
        return f"stages: only the first {keep}, coaching scopes unchanged"
    n = rng.choice([1, 20, 21])
    root["stages"] = [
        CommentedMap(name=f"s{i}", base_conversion=0.9, duration_mean_days=1.0) for i in range(n)
    ]
    return f"stages: {n} stages s0..s{n - 1} (scopes naming old stages kept)"


EXTENDS: list[Any] = [
    ".",
    "..",
    "/",
    "/dev/null",
    "/etc/passwd",
    "/dev/zero",
    "/proc/self/status",
    "missing.yaml",
    "x" * 5000,
    "a/" * 2500 + "b.yaml",
    "reference.yaml/",
    "./reference.yaml",
    "../scenarios/reference.yaml",
    MUTANT_FILE,
    "scenario.schema.json",
    "~/x.yaml",
    "",
    "   ",
    5,
    ["reference.yaml"],
    {"a": 1},
    None,
    "reference.yaml\x00",
    "reference.yaml\n",
    "REFERENCE.YAML",
    "file:///etc/passwd",
    *SPECIAL_FILES,
    *SPECIAL_FILES,
]


def op_extends_odd(rng: random.Random, d: Draft) -> str:
    """``extends:`` pointing at a directory, a device, a missing file, itself, a long path..."""
    value = copy.deepcopy(rng.choice(EXTENDS))
    d.root()["extends"] = value
    return f"extends = {_show(value)}"


NAMES: list[Any] = [
    ".",
    "..",
    "../x",
    "/tmp/x",
    "a/b",
    "",
    "a\x00b",
    "a\nb",
    " ",
    "x" * 200,
    "x" * 201,
    "-n",
    "--force",
    "outputs",
    "x.partial",
    ".hidden",
    "a\\b",
    "\U0001f600",
    "\u202eevil",
    "\x1b[31mred",
    "<script>alert(1)</script>",
    5,
    None,
    ["a"],
]


def op_name_odd(rng: random.Random, d: Draft) -> str:
    """``name:`` set to a path, an empty string, a name with a NUL, newline or escape..."""
    value = copy.deepcopy(rng.choice(NAMES))
    d.root()["name"] = value
    return f"name = {_show(value)}"


def op_long_value(rng: random.Random, d: Draft) -> str:
    """A 100 KB string as a value or a key."""
    text = rng.choice(["x" * 100_000, "word " * 20_000, "\u00e9" * 50_000])
    where = rng.choice(["description", "name", "stage", "training", "style", "key", "extends"])
    root = d.root()
    if where == "stage":
        stages = copy.deepcopy(_parsed("reference.yaml")["stages"])
        stages[0]["name"] = text
        root["stages"] = stages
    elif where == "training":
        root["training"] = [CommentedMap(name=text)]
    elif where == "style":
        if not isinstance(root.get("coaching"), CommentedMap):
            root["coaching"] = CommentedMap()
        root["coaching"]["style"] = text
    elif where == "key":
        root[text] = 1
    else:
        root[where] = text
    return f"{where}: {_show(text)}"


def op_nested_value(rng: random.Random, d: Draft) -> str:
    """A leaf replaced by lists or mappings nested 50-200 deep."""
    path, _ = _pick_leaf(rng)
    parent, key, shown = _container(d.root(), rng, path)
    depth = rng.choice([50, 200])
    value: Any = 1
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"a": value}
    parent[key] = value
    return f"{shown} = value nested {depth} deep"


# --------------------------------------------------------------------------------------------
# Text operators

_KEY_LINE = re.compile(r"^(\s*)(-\s+)?([A-Za-z_][\w]*)\s*:(.*)$")


def _key_lines(text: str) -> list[int]:
    return [i for i, ln in enumerate(text.split("\n")) if _KEY_LINE.match(ln)]


def _scalar_lines(text: str) -> list[int]:
    out = []
    for i, ln in enumerate(text.split("\n")):
        m = _KEY_LINE.match(ln)
        if m and m.group(4).strip() and not m.group(4).strip().startswith("#"):
            out.append(i)
    return out


def _append(text: str, block: str) -> str:
    return (text if text.endswith("\n") else text + "\n") + block


def op_dup_key(rng: random.Random, d: Draft) -> str:
    """A ``key: value`` line repeated (same or other value), or a top-level key added again."""
    text = d.text()
    lines = text.split("\n")
    idx = _key_lines(text)
    if not idx or rng.random() < 0.3:
        key = rng.choice(["weeks", "team", "name", "coaching", "extends"])
        value = {"weeks": "3", "team": "{managers: 1}", "name": "dup", "coaching": "{}"}.get(
            key, "reference.yaml"
        )
        d.set_text(_append(text, f"{key}: {value}\n"))
        return f"duplicate top-level key {key}"
    i = rng.choice(idx)
    m = _KEY_LINE.match(lines[i])
    assert m
    indent = m.group(1) + (" " * len(m.group(2)) if m.group(2) else "")
    dup = lines[i] if rng.random() < 0.5 else f"{indent}{m.group(3)}: 1"
    if m.group(2) and dup == lines[i]:
        dup = f"{indent}{m.group(3)}:{m.group(4)}"
    lines.insert(i + 1, dup)
    d.set_text("\n".join(lines))
    return f"duplicate key {m.group(3)} (line {i + 1})"


def op_bad_indent(rng: random.Random, d: Draft) -> str:
    """A line indented one, two or three spaces off, or with a tab."""
    text = d.text()
    lines = text.split("\n")
    idx = [i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if not idx:
        return "indent: no line"
    i = rng.choice(idx)
    ln = lines[i]
    body = ln.lstrip(" ")
    indent = len(ln) - len(body)
    how = rng.randrange(4)
    if how == 0:
        lines[i] = " " * (indent + rng.choice([1, 3])) + body
    elif how == 1:
        lines[i] = " " * max(0, indent - rng.choice([1, 2])) + body
    elif how == 2:
        lines[i] = "\t" + ln
    else:
        lines[i] = " " * indent + "\t" + body
    d.set_text("\n".join(lines))
    return f"indentation broken on line {i + 1} ({['+spaces', '-spaces', 'tab', 'tab2'][how]})"


UNICODE = [
    *[chr(c) for c in range(0x20) if c != 0x0A],
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\u200b",
    "\u200f",
    "\u202e",
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\x1b[2J",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\u00e9",
    "\ufb01",
    "\U0001d7d9",
    "\u0663",
]


def op_unicode(rng: random.Random, d: Draft) -> str:
    """Control characters, escapes, emoji, bidi marks inserted into keys, values or anywhere."""
    text = d.text()
    lines = text.split("\n")
    shown = []
    for _ in range(rng.randint(1, 3)):
        ch = rng.choice(UNICODE)
        idx = _scalar_lines("\n".join(lines))
        where = rng.randrange(4)
        if where == 0 or not idx:
            flat = "\n".join(lines)
            pos = rng.randrange(len(flat) + 1)
            lines = (flat[:pos] + ch + flat[pos:]).split("\n")
            shown.append(f"{_show(ch)} at char {pos}")
            continue
        i = rng.choice(idx)
        m = _KEY_LINE.match(lines[i])
        assert m
        if where == 1:  # in the value
            lines[i] = lines[i].rstrip() + ch
            shown.append(f"{_show(ch)} after value on line {i + 1}")
        elif where == 2:  # in the key
            start = m.start(3) + rng.randrange(len(m.group(3)) + 1)
            lines[i] = lines[i][:start] + ch + lines[i][start:]
            shown.append(f"{_show(ch)} in key on line {i + 1}")
        else:  # a new string value
            lines[i] = lines[i][: m.end(3)] + f': "{ch.encode("unicode_escape").decode()}"'
            shown.append(f"escaped {_show(ch)} as value on line {i + 1}")
    d.set_text("\n".join(lines))
    return ", ".join(shown)


TAGS = [
    "!!int abc",
    "!!bool maybe",
    "!!float .e",
    "!!omap 75",
    "!!set 5",
    "!!python/object:os.system",
    '!!python/object/apply:os.system ["true"]',
    "!!python/name:os.system",
    "!binary 5",
    "!!binary aGVsbG8=",
    "!!binary !!!",
    "!!timestamp 2001-12-14",
    "!!timestamp 2001-13-45",
    "!!str 5",
    "!!null x",
    "!!float 1e400",
    "!!int 0o17",
    "!!int 0x_",
    "!!int 1_000",
    "!!float inf",
    "!<tag:yaml.org,2002:int> 5",
    "!!map [1]",
    "!!seq {a: 1}",
    "!!merge x",
    "!!value x",
    "!local x",
    "!local {a: 1}",
    "! 5",
]


def op_tag(rng: random.Random, d: Draft) -> str:
    """A value replaced by a tagged one (``!!int abc``, ``!!python/object:os.system``...)."""
    text = d.text()
    lines = text.split("\n")
    tag = rng.choice(TAGS)
    idx = _scalar_lines(text)
    if not idx or rng.random() < 0.25:
        key = rng.choice(["weeks", "warmup_weeks", "description", "extends", "outside_coach"])
        d.set_text(_append(text, f"{key}: {tag}\n"))
        return f"{key}: {tag} (appended)"
    i = rng.choice(idx)
    m = _KEY_LINE.match(lines[i])
    assert m
    lines[i] = lines[i][: m.end(3)] + ": " + tag
    d.set_text("\n".join(lines))
    return f"{m.group(3)}: {tag} (line {i + 1})"


COMPLEX_KEYS = [
    "? [[1]]\n: 1\n",
    "? {a: 1}\n: x\n",
    "[1, 2]: 3\n",
    "{a: b}: c\n",
    "? - a\n  - b\n: 1\n",
    "? !!null\n: 1\n",
    "null: 1\n",
    "1: 1\n",
    "true: x\n",
    "1.5: x\n",
    "~: x\n",
    ".inf: 1\n",
    "? |\n  block\n  key\n: 1\n",
]


def op_complex_key(rng: random.Random, d: Draft) -> str:
    """A sequence, mapping, null or number as a key, at the top level or in a section."""
    block = rng.choice(COMPLEX_KEYS)
    text = d.text()
    if rng.random() < 0.5:
        section = rng.choice(["team", "coaching", "managers"])
        inner = "".join("  " + ln + "\n" for ln in block.rstrip("\n").split("\n"))
        d.set_text(_append(text, f"{section}:\n{inner}"))
        return f"complex key {_show(block)} in {section}"
    d.set_text(_append(text, block))
    return f"complex key {_show(block)} at top level"


def op_deep_nesting(rng: random.Random, d: Draft) -> str:
    """10,000 nested flow lists or mappings, or hundreds of nested block levels."""
    n = rng.choice([1_000, 10_000])
    kind = rng.randrange(5)
    if kind == 0:
        block = "weeks: " + "[" * n + "]" * n + "\n"
    elif kind == 1:
        block = "weeks: " + "[" * n + "\n"
    elif kind == 2:
        block = "team: " + "{a: " * n + "1" + "}" * n + "\n"
    elif kind == 3:
        depth = n // 20
        block = "deep:\n" + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(depth))
        block += "  " * (depth + 1) + "1\n"
    else:
        block = "training:\n" + "- " * (n // 5) + "1\n"
    d.set_text(_append(d.text(), block))
    return f"deep nesting kind {kind}, n={n}"


def op_anchors(rng: random.Random, d: Draft) -> str:
    """Anchors, aliases, merge keys, undefined and recursive aliases, an alias bomb."""
    text = d.text()
    kind = rng.randrange(8)
    if kind == 0:
        block = "outside_coach: *nope\n"
    elif kind == 1:
        block = "leads: &t {per_rep_per_week: 2}\nweeks_alias: *t\n"
    elif kind == 2:
        block = "money: &m {gross_margin: 0.5}\ndeal_value:\n  <<: *m\n"
    elif kind == 3:
        block = "coaching:\n  <<: {sessions_per_rep_per_week: 1, minutes_per_session: 20}\n"
    elif kind == 4:
        block = "recursive: &r [*r]\n"
    elif kind == 5:
        block = "a: &a {b: *a}\n"
    elif kind == 6:
        rows = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
        for i in range(1, 7):
            rows.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
        block = "\n".join(rows) + "\n"
    else:
        lines = text.split("\n")
        idx = _scalar_lines(text)
        if len(idx) < 2:
            block = "weeks: &w 30\nwarmup_weeks: *w\n"
        else:
            i, j = sorted(rng.sample(idx, 2))
            mi, mj = _KEY_LINE.match(lines[i]), _KEY_LINE.match(lines[j])
            assert mi
            assert mj
            lines[i] = lines[i][: mi.end(3)] + ": &v" + mi.group(4)
            lines[j] = lines[j][: mj.end(3)] + ": *v"
            d.set_text("\n".join(lines))
            return f"anchor on {mi.group(3)} (line {i + 1}) aliased as {mj.group(3)}"
    d.set_text(_append(text, block))
    return f"anchors: {_show(block, 50)}"


def op_doc_markers(rng: random.Random, d: Draft) -> str:
    """Directives, document markers, several documents in one file."""
    text = d.text()
    kind = rng.randrange(6)
    if kind == 0:
        d.set_text("%YAML 1.1\n---\n" + text)
    elif kind == 1:
        d.set_text("%YAML 2.0\n---\n" + text)
    elif kind == 2:
        d.set_text(_append(text, "---\nweeks: 3\n"))
    elif kind == 3:
        d.set_text("...\n" + text)
    elif kind == 4:
        d.set_text("%TAG ! tag:example.com,2000:\n---\n" + text)
    else:
        d.set_text("--- !!map\n" + text)
    return f"document markers kind {kind}"


def op_line_endings(rng: random.Random, d: Draft) -> str:
    """CRLF or CR line ends, a form feed, trailing spaces, no final newline."""
    text = d.text()
    kind = rng.randrange(5)
    if kind == 0:
        d.set_text(text.replace("\n", "\r\n"))
    elif kind == 1:
        d.set_text(text.replace("\n", "\r"))
    elif kind == 2:
        d.set_text(text.replace("\n", "\n\f", 1))
    elif kind == 3:
        d.set_text(text.replace("\n", "   \n"))
    else:
        d.set_text(text.rstrip("\n"))
    return f"line endings kind {kind}"


# --------------------------------------------------------------------------------------------
# Byte operators


def op_truncate(rng: random.Random, d: Draft) -> str:
    """The file cut at a random byte (possibly inside a UTF-8 sequence, possibly to nothing)."""
    data = d.data()
    at = rng.randrange(len(data) + 1)
    d.set_bytes(data[:at])
    return f"truncated at byte {at} of {len(data)}"


def op_bad_bytes(rng: random.Random, d: Draft) -> str:
    """A byte order mark, UTF-16, invalid UTF-8, a NUL, Latin-1 bytes."""
    data = d.data()
    kind = rng.randrange(7)
    pos = rng.randrange(len(data) + 1)
    if kind == 0:
        d.set_bytes(b"\xef\xbb\xbf" + data)
    elif kind == 1:
        d.set_bytes(data.decode("utf-8", "replace").encode("utf-16"))
    elif kind == 2:
        d.set_bytes(data[:pos] + b"\xff" + data[pos:])
    elif kind == 3:
        d.set_bytes(data[:pos] + b"\xed\xa0\x80" + data[pos:])
    elif kind == 4:
        d.set_bytes(data[:pos] + b"\x00" + data[pos:])
    elif kind == 5:
        d.set_bytes(data + b"description: caf\xe9\n")
    else:
        d.set_bytes(data[:pos] + b"\xc0\xaf" + data[pos:])
    return f"bytes kind {kind} at {pos}"


# --------------------------------------------------------------------------------------------
# Choosing and applying operators

Operator = Callable[[random.Random, Draft], str]

OPERATORS: list[tuple[str, Operator, int, int]] = [
    # (name, function, level: 0 tree / 1 text / 2 bytes, weight)
    ("natural_range", op_natural_range, 0, 8),
    ("natural_many", op_natural_many, 0, 4),
    ("weird_value", op_weird_value, 0, 6),
    ("delete_key", op_delete_key, 0, 2),
    ("unknown_key", op_add_unknown_key, 0, 2),
    ("rename_typo", op_rename_typo, 0, 2),
    ("section_type", op_section_type, 0, 1),
    ("stage_dupes", op_stage_dupes, 0, 3),
    ("extends_odd", op_extends_odd, 0, 2),
    ("name_odd", op_name_odd, 0, 3),
    ("long_value", op_long_value, 0, 1),
    ("nested_value", op_nested_value, 0, 1),
    ("dup_key", op_dup_key, 1, 2),
    ("bad_indent", op_bad_indent, 1, 2),
    ("unicode", op_unicode, 1, 3),
    ("tag", op_tag, 1, 3),
    ("complex_key", op_complex_key, 1, 1),
    ("deep_nesting", op_deep_nesting, 1, 1),
    ("anchors", op_anchors, 1, 2),
    ("doc_markers", op_doc_markers, 1, 1),
    ("line_endings", op_line_endings, 1, 1),
    ("truncate", op_truncate, 2, 2),
    ("bad_bytes", op_bad_bytes, 2, 1),
]


def mutant(seed: int, index: int) -> Mutant:
    """Mutant number ``index`` of ``seed`` (independent of every other mutant)."""
    rng = random.Random(f"{seed}:{index}")
    sources = _sources()
    base = rng.choice(sorted(sources))
    n_ops = rng.choices([1, 2, 3], weights=[3, 2, 1])[0]
    chosen = rng.choices(OPERATORS, weights=[w for *_, w in OPERATORS], k=n_ops)
    chosen.sort(key=lambda op: op[2])
    draft = Draft(base)
    parts = []
    for name, fn, _, _ in chosen:
        parts.append(f"{name}: {fn(rng, draft)}")
    return Mutant(
        id=f"{seed}-{index:05d}",
        seed=seed,
        index=index,
        base=base,
        description="; ".join(parts),
        content=draft.result(),
    )


def mutants(seed: int, count: int, start: int = 0) -> Iterator[Mutant]:
    """``count`` mutants of ``seed``, numbered from ``start``."""
    for index in range(start, start + count):
        yield mutant(seed, index)


# --------------------------------------------------------------------------------------------
# Pairs for compare


PARTNER_FILE = "partner.yaml"
"""Name of the file a valid mutant is compared with (see :func:`pair_plan`)."""
OTHER_STAGES = (
    "  - {name: first_call, base_conversion: 0.5, duration_mean_days: 8}\n"
    "  - {name: closing, base_conversion: 0.6, duration_mean_days: 12}\n"
)
"""A sales process other than the shipped files' (a partner may be given it)."""


@dataclass(frozen=True)
class PairPlan:
    """How a valid mutant is compared with a partner file: the partner's own settings, who is
    the baseline, and the ``--set`` sweep (if any) of the alternatives."""

    partner: str
    """The shipped scenario the partner extends."""
    weeks: int | None
    """The partner's horizon (None: the mutant's short-run horizon)."""
    team: tuple[int, int]
    """The partner's managers and reps per manager."""
    other_stages: bool
    """The partner has a sales process of its own (:data:`OTHER_STAGES`)."""
    mutant_first: bool
    """The mutant is the baseline (else the partner is)."""
    sets: tuple[str, tuple[str, ...]] | None
    """``--set PATH=V1,...`` as (path, values as typed)."""

    def partner_text(self, weeks: int) -> str:
        """The partner file, for a mutant whose short run has ``weeks`` weeks."""
        m, r = self.team
        text = (
            f"extends: {self.partner}\nname: partner\nweeks: {self.weeks or weeks}\n"
            f"warmup_weeks: 2\nteam:\n  managers: {m}\n  reps_per_manager: {r}\n"
        )
        return text + ("stages:\n" + OTHER_STAGES if self.other_stages else "")

    def describe(self) -> str:
        """The plan in printable ASCII, for the failure's description."""
        sets = f"; --set {self.sets[0]}={','.join(self.sets[1])}" if self.sets else ""
        return (
            f"pair with {self.partner} (weeks {self.weeks or 'same'}, team {self.team[0]}x"
            f"{self.team[1]}{', other stages' if self.other_stages else ''}, "
            f"{'mutant' if self.mutant_first else 'partner'} first{sets})"
        )


def _set_values(rng: random.Random, prop: dict[str, Any]) -> tuple[str, ...]:
    """Values as a user might type them for ``--set``: whole, fractional, percentages, edges."""
    integer = prop.get("type") == "integer"
    lo = prop.get("minimum", prop.get("exclusiveMinimum", 0))
    hi = prop.get("maximum", prop.get("exclusiveMaximum", (lo or 0) + 100))
    pool: list[float | str] = [lo, hi, lo + 1, (lo + hi) / 2, hi + 1, lo - 1, 2.5, 0.5, 1.0]
    if integer:
        pool += [int(lo) + 1, int(lo) + 2, 3]
    if hi <= 1:
        pool += ["10%", "50%", "150%"]
    values = rng.sample(pool, k=rng.choice([1, 2]))
    out = []
    for v in values:
        text = v if isinstance(v, str) else (f"{v:g}" if rng.random() < 0.8 else repr(float(v)))
        if text not in out:
            out.append(text)
    return tuple(out)


def is_integer_path(path: str) -> bool:
    """Whether the schema gives the setting at ``section.field`` as an integer (the fuzzer's
    own oracle, independent of the code under test)."""
    section = path.split(".", 1)[0]
    return any(
        ".".join(p) == path and prop.get("type") == "integer"
        for p, prop in _leaves().get(section, [])
    )


def pair_plan(seed: int, index: int) -> PairPlan:
    """The pair mutant ``index`` of ``seed`` is compared in (independent of the mutant's own
    operators, so adding pairs changed no mutant)."""
    rng = random.Random(f"{seed}:{index}:pair")
    partner = rng.choice(sorted(_sources()))
    weeks = rng.choice([None, None, rng.randint(2, 30)])
    team = (2, 3) if rng.random() < 0.5 else (rng.randint(1, 3), rng.randint(1, 4))
    sets = None
    if rng.random() < 0.5:
        section = rng.choice(["team", "outside_coach", "coaching", "managers", "leads", "money"])
        leaves = [
            (p, prop)
            for p, prop in _leaves().get(section, [])
            if prop.get("type") in ("integer", "number") and "*" not in p
        ]
        if leaves:
            path, prop = rng.choice(leaves)
            sets = (".".join(path), _set_values(rng, prop))
    return PairPlan(
        partner=partner,
        weeks=weeks,
        team=team,
        other_stages=rng.random() < 0.15,
        mutant_first=rng.random() < 0.5,
        sets=sets,
    )
