"""Reading scenario files: YAML 1.2, ``extends:``, and errors that point at file:line:column.

Files are read with ruamel.yaml's round-trip loader, which is safe (no arbitrary objects), treats
duplicate keys as errors and remembers where every key and value stands. While a file and the
files it ``extends`` are merged, each value keeps the place it came from, so a validation error in
a merged scenario still names the file and line that set the bad value.

Whatever a file holds, reading it ends in a scenario or in problems, never in an exception or a
hang: only regular files are opened (never a FIFO or a device), at most :data:`MAX_FILE_BYTES`
are read, YAML tags and non-scalar keys are refused before anything is constructed, and every
message is one line with control characters escaped and long values cut. A file that is not a
scenario (none of its top-level keys is a setting) is refused without echoing what it holds.
"""

from __future__ import annotations

import difflib
import errno
import os
import stat
import types
import typing
import unicodedata
import warnings
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

MAX_FILE_BYTES = 1_000_000
"""A scenario larger than this is refused."""
MAX_NODES = 100_000
"""A document that expands to more nodes than this is refused (alias bombs)."""
NOT_INHERITED = ("name", "description", "extends")
"""Keys a scenario never takes from the file it extends."""
SCENARIO_SUFFIXES = (".yaml", ".yml")
"""What ``extends:`` may name: a scenario file, never an arbitrary file of the machine."""
MAX_LISTED_KEYS = 16
"""An unknown key's message lists the allowed keys when there are at most this many."""
SHOWN_CHARS = 60
"""A value quoted in a message is cut to about this many characters."""


def clean(text: str, limit: int = 300) -> str:
    """``text`` fit for one line of a terminal: control characters escaped, cut to ``limit``."""
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    line = "".join(out)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def quoted(value: object) -> str:
    """A value as a message shows it: its repr, cut to :data:`SHOWN_CHARS`."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, where it is and what is wrong."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{clean(self.file, 200)}:{self.line}:{self.column}"
        what = clean(self.message)
        return f"{where}: {clean(self.field, 120)}: {what}" if self.field else f"{where}: {what}"


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

    def pydantic_problems(
        self, exc: ValidationError, model: type[BaseModel], prefix: Loc = ()
    ) -> list[Problem]:
        """Turn pydantic's errors into problems with positions and plain messages; ``prefix`` is
        where the validated mapping sits in the document."""
        out = []
        for err in exc.errors(include_url=False):
            inner = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
            loc = (*prefix, *inner)
            kind = err["type"]
            if kind == "extra_forbidden":
                allowed = _fields_at(model, inner[:-1])
                msg = "unknown key"
                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
                if close:
                    msg += f"; did you mean {close[0]!r}?"
                elif len(allowed) <= MAX_LISTED_KEYS:
                    msg += f"; allowed keys: {', '.join(sorted(allowed))}"
                elif allowed:
                    some = difflib.get_close_matches(str(loc[-1]), allowed, n=5, cutoff=0.0)
                    msg += (
                        f"; {len(allowed)} keys are allowed here, among them "
                        f"{', '.join(sorted(some))} (coachsim schema lists them all)"
                    )
                out.append(self.problem(loc, msg, key=True))
            elif kind == "missing":
                out.append(self.problem(loc[:-1], f"required key {loc[-1]!r} is missing"))
            else:
                msg = err["msg"].removeprefix("Value error, ")
                value = err.get("input")
                if isinstance(value, (int, float, str, bool)) or value is None:
                    msg += f" (got {quoted(value)})"
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


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _read_bytes(path: Path, shown: str) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of a regular file; anything else is a problem.

    The file is opened without blocking (a FIFO would otherwise wait for a writer) and checked
    to be a regular file on the open descriptor, so nothing can swap it in between.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise _fail(shown, 1, 1, "file not found") from None
    except IsADirectoryError:
        raise _fail(shown, 1, 1, "is a directory, not a scenario file") from None
    except OSError as exc:
        raise _fail(shown, 1, 1, f"cannot read: {_reason(exc)}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
            raise _fail(shown, 1, 1, f"is {kind}, not a scenario file")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _fail(shown, 1, 1, f"cannot read: {_reason(exc)}") from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_FILE_BYTES:
        raise _fail(shown, 1, 1, f"file is larger than {MAX_FILE_BYTES:,} bytes; not a scenario")
    return raw


def _reason(exc: OSError) -> str:
    """An OSError in plain words, without the path (the message already names the file)."""
    if exc.errno == errno.ENAMETOOLONG:
        return "the path is too long"
    return (exc.strerror or type(exc).__name__).lower()


def _tag(node: Node) -> str:
    tag = node.tag
    return str(getattr(tag, "value", tag))


def _check_nodes(root: Node, yaml: YAML, shown: str) -> None:
    """Refuse YAML tags (``!!int abc``, ``!!omap``, ``!!python/...``) and keys that are not plain
    values (``? [[1]]``) before anything is constructed: scenarios need neither, and both make
    the constructor fail in ways that point nowhere. Aliases are visited once."""
    seen: set[int] = set()
    stack = [root]
    plain: dict[type, str] = {
        MappingNode: "tag:yaml.org,2002:map",
        SequenceNode: "tag:yaml.org,2002:seq",
    }
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        mark = node.start_mark
        if isinstance(node, ScalarNode):
            implicit = (node.style is None, node.style is not None)
            expected = yaml.resolver.resolve(ScalarNode, node.value, implicit)
        else:
            expected = plain.get(type(node), "")
        if _tag(node) != str(getattr(expected, "value", expected)):
            raise _fail(
                shown,
                mark.line + 1,
                mark.column + 1,
                f"YAML tags such as {quoted(_tag(node).replace('tag:yaml.org,2002:', '!!'))} "
                "are not supported; write the plain value",
            )
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if not isinstance(key, ScalarNode):
                    km = key.start_mark
                    raise _fail(
                        shown,
                        km.line + 1,
                        km.column + 1,
                        "a key must be a plain word, not a list"
                        if isinstance(key, SequenceNode)
                        else "a key must be a plain word",
                    )
                stack.extend((key, value))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


MAX_FLOW_DEPTH = 64
"""Deepest nesting of ``[`` and ``{`` accepted. ruamel's scanner takes time that grows with the
square of the depth (10,000 levels took 8 s to refuse), so deeper files are refused first."""


def _too_deep(text: str) -> int | None:
    """Index of the bracket that nests deeper than :data:`MAX_FLOW_DEPTH`, or None. Brackets in
    quotes and comments do not count."""
    depth, quote, i, n = 0, "", 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1
            elif ch == quote:
                if quote == "'" and text.startswith("''", i):
                    i += 1
                else:
                    quote = ""
        elif ch in "'\"" and (i == 0 or text[i - 1] in " \t\n[{,:"):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t\n"):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif ch in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return i
        elif ch in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return None


def _position(text: str, index: int) -> tuple[int, int]:
    """(line, column), 1-based, of character ``index`` of ``text``."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _read_yaml(path: Path, shown: str) -> Any:
    raw = _read_bytes(path, shown)
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
    deep = _too_deep(text)
    if deep is not None:
        line, col = _position(text, deep)
        raise _fail(shown, line, col, f"YAML nests deeper than {MAX_FLOW_DEPTH} levels")
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        with warnings.catch_warnings():
            # ruamel warns on stderr in paragraphs (e.g. YAML 1.1 floats without a dot); the
            # values it warns about are read all the same, and validated below.
            warnings.simplefilter("ignore")
            root = yaml.compose(text)
            if root is not None:
                _check_nodes(root, yaml, shown)
            data = yaml.load(text)
    except ScenarioError:
        raise
    except ReaderError as exc:
        line, col = _position(text, exc.position)
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        raise _fail(shown, line, col, f"YAML error: {char} is not allowed in YAML") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise _fail(shown, line, col, f"YAML error: {what}".strip()) from None
    except YAMLError as exc:
        raise _fail(shown, 1, 1, f"YAML error: {exc}") from None
    except RecursionError:
        raise _fail(shown, 1, 1, "YAML nests too deeply") from None
    except Exception as exc:  # the constructor's own failures on odd input
        raise _fail(
            shown, 1, 1, f"YAML error: cannot read a value ({type(exc).__name__})"
        ) from None
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


def _not_a_scenario(data: dict[str, Any], settings: Collection[str], shown: str) -> None:
    """Refuse a mapping none of whose top-level keys is (or nearly is) a scenario setting,
    without quoting it: such a file is something else, and its content is not ours to echo."""
    if not settings or not data:
        return
    for key in data:
        if key in settings or difflib.get_close_matches(key, settings, n=1, cutoff=0.6):
            return
    raise _fail(shown, 1, 1, "not a scenario file: none of its top-level keys is a setting")


def _extended(path: Path, parent: Any, where: Pos, chain: list[Path]) -> Path:
    """The file that ``extends: parent`` in ``path`` names, checked before it is read."""
    if not isinstance(parent, str) or not parent.strip():
        raise _fail(*where, "must be the path of another scenario file", "extends")
    if not parent.lower().endswith(SCENARIO_SUFFIXES):
        raise _fail(*where, "must name a .yaml or .yml scenario file", "extends")
    try:
        target = (path.parent / parent).resolve()
        here = path.resolve()
        found = target.exists()
    except (OSError, RuntimeError) as exc:
        why = _reason(exc) if isinstance(exc, OSError) else "a symbolic link loops"
        raise _fail(*where, f"cannot use this path: {why}", "extends") from None
    if target in chain or target == here:
        cycle = " -> ".join(_shown(p) for p in [*chain, here, target])
        raise _fail(*where, f"cycle: {cycle}", "extends")
    if not found:
        raise _fail(
            *where,
            f"extended file {quoted(parent)} not found (looked for {_shown(target)})",
            "extends",
        )
    return target


def _load(path: Path, chain: list[Path], budget: list[int], settings: Collection[str]) -> Document:
    shown = _shown(path)
    node = _read_yaml(path, shown)
    doc = Document(data={}, default_name=path.stem, top_file=shown)
    try:
        data = _plain(node, shown, (), doc, budget)
    except RecursionError:
        raise _fail(shown, 1, 1, "YAML nests too deeply") from None
    _not_a_scenario(data, settings, shown)
    parent = data.get("extends")
    if parent is None:
        doc.data = data
        return doc
    where = doc.value_pos.get(("extends",), (shown, 1, 1))
    target = _extended(path, parent, where, chain)
    base = _load(target, [*chain, path.resolve()], budget, settings)
    inherited = {k: v for k, v in base.data.items() if k not in NOT_INHERITED}
    # Where this file replaces a list or a value whole, the base's positions below it are stale.
    replaced = {loc for loc in doc.value_pos if not isinstance(_get(data, loc), dict)}

    def fresh(table: dict[Loc, Pos]) -> dict[Loc, Pos]:
        return {
            loc: pos
            for loc, pos in table.items()
            if loc[0] not in NOT_INHERITED
            and not any(loc[:n] in replaced for n in range(1, len(loc) + 1))
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


def load_mapping(path: str | os.PathLike[str], settings: Collection[str] = ()) -> Document:
    """Read a scenario file and everything it extends into one plain mapping with positions.

    ``settings`` are the top-level keys of a scenario: a file with none of them is refused as
    not a scenario (see :func:`_not_a_scenario`).
    """
    return _load(Path(path), [], [MAX_NODES], settings)


def load_record(path: str | os.PathLike[str]) -> Document:
    """Read a JSON record that coachsim wrote (JSON is YAML) with positions, so that a record
    damaged or edited by hand is reported like a scenario file: file:line:column and field."""
    p = Path(path)
    shown = _shown(p)
    doc = Document(data={}, default_name=p.stem, top_file=shown)
    try:
        doc.data = _plain(_read_yaml(p, shown), shown, (), doc, [MAX_NODES])
    except RecursionError:
        raise _fail(shown, 1, 1, "nests too deeply") from None
    return doc
