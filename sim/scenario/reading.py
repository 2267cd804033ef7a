"""Reading one YAML file safely: whatever it holds, a plain mapping with positions or a problem.

Only regular files are opened (never a FIFO or a device, which would hang or never end), at most
:data:`MAX_FILE_BYTES` + 1 bytes are read, nesting deeper than :data:`MAX_FLOW_DEPTH` brackets is
refused before parsing (ruamel's scanner is quadratic in depth), and YAML tags and non-scalar
keys are refused before anything is constructed. ruamel.yaml's round-trip loader is safe (no
arbitrary objects), treats duplicate keys as errors and remembers where every key and value
stands.
"""

from __future__ import annotations

import difflib
import errno
import os
import stat
import warnings
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from sim.scenario.problems import ScenarioError, fail, quoted

MAX_FILE_BYTES = 1_000_000
"""A scenario larger than this is refused."""


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
        raise fail(shown, 0, 0, f"no such file{nearby(path, shown)}") from None
    except IsADirectoryError:
        raise fail(shown, 1, 1, "is a directory, not a scenario file") from None
    except OSError as exc:
        raise fail(shown, 1, 1, f"cannot read: {reason(exc)}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
            raise fail(shown, 1, 1, f"is {kind}, not a scenario file")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise fail(shown, 1, 1, f"cannot read: {reason(exc)}") from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_FILE_BYTES:
        raise fail(shown, 1, 1, f"file is larger than {MAX_FILE_BYTES:,} bytes; not a scenario")
    return raw


SCENARIO_SUFFIXES = (".yaml", ".yml")
"""The names of scenario files."""
FILE_CUTOFF = 0.8
"""Least similarity (difflib's ratio, in lower case) of a missing file's name to a scenario file
offered instead: about one character wrong in eight (``refrence.yaml`` finds ``reference.yaml``)."""


def nearby(path: Path, shown: str) -> str:
    """``; did you mean '...'?`` naming the scenario file whose name is closest to missing
    ``path`` in its folder (and in scenarios/ when ``path`` names no folder), as ``shown`` would
    spell it, or nothing."""
    folders = [path.parent]
    if str(path.parent) in ("", ".") and not path.is_absolute():
        folders.append(Path("scenarios"))
    wanted = path.name.lower()
    stem = path.stem.lower() if path.suffix.lower() in SCENARIO_SUFFIXES else wanted
    best: tuple[float, str] | None = None
    for folder in folders:
        try:
            names = sorted(
                e.name
                for e in os.scandir(folder)
                if e.name.lower().endswith(SCENARIO_SUFFIXES) and e.is_file()
            )
        except OSError:
            continue
        for name in names:
            low = name.lower()
            score = max(
                difflib.SequenceMatcher(None, wanted, low).ratio(),
                difflib.SequenceMatcher(None, stem, Path(low).stem).ratio(),
            )
            if score >= FILE_CUTOFF and (best is None or score > best[0]):
                prefix = shown[: len(shown) - len(path.name)] if folder == path.parent else ""
                spelled = prefix + name if folder == path.parent else str(folder / name)
                best = (score, spelled)
    return f"; did you mean {best[1]!r}?" if best else ""


def reason(exc: OSError) -> str:
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
            raise fail(
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
                    raise fail(
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


def read_yaml(path: Path, shown: str) -> Any:
    """The top-level mapping of the YAML file at ``path`` (``shown`` in messages), or a problem."""
    raw = _read_bytes(path, shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(shown, 1, 1, f"not a text file (invalid UTF-8 at byte {exc.start})") from None
    if "\x00" in text:
        raise fail(shown, 1, 1, "not a text file (contains NUL bytes)")
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise fail(shown, 1, 1, "file is empty; expected a mapping of scenario settings")
    deep = _too_deep(text)
    if deep is not None:
        line, col = _position(text, deep)
        raise fail(shown, line, col, f"YAML nests deeper than {MAX_FLOW_DEPTH} levels")
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
        raise fail(shown, line, col, f"YAML error: {char} is not allowed in YAML") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise fail(shown, line, col, f"YAML error: {what}".strip()) from None
    except YAMLError as exc:
        raise fail(shown, 1, 1, f"YAML error: {exc}") from None
    except RecursionError:
        raise fail(shown, 1, 1, "YAML nests too deeply") from None
    except Exception as exc:  # the constructor's own failures on odd input
        raise fail(shown, 1, 1, f"YAML error: cannot read a value ({type(exc).__name__})") from None
    if not isinstance(data, CommentedMap):
        kind = type(data).__name__ if data is not None else "nothing"
        kind = {"CommentedSeq": "a list", "str": "a string"}.get(kind, kind)
        raise fail(shown, 1, 1, f"top level must be a mapping of settings, not {kind}")
    return data
