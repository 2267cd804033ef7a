"""Loading a scenario: a file and every file it ``extends``, merged into one mapping.

A file may start from another (``extends:``, a path relative to it, a .yaml file only):
mappings merge key by key, anything else replaces what it extends, and ``name``,
``description`` and ``extends`` are never inherited, and a file that sets one of
:data:`ALTERNATIVES` (the outside coach's fee per hour or per rep) drops the other from what it
extends: a new way of charging replaces the old. While files are merged, each value keeps the
place it came from (:class:`~sim.scenario.problems.Document`), so a validation error in a merged
scenario still names the file and line that set the bad value. A file that is not a scenario
(none of its top-level keys is a setting) is refused without echoing what it holds.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from sim.scenario.problems import Document, Loc, Pos, fail, quoted
from sim.scenario.programmes import FEES
from sim.scenario.reading import SCENARIO_SUFFIXES, nearby, read_yaml, reason

MAX_NODES = 100_000
"""A document that expands to more nodes than this is refused (alias bombs)."""
NOT_INHERITED = ("name", "description", "extends")
"""Keys a scenario never takes from the file it extends."""
ALTERNATIVES: dict[str, tuple[str, ...]] = {"outside_coach": FEES}
"""Keys of a section of which a scenario sets one: a file that sets one (not null) drops the
others from the file it extends."""


def _plain(node: Any, shown: str, loc: Loc, doc: Document, budget: list[int]) -> Any:
    """A plain-Python copy of a ruamel node, recording positions; counts nodes for alias bombs."""
    budget[0] -= 1
    if budget[0] < 0:
        raise fail(
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
    raise fail(shown, 1, 1, "not a scenario file: none of its top-level keys is a setting")


def _extended(path: Path, parent: Any, where: Pos, chain: list[Path]) -> Path:
    """The file that ``extends: parent`` in ``path`` names, checked before it is read."""
    if not isinstance(parent, str) or not parent.strip():
        raise fail(*where, "must be the path of another scenario file", "extends")
    if not parent.lower().endswith(SCENARIO_SUFFIXES):  # a scenario, never any file
        raise fail(*where, "must name a .yaml or .yml scenario file", "extends")
    try:
        target = (path.parent / parent).resolve()
        here = path.resolve()
        found = target.exists()
    except (OSError, RuntimeError) as exc:
        why = reason(exc) if isinstance(exc, OSError) else "a symbolic link loops"
        raise fail(*where, f"cannot use this path: {why}", "extends") from None
    if target in chain or target == here:
        cycle = " -> ".join(_shown(p) for p in [*chain, here, target])
        raise fail(*where, f"cycle: {cycle}", "extends")
    if not found:
        raise fail(
            *where,
            f"no such file {quoted(parent)} (looked for {_shown(target)})"
            f"{nearby(path.parent / parent, parent)}",
            "extends",
        )
    return target


def _load(path: Path, chain: list[Path], budget: list[int], settings: Collection[str]) -> Document:
    shown = _shown(path)
    node = read_yaml(path, shown)
    doc = Document(data={}, default_name=path.stem, top_file=shown)
    try:
        data = _plain(node, shown, (), doc, budget)
    except RecursionError:
        raise fail(shown, 1, 1, "YAML nests too deeply") from None
    _not_a_scenario(data, settings, shown)
    parent = data.get("extends")
    if parent is None:
        doc.data = data
        return doc
    where = doc.value_pos.get(("extends",), (shown, 1, 1))
    target = _extended(path, parent, where, chain)
    base = _load(target, [*chain, path.resolve()], budget, settings)
    inherited = {k: v for k, v in base.data.items() if k not in NOT_INHERITED}
    for section, keys in ALTERNATIVES.items():
        mine, theirs = data.get(section), inherited.get(section)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            given = [k for k in keys if mine.get(k) is not None]
            if len(given) == 1:
                inherited[section] = {k: v for k, v in theirs.items() if k not in keys}
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
        doc.data = _plain(read_yaml(p, shown), shown, (), doc, [MAX_NODES])
    except RecursionError:
        raise fail(shown, 1, 1, "nests too deeply") from None
    return doc
