"""A scenario file with every setting written out at its default, each with its description.

The reference scenario (scenarios/reference.yaml) is this file for the schema's defaults; a test
checks it has not drifted, so a default changed in the schema (and its evidence) shows in the
file users copy. ``make docs`` (docs/generate.py) rewrites it.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

from pydantic import BaseModel

from sim.scenario.schema import Scenario

WIDTH = 100

HEADER = """\
# yaml-language-server: $schema=scenario.schema.json
# The reference team (status quo): 8 managers x 6 reps who coach informally about 10% of
# their time, no training, no outside coach, 104 weeks. Every setting is written out with
# its schema default (docs/evidence.md gives the source and range of each decisive one);
# other scenarios extend this file and change a few lines.
"""


def _comment(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        WIDTH,
        initial_indent=indent + "# ",
        subsequent_indent=indent + "# ",
        break_on_hyphens=False,
    )


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return repr(value)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_ .,()-]*", value) and not value.endswith(" "):
        return str(value)  # a plain YAML string
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def _lines(
    model: BaseModel,
    indent: str,
    notes: dict[str, str] | None = None,
    skip: tuple[str, ...] = ("extends",),
    path: str = "",
) -> list[str]:
    """Every field of ``model`` with its description, and ``notes[path]`` (a field's path, as
    an uncertain: block names it) at the end of its line."""
    out: list[str] = []
    notes = notes or {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if name in skip:
            continue  # the reference extends nothing
        here = f"{path}.{name}" if path else name
        out += _comment(field.description or "", indent)
        if isinstance(value, BaseModel):
            out.append(f"{indent}{name}:")
            out += _lines(value, indent + "  ", notes, (), here)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            out.append(f"{indent}{name}:")
            for i, item in enumerate(value):
                first, *rest = _plain(item, notes, f"{here}[{i}]")
                out.append(f"{indent}  - {first}")
                out += [f"{indent}    {line}" for line in rest]
        elif isinstance(value, list):
            out.append(f"{indent}{name}: [{', '.join(_scalar(v) for v in value)}]")
        else:
            out.append(_noted(f"{indent}{name}: {_scalar(value)}", notes.get(here)))
    return out


def _noted(line: str, note: str | None) -> str:
    return f"{line}  # {note}" if note else line


def _plain(model: BaseModel, notes: dict[str, str] | None = None, path: str = "") -> list[str]:
    """A list item's fields without comments (the list's own description says what they are)."""
    return [
        _noted(f"{name}: {_scalar(getattr(model, name))}", (notes or {}).get(f"{path}.{name}"))
        for name in type(model).model_fields
    ]


def scenario_yaml(
    scenario: Scenario, header: str, notes: dict[str, str], skip: tuple[str, ...]
) -> str:
    """``scenario`` written out whole, each setting with its description, ``notes`` at the end
    of their settings' lines (a calibrated scenario, :mod:`sim.calibration.scenario`)."""
    body = _lines(scenario, "", notes, ("extends", *skip))
    return header + "\n".join(line.rstrip() for line in body) + "\n"


def reference_yaml() -> str:
    """The reference scenario: every default written out, with its description."""
    scenario = Scenario(
        name="reference",
        description="Status quo - informal manager coaching, no training, no outside coach.",
    )
    body = _lines(scenario, "")
    return HEADER + "\n".join(line.rstrip() for line in body) + "\n"
