"""Problems with a scenario: where each is, what is wrong, in one clean line.

A :class:`Problem` names file:line:column, the field and what is wrong; a
:class:`ScenarioError` carries every problem found. A :class:`Document` is a merged scenario
mapping that remembers where each of its keys and values came from, so a problem found after
merging (by pydantic, or by a check that needs several fields) still points at the file and
line that set the value. Messages escape control characters and cut long values
(:func:`clean`, :func:`quoted`), so whatever a file holds, a message is one line. Pydantic's
errors are said in plain words (:func:`plain_message`: "must be a whole number", not "Input should
be a valid integer"), and an unknown key gets the settings its word means or a close spelling
(:func:`sim.scenario.concepts.hint`). A problem about a whole file (one that does not exist) has
line 0 and shows no position.
"""

from __future__ import annotations

import difflib
import types
import typing
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario.concepts import hint
from sim.scenario.fields import PERCENT, as_share, not_a_share

MAX_LISTED_KEYS = 20
"""An unknown key's message lists the allowed keys when there are at most this many..."""
MAX_LISTED_CHARS = 220
"""... and their list takes at most this many characters (a line stays readable)."""
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
        where = clean(self.file, 200)
        if self.line > 0:  # line 0: about the file as a whole (one that does not exist)
            where += f":{self.line}:{self.column}"
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
                said = hint(str(loc[-1]), allowed)
                if said:
                    msg += f"; {said}"
                elif (
                    len(allowed) <= MAX_LISTED_KEYS and len(", ".join(allowed)) <= MAX_LISTED_CHARS
                ):
                    msg += f"; allowed keys: {', '.join(sorted(allowed))}"
                elif allowed:
                    some = difflib.get_close_matches(str(loc[-1]), allowed, n=5, cutoff=0.0)
                    msg += (
                        f"; {len(allowed)} keys are allowed here, among them "
                        f"{', '.join(sorted(some))} (coachsim schema lists them all)"
                    )
                out.append(self.problem(loc, msg, key=True))
            elif kind == "missing":
                if isinstance(loc[-1], int):
                    out.append(self.problem(loc[:-1], f"item {loc[-1] + 1} is missing"))
                else:
                    out.append(self.problem(loc[:-1], f"required key {loc[-1]!r} is missing"))
            else:
                out.append(self.problem(loc, plain_message(err)))
        return out


def _number(value: object) -> str:
    """A bound as a file would write it: 1 not 1.0, 1000000000 not 1e9, 0.0166667 not more."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float) and len(repr(value)) > 10:
        return f"{value:.6g}"
    return str(value)


def _given(value: object) -> str:
    """What a message says was given: a short value, or the kind of a long one."""
    if value is None:
        return " (got null)"
    if isinstance(value, bool):
        return f" (got {'true' if value else 'false'})"
    if isinstance(value, (int, float, str)):
        return f" (got {quoted(value)})"
    if isinstance(value, dict):
        return ", not a mapping"
    if isinstance(value, (list, tuple)):
        return ", not a list"
    return ""


_EXPECTED = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list ([a, b], or one '- item' line each)",
    "tuple_type": "must be a list ([a, b], or one '- item' line each)",
    "dict_type": "must be a mapping of settings (name: value lines)",
    "model_type": "must be a mapping of settings (name: value lines)",
    "model_attributes_type": "must be a mapping of settings (name: value lines)",
}
"""Pydantic's error types that say what a value should have been, in plain words."""


def plain_message(err: Any) -> str:
    """A pydantic error (one of ``ValidationError.errors()``) as a sales leader reads it: what
    the value must be, and what was given."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    percent = PERCENT.match(value) if isinstance(value, str) else None
    if (
        kind in _EXPECTED
        and percent is not None
        and kind not in ("string_type", "bool_type", "bool_parsing")
    ):
        loc = err.get("loc", ())
        setting = "this setting"
        if len(loc) > 1 and loc[0] in ("sweep", "uncertain"):  # values of the setting loc[1]
            from sim.scenario.uncertain import is_share_path  # it reads the schema

            if is_share_path(str(loc[1])):  # a distribution's parameters are plain numbers
                return (
                    f"{value.strip()!r} is a percentage; write it as a plain number here "
                    f"({as_share(value):g})"
                )
            setting = str(loc[1])
        return not_a_share(value, setting)
    if kind in _EXPECTED:
        return _EXPECTED[kind] + _given(value)
    bounds = {
        "greater_than_equal": ("must be at least", "ge"),
        "greater_than": ("must be more than", "gt"),
        "less_than_equal": ("must be at most", "le"),
        "less_than": ("must be less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {_number(ctx.get(key))}{_given(value)}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the listed words')}{_given(value)}"
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        what = (
            "characters"
            if isinstance(value, str)
            else ("entries" if isinstance(value, dict) else "items")
        )
        if kind.endswith("too_short"):
            least = ctx.get("min_length")
            if least == 1:
                return "must not be empty"
            return f"must have at least {least} {what}"
        return f"must have at most {ctx.get('max_length')} {what}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    msg = msg.replace("Input should be", "must be")
    if isinstance(value, (int, float, str, bool)) or value is None:
        msg += _given(value)
    return msg


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
