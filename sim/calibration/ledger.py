"""The data-quality ledger: what ``calibrate`` did with every row of an export.

Real exports hold rows no figure can use as they are: a close dated before the deal was
created, stage changes of deals deleted since, amounts in another currency, a deal with no
date. Refusing the whole export for a few of them helps nobody, and using them silently gives
figures nobody can check. So each row is **used** as it is, **repaired** by a stated rule (a
close before creation counts as closed on the creation day), or **set aside** with its reason
(a deal the opportunities export does not have). Each entry counts its rows and names the first
few by line, so a user can look them up; the ledger is printed as a short table, shown in the fit
report and summed up in the scenario's header. ``--strict`` turns every repair and every row set
aside into a refusal, as the command once did.

Readings that apply to a whole file (its encoding, the order of its dates, a decimal comma) are
kept as notes beside the entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from sim.calibration.reading import LINE, Table

Action = Literal["repaired", "set aside"]
SHOWN_LINES = 5
"""Lines named in one entry."""


@dataclass
class Entry:
    """Rows of one file repaired by one rule, or set aside for one reason."""

    file: str
    action: Action
    reason: str
    """The rule applied, or why the rows could not be used, in plain words."""
    lines: list[int]
    """The rows' lines in their file (the header is line 1), or ``[]`` when they are not rows
    of a file (deals of another pipeline, a currency kept out)."""
    count: int


@dataclass
class Ledger:
    """What was done with each file's rows (see the module docstring)."""

    read: dict[str, int] = field(default_factory=dict)
    """Rows read, per file."""
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """How files were read: an encoding, a date order, a decimal comma, a currency."""

    def rows(self, file: str, count: int) -> None:
        """Record that ``count`` rows of ``file`` were read."""
        self.read[file] = self.read.get(file, 0) + count

    def file(self, table: Table) -> None:
        """Record a file read (:func:`sim.calibration.reading.read_table`): its rows, how it
        was read, and the rows set aside for another number of fields than the header."""
        self.rows(table.name, len(table.rows) + len(table.bad_lines))
        for line in table.notes:
            self.note(line)
        self.add(
            table.name,
            "set aside",
            "another number of fields than the header",
            [line for line, _ in table.bad_lines],
        )

    def note(self, line: str | None) -> None:
        """Record how a file was read (nothing for None)."""
        if line and line not in self.notes:
            self.notes.append(line)

    def add(
        self, file: str, action: Action, reason: str, lines: Iterable[int] | np.ndarray
    ) -> None:
        """Record rows (by their lines) repaired by ``reason`` or set aside for it; nothing if
        there are none."""
        found = sorted({int(x) for x in np.asarray(list(lines)).ravel()})
        if not found:
            return
        for e in self.entries:
            if (e.file, e.action, e.reason) == (file, action, reason):
                e.lines = sorted({*e.lines, *found})
                e.count = len(e.lines)
                return
        self.entries.append(Entry(file, action, reason, found, len(found)))

    def add_count(self, file: str, action: Action, reason: str, count: int) -> None:
        """Record ``count`` rows not named by line (deals of another pipeline, say)."""
        if count > 0:
            self.entries.append(Entry(file, action, reason, [], count))

    def count(self, file: str, action: Action) -> int:
        """Rows of ``file`` repaired, or set aside (a row with two repairs counts twice)."""
        return sum(e.count for e in self.entries if e.file == file and e.action == action)

    def table(self) -> list[str]:
        """The ledger as a short table, one line per file and per entry."""
        out = ["Data quality:"]
        for file, read in self.read.items():
            aside = self.count(file, "set aside")
            fixed = self.count(file, "repaired")
            out.append(
                f"{_cut(file, 60)}: {read:,} rows read, {read - aside:,} used"
                + (f" ({fixed:,} repaired)" if fixed else "")
                + (f", {aside:,} set aside" if aside else "")
            )
            out += [_line(e) for e in self.entries if e.file == file]
        out += [_line(e) for e in self.entries if e.file not in self.read]
        return out

    def frame(self) -> pd.DataFrame:
        """The entries as a table (``data_quality.csv`` of a fit report)."""
        return pd.DataFrame(
            [
                {
                    "file": e.file,
                    "action": e.action,
                    "reason": e.reason,
                    "rows": e.count,
                    "first_lines": " ".join(str(x) for x in e.lines[:SHOWN_LINES]),
                }
                for e in self.entries
            ],
            columns=["file", "action", "reason", "rows", "first_lines"],
        )

    def problems(self) -> list[str]:
        """Every entry as a refusal (``--strict``), one line each."""
        return [
            f"{e.file}: {e.count:,} row{'s' if e.count != 1 else ''} {e.reason}{_where(e)} "
            f"(--strict: nothing is {'repaired' if e.action == 'repaired' else 'set aside'})"
            for e in self.entries
        ]

    def summary(self) -> str:
        """One sentence for a scenario file's header."""
        used = sum(self.read.values()) - sum(
            e.count for e in self.entries if e.action == "set aside" and e.file in self.read
        )
        fixed = sum(e.count for e in self.entries if e.action == "repaired")
        aside = sum(e.count for e in self.entries if e.action == "set aside")
        return (
            f"{used:,} rows used ({fixed:,} repaired), {aside:,} set aside; the fit report lists "
            "each rule and reason"
        )


def _line(e: Entry) -> str:
    return f"  {e.action:<10}{e.count:>7,}  {e.reason}{_where(e)}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _where(e: Entry) -> str:
    if not e.lines:
        return ""
    shown = ", ".join(str(x) for x in e.lines[:SHOWN_LINES])
    more = e.count - min(len(e.lines), SHOWN_LINES)
    return f" (lines {shown}" + (f" and {more:,} more)" if more > 0 else ")")


def lines_of(frame: pd.DataFrame, mask: pd.Series | np.ndarray | Sequence[bool]) -> np.ndarray:
    """The lines (see :data:`sim.calibration.reading.LINE`) of ``frame``'s rows in ``mask``."""
    return np.asarray(frame[LINE].to_numpy()[np.asarray(mask, dtype=bool)])
