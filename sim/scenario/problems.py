"""Problems with a scenario: where each is, what is wrong, in one clean line.

A :class:`Problem` names file:line:column, the field and what is wrong; a
:class:`ScenarioError` carries every problem found. A :class:`Document` is a merged scenario
mapping that remembers where each of its keys and values came from, so a problem found after
merging (by pydantic, or by a check that needs several fields) still points at the file and
line that set the value. Messages escape control characters and cut long values
(:func:`clean`, :func:`quoted`), so whatever a file holds, a message is one line.
"""

from __future__ import annotations

import difflib
import types
import typing
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

MAX_LISTED_KEYS = 20
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

    def _keys(self, prefix: Loc, loc: Loc) -> Loc:
        """``loc`` without the tags pydantic adds for the branch of a union it tried (``block``
        of ``uncertain:``, ``beta`` of a distribution): only what the document has, and the last
        part (a missing or unknown key)."""
        node: Any = self.data
        for part in prefix:
            node = node[part]
        kept: list[str | int] = []
        for i, part in enumerate(loc):
            found = (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            )
            if found:
                node = node[part]
            elif isinstance(node, dict) and i < len(loc) - 1:
                continue  # not in the document: a union's tag
            else:
                node = None
            kept.append(part)
        return tuple(kept)

    def pydantic_problems(
        self, exc: ValidationError, model: type[BaseModel], prefix: Loc = ()
    ) -> list[Problem]:
        """Turn pydantic's errors into problems with positions and plain messages; ``prefix`` is
        where the validated mapping sits in the document."""
        out = []
        for err in exc.errors(include_url=False):
            inner = self._keys(prefix, tuple(p for p in err["loc"] if isinstance(p, (str, int))))
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


def fail(file: str, line: int, col: int, msg: str, fieldname: str = "") -> ScenarioError:
    """A ScenarioError of one problem."""
    return ScenarioError([Problem(file, line, col, fieldname, msg)])
