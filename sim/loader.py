"""Reading scenario files: YAML 1.2, ``extends:``, and errors that point at file:line:column.

Files are read with ruamel.yaml's round-trip loader, which is safe (no arbitrary objects), treats
duplicate keys as errors and remembers where every key and value stands. While a file and the
files it ``extends`` are merged, each value keeps the place it came from, so a validation error in
a merged scenario still names the file and line that set the bad value.
"""

from __future__ import annotations

import difflib
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

MAX_FILE_BYTES = 1_000_000
"""A scenario larger than this is refused."""
MAX_NODES = 100_000
"""A document that expands to more nodes than this is refused (alias bombs)."""
NOT_INHERITED = ("name", "description", "extends")
"""Keys a scenario never takes from the file it extends."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, where it is and what is wrong."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ScenarioError(Exception):
    """A scenario that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))


Pos = tuple[str, int, int]
Loc = tuple[str | int, ...]


def _field_name(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass
class Document:
    """A merged scenario mapping and where each of its values came from."""

    data: dict[str, Any]
    default_name: str
    top_file: str
    key_pos: dict[Loc, Pos] = field(default_factory=dict)
    value_pos: dict[Loc, Pos] = field(default_factory=dict)

    def _where(self, loc: Loc, key: bool = False) -> Pos:
        table = self.key_pos if key else self.value_pos
        for n in range(len(loc), -1, -1):
            if loc[:n] in table:
                return table[loc[:n]]
            if loc[:n] in self.key_pos:
                return self.key_pos[loc[:n]]
        return (self.top_file, 1, 1)

    def problem(self, loc: Loc, message: str, key: bool = False) -> Problem:
        """A problem at ``loc`` (a path of keys and list indices)."""
        file, line, col = self._where(loc, key)
        return Problem(file, line, col, _field_name(loc), message)

    def pydantic_problems(self, exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
        """Turn pydantic's errors into problems with positions and plain messages."""
        out = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
            kind = err["type"]
            if kind == "extra_forbidden":
                allowed = _fields_at(model, loc[:-1])
                msg = "unknown key"
                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
                if close:
                    msg += f"; did you mean {close[0]!r}?"
                elif allowed:
                    msg += f"; allowed keys: {', '.join(sorted(allowed))}"
                out.append(self.problem(loc, msg, key=True))
            elif kind == "missing":
                out.append(self.problem(loc[:-1], f"required key {loc[-1]!r} is missing"))
            else:
                msg = err["msg"]
                value = err.get("input")
                if isinstance(value, (int, float, str, bool)) or value is None:
                    msg += f" (got {value!r})"
                out.append(self.problem(loc, msg))
        return out


def _unwrap(tp: Any) -> Any:
    """The model or list-item type inside Optional[...] / list[...] annotations."""
    while True:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if args else tp
        elif origin is list:
            return ("list", typing.get_args(tp)[0])
        else:
            return tp


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the model found at ``loc`` below ``model`` (empty if none)."""
    cur: Any = model
    for part in loc:
        if isinstance(cur, tuple):
            cur = _unwrap(cur[1]) if isinstance(part, int) else None
        elif isinstance(cur, type) and issubclass(cur, BaseModel) and isinstance(part, str):
            f = cur.model_fields.get(part)
            cur = _unwrap(f.annotation) if f else None
        else:
            return []
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        return list(cur.model_fields)
    return []


def _fail(file: str, line: int, col: int, msg: str, fieldname: str = "") -> ScenarioError:
    return ScenarioError([Problem(file, line, col, fieldname, msg)])


def _read_yaml(path: Path, shown: str) -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _fail(shown, 1, 1, "file not found") from None
    except IsADirectoryError:
        raise _fail(shown, 1, 1, "is a directory, not a scenario file") from None
    except OSError as exc:
        raise _fail(shown, 1, 1, f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _fail(
            shown, 1, 1, f"file is {len(raw):,} bytes; a scenario is at most {MAX_FILE_BYTES:,}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(shown, 1, 1, f"not a text file (invalid UTF-8 at byte {exc.start})") from None
    if "\x00" in text:
        raise _fail(shown, 1, 1, "not a text file (contains NUL bytes)")
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise _fail(shown, 1, 1, "file is empty; expected a mapping of scenario settings")
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise _fail(shown, line, col, f"YAML error: {what}".strip()) from None
    except YAMLError as exc:
        raise _fail(shown, 1, 1, f"YAML error: {exc}") from None
    except RecursionError:
        raise _fail(shown, 1, 1, "YAML nests too deeply") from None
    if not isinstance(data, CommentedMap):
        kind = type(data).__name__ if data is not None else "nothing"
        kind = {"CommentedSeq": "a list", "str": "a string"}.get(kind, kind)
        raise _fail(shown, 1, 1, f"top level must be a mapping of settings, not {kind}")
    return data


def _plain(node: Any, shown: str, loc: Loc, doc: Document, budget: list[int]) -> Any:
    """A plain-Python copy of a ruamel node, recording positions; counts nodes for alias bombs."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _fail(
            shown,
            1,
            1,
            f"document expands to more than {MAX_NODES:,} values "
            "(recursive or exponential YAML aliases?)",
        )
    if isinstance(node, CommentedMap):
        out = {}
        for k, v in node.items():
            key = str(k) if not isinstance(k, str) else k
            sub = (*loc, key)
            try:
                kl, kc = node.lc.key(k)
                doc.key_pos[sub] = (shown, kl + 1, kc + 1)
                vl, vc = node.lc.value(k)
                doc.value_pos[sub] = (shown, vl + 1, vc + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            out[key] = _plain(v, shown, sub, doc, budget)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, v in enumerate(node):
            sub = (*loc, i)
            try:
                il, ic = node.lc.item(i)
                doc.value_pos[sub] = (shown, il + 1, ic + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            items.append(_plain(v, shown, sub, doc, budget))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key, anything else in ``over`` replaces ``base``."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _load(path: Path, chain: list[Path], budget: list[int]) -> Document:
    shown = _shown(path)
    node = _read_yaml(path, shown)
    doc = Document(data={}, default_name=path.stem, top_file=shown)
    data = _plain(node, shown, (), doc, budget)
    parent = data.get("extends")
    if parent is None:
        doc.data = data
        return doc
    where = doc.value_pos.get(("extends",), (shown, 1, 1))
    if not isinstance(parent, str) or not parent.strip():
        raise _fail(*where, "must be the path of another scenario file", "extends")
    target = (path.parent / parent).resolve()
    if target in chain or target == path.resolve():
        cycle = " -> ".join(_shown(p) for p in [*chain, path.resolve(), target])
        raise _fail(*where, f"cycle: {cycle}", "extends")
    if not target.is_file():
        raise _fail(
            *where, f"extended file {parent!r} not found (looked for {_shown(target)})", "extends"
        )
    base = _load(target, [*chain, path.resolve()], budget)
    inherited = {k: v for k, v in base.data.items() if k not in NOT_INHERITED}
    # Where this file replaces a list or a value whole, the base's positions below it are stale.
    replaced = [loc for loc in doc.value_pos if not isinstance(_get(data, loc), dict)]

    def fresh(table: dict[Loc, Pos]) -> dict[Loc, Pos]:
        return {
            loc: pos
            for loc, pos in table.items()
            if loc[:1] not in NOT_INHERITED and not any(loc[: len(r)] == r for r in replaced)
        }

    return Document(
        data=_merge(inherited, data),
        default_name=path.stem,
        top_file=shown,
        key_pos={**fresh(base.key_pos), **doc.key_pos},
        value_pos={**fresh(base.value_pos), **doc.value_pos},
    )


def _get(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def load_mapping(path: str | os.PathLike[str]) -> Document:
    """Read a scenario file and everything it extends into one plain mapping with positions."""
    return _load(Path(path), [], [MAX_NODES])
