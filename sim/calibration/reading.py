"""Reading the CSV files CRMs and spreadsheets write: safely, in the encodings and dialects people
really have, every cell as text, and every assumption said.

- **Safely.** Only a regular file of at most :data:`MAX_BYTES` is opened (never a FIFO, a
  device or a 10 GB sparse file); a file that is not a CSV export with a header row is refused
  without quoting a word of it (a ``.env`` or ``/etc/shadow`` named by mistake stays private).
- **Encodings.** A byte order mark says UTF-8 or UTF-16; else UTF-8 if the bytes are UTF-8, else
  Windows-1252, the code page of Excel's "CSV (Comma delimited)" on Western Windows machines
  (Latin-1 if a byte is one Windows-1252 leaves undefined), said in a note; ``encoding``
  overrides, for a Central European (cp1250) or Cyrillic (cp1251) export. A detector
  (charset-normalizer) was tried and dropped: on a short Spanish export it chose Windows-1250,
  turning "Diseño" into "Diseńo", and no rule can tell those code pages apart from the bytes
  alone, while a wrong guess said in a note is one option away from right.
- **Dialects.** The delimiter is the one of ``,`` ``;`` tab and ``|`` that splits the first lines
  most consistently (Excel writes ``;`` where the decimal separator is a comma); fields may be
  quoted and hold delimiters, line breaks and quotes; a field may be of any length; blank lines
  are skipped; a row with another number of fields than the header is set aside, named by its
  line.
- **Dates** (:func:`parse_dates`): ISO dates and timestamps (Salesforce's
  ``2024-03-05T14:22:05.000Z``), day-first or month-first dates with ``/``, ``.`` or ``-`` and
  an optional time (Excel's and CRMs' report exports), and Excel serial day numbers. Whether
  ``03/04/2024`` is the 3rd of April or March the 4th is decided from the file's own dates (a
  first number above 12 can only be a day), else from the dialect (a ``;`` file is European),
  and said; ``date_order`` overrides. A date is the day as written: a time of day and a zone
  are dropped, as the model's clock counts working days.
- **Amounts** (:func:`parse_amounts`): ``1,234.56``, ``1.234,56``, ``1 234,56``, ``1'234.56``,
  currency signs and codes; the decimal separator is decided per column from the values that
  can only be read one way, and said when the column had to be read the less usual way.

Every row keeps the line it was read from (:data:`LINE`) so a ledger can name it.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from sim.scenario.problems import clean

MAX_BYTES = 2 * 1024**3
"""The largest file read (2 GB: a CRM export of millions of rows)."""
LINE = "__line__"
"""The column holding each row's line number in its file (the header is line 1)."""
DELIMITERS = (",", ";", "\t", "|")
"""The delimiters CSV exports use."""
LEGACY = ("cp1252", "latin_1")
"""The legacy encodings a file that is not UTF-8 is read in, in turn: Windows-1252, else
Latin-1 (which reads any byte)."""
ENCODING_NAMES = {
    "utf_8": "UTF-8",
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte order mark",
    "utf_16": "UTF-16",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin_1": "Latin-1 (ISO 8859-1)",
    "iso8859_15": "Latin-9 (ISO 8859-15)",
    "cp1250": "Windows-1250",
    "mac_roman": "Mac Roman",
}
DateOrder = Literal["dmy", "mdy", "ymd"]


class ExportError(ValueError):
    """An export that cannot be used as it is: one line per problem (a file that cannot be read,
    dates that contradict each other, a column missing, currencies that cannot be added up)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Table:
    """A CSV file read as text: every cell a string (blanks empty), each row's line in
    :data:`LINE`, and how it was read."""

    name: str
    """The file's name, as messages show it."""
    rows: pd.DataFrame
    encoding: str
    delimiter: str
    bad_lines: list[tuple[int, int]] = field(default_factory=list)
    """(line, fields) of the rows set aside for another number of fields than the header's."""
    notes: list[str] = field(default_factory=list)
    """What was assumed in reading it (an encoding, a date order...), one line each."""

    @property
    def columns(self) -> list[str]:
        """The header, as written (spaces and a byte order mark at either end taken off)."""
        return [c for c in self.rows.columns if c != LINE]


def _regular_bytes(path: Path, shown: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_BYTES`, or why not."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ExportError([f"{shown}: cannot read it ({exc.strerror or exc})"]) from None
    if stat.S_ISDIR(info.st_mode):
        raise ExportError([f"{shown}: a folder, not a CSV export"])
    if not stat.S_ISREG(info.st_mode):
        raise ExportError([f"{shown}: not a regular file (a device, pipe or socket)"])
    if info.st_size > MAX_BYTES:
        raise ExportError(
            [
                f"{shown}: {info.st_size / 1024**3:,.1f} GB, more than the "
                f"{MAX_BYTES // 1024**3} GB an export is read up to; export fewer rows or columns"
            ]
        )
    try:
        with open(path, "rb") as f:
            return f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ExportError([f"{shown}: cannot read it ({exc.strerror or exc})"]) from None


def decode(data: bytes, shown: str, encoding: str | None = None) -> tuple[str, str, list[str]]:
    """(text, encoding used, notes) of a file's bytes (see the module docstring)."""
    if encoding is not None:
        try:
            b"".decode(encoding)  # a text encoding (not a codec such as 'hex' or 'zlib')
        except (LookupError, TypeError, ValueError):
            raise ExportError(
                [f"--encoding {clean(encoding, 40)}: not a text encoding (e.g. utf-8, cp1252)"]
            ) from None
        try:
            return data.decode(encoding), encoding, []
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ExportError(
                [
                    f"{shown}: not {encoding}: byte 0x{data[exc.start]:02x} on line {line} "
                    "cannot be read as it; leave --encoding out to detect the encoding"
                ]
            ) from None
        except (LookupError, TypeError, UnicodeError):  # a codec that is no text encoding
            raise ExportError([f"--encoding {clean(encoding, 40)}: not a text encoding"]) from None
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", shown), "utf-8-sig", []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", shown), "utf-16", []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as exc:
        bad = exc.start
    if b"\x00" in data[:65536]:
        raise ExportError([f"{shown}: a binary file, not a CSV export"])
    for name in LEGACY:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        line = data[:bad].count(b"\n") + 1
        note = (
            f"{shown}: read as {ENCODING_NAMES.get(name, name)} (not UTF-8: byte "
            f"0x{data[bad]:02x} on line {line}); give --encoding if it is another"
        )
        return text, name, [note]
    raise ExportError([f"{shown}: not text in any encoding this reads; give --encoding"])


def _strict(data: bytes, encoding: str, shown: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExportError(
            [f"{shown}: its byte order mark says {encoding}, but line {line} is not"]
        ) from None


def _delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, and most equal, fields."""
    head = text[:65536]
    best, score = ",", (-1, 0)
    for d in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(head), delimiter=d))[:50]
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if len(rows) > 1:
            rows = rows[:-1]  # the head may cut the last line short
        if not rows:
            continue
        width = len(rows[0])
        agree = sum(len(r) == width for r in rows)
        candidate = (agree if width > 1 else 0, width)
        if candidate > score:
            best, score = d, candidate
    return best


def _clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").strip()


def _looks_like_header(header: Sequence[str]) -> bool:
    """Whether a first row can be a header whose names a message may quote: two or more short,
    printable names, none of them an assignment or a path."""
    return len(header) >= 2 and all(
        0 < len(h) <= 80 and h.isprintable() and "=" not in h and "/" not in h for h in header
    )


def read_table(
    path: str | os.PathLike[str], encoding: str | None = None, shown: str | None = None
) -> Table:
    """The CSV at ``path`` as a :class:`Table`, or :class:`ExportError` (see the module
    docstring)."""
    p = Path(path)
    shown = clean(shown or p.name, 80)
    text, used, notes = decode(_regular_bytes(p, shown), shown, encoding)
    if "\x00" in text[:65536]:
        raise ExportError([f"{shown}: a binary file, not a CSV export"])
    if not text.strip():
        raise ExportError([f"{shown}: empty"])
    delimiter = _delimiter(text)
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header: list[str] | None = None
        body: list[list[str]] = []
        lines: list[int] = []
        bad: list[tuple[int, int]] = []
        start = 1
        first = 1  # the line a record starts on (a quoted field may span several)
        for row in reader:
            line, first = first, reader.line_num + 1
            if header is None:
                if not any(cell.strip() for cell in row):
                    start = reader.line_num + 1
                    continue
                header = [_clean_header(c) for c in row]
                continue
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            if len(row) != len(header):
                bad.append((line, len(row)))
                continue
            body.append(row)
            lines.append(line)
    except csv.Error as exc:
        raise ExportError([f"{shown}: not a readable CSV ({exc})"]) from None
    finally:
        csv.field_size_limit(old)
    if header is None or not _looks_like_header(header):
        raise ExportError(
            [f"{shown}: not a CSV export (its first line is not a header of named columns)"]
        )
    if not body and bad:
        raise ExportError(
            [
                f"{shown}: no row has the header's {len(header)} fields (line {bad[0][0]} has "
                f"{bad[0][1]}): is the delimiter or the quoting odd?"
            ]
        )
    twice = sorted({c for c in header if header.count(c) > 1 and c})
    if twice:
        raise ExportError(
            [
                f"{shown}: the column {c!r} appears {header.count(c)} times; export it once, or "
                "rename one and map it with --columns"
                for c in twice
            ]
        )
    if start > 1:
        notes.append(f"{shown}: the header is line {start}: blank lines above it skipped")
    frame = (
        pd.DataFrame(body, columns=header, dtype=object)
        if body
        else pd.DataFrame(columns=header, dtype=object)
    )
    frame[LINE] = np.asarray(lines, dtype=np.int64)
    return Table(shown, frame, used, delimiter, bad, notes)


# ---------------------------------------------------------------------------------------------
# Dates

_ISO = re.compile(
    r"^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?\s*$"
)
_YMD_SLASH = re.compile(
    r"^\s*(?P<y>\d{4})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?)?\s*$"
)
_NUMERIC = re.compile(
    r"^\s*(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"
    r"(?:[ T,]+\d{1,2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:[AaPp]\.?[Mm]\.?)?)?\s*$"
)
_SERIAL = re.compile(r"^\s*(?P<n>\d{5})(?:\.\d+)?\s*$")
EXCEL_EPOCH = np.datetime64("1899-12-30")
"""Day 0 of Excel's serial day numbers (1900 system, as Windows Excel writes them)."""
ORDER_NAMES = {"dmy": "day first", "mdy": "month first", "ymd": "year first"}


def _year(text: pd.Series) -> pd.Series:
    y = pd.to_numeric(text, errors="coerce")
    return y.where(text.str.len() == 4, np.where(y < 70, 2000 + y, 1900 + y))


FIRST_YEAR, LAST_YEAR = 1980, 2100
"""Dates outside these years are not a CRM's: read as not a date."""


def _assemble(y: pd.Series, m: pd.Series, d: pd.Series) -> pd.Series:
    year = pd.to_numeric(y, errors="coerce")
    frame = pd.DataFrame(
        {
            "year": year.where(year.between(FIRST_YEAR, LAST_YEAR)),
            "month": pd.to_numeric(m, errors="coerce"),
            "day": pd.to_numeric(d, errors="coerce"),
        }
    )
    return pd.to_datetime(frame, errors="coerce")


def date_evidence(values: pd.Series) -> tuple[bool, bool, bool]:
    """(some date can only be day first, some only month first, some are numeric day-month
    dates at all) among ``values``."""
    m = values.str.extract(_NUMERIC)
    a = pd.to_numeric(m["a"], errors="coerce")
    b = pd.to_numeric(m["b"], errors="coerce")
    return bool((a > 12).any()), bool((b > 12).any()), bool(a.notna().any())


def decide_order(
    columns: Sequence[pd.Series], shown: str, delimiter: str, given: DateOrder | None
) -> tuple[DateOrder, str | None]:
    """The order of a file's numeric dates such as ``03/04/2024`` (see the module docstring),
    and a note when it was assumed; :class:`ExportError` when the file's dates contradict."""
    day_first = month_first = numeric = False
    for values in columns:
        d, m, n = date_evidence(values.astype(str))
        day_first, month_first, numeric = day_first or d, month_first or m, numeric or n
    if given is not None:
        if (given == "mdy" and day_first) or (given == "dmy" and month_first):
            raise ExportError(
                [f"{shown}: --date-order {given}, but some dates can only be read the other way"]
            )
        return given, None
    if day_first and month_first:
        raise ExportError(
            [
                f"{shown}: some dates can only be day first (such as 25/03) and others only "
                "month first (such as 03/25): a column mixes the two; fix the export"
            ]
        )
    if day_first:
        return "dmy", None
    if month_first:
        return "mdy", None
    if not numeric:
        return "ymd", None
    order: DateOrder = "dmy" if delimiter == ";" else "mdy"
    why = "a ';'-separated file, as European Excel writes" if order == "dmy" else "the US custom"
    return order, (
        f"{shown}: dates such as 03/04/2024 could be read either way; read {ORDER_NAMES[order]} "
        f"({why}): give --date-order {'mdy' if order == 'dmy' else 'dmy'} if they are not"
    )


def parse_dates(values: pd.Series, order: DateOrder) -> pd.Series:
    """The days ``values`` name (datetime64, midnight), NaT where a value is blank or not a
    date; numeric day-month dates read in ``order``. ISO dates and timestamps, what CRMs'
    own exports write, take a vectorised path; each other distinct value is read once."""
    text = values.astype(str).str.strip()
    iso = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    iso = iso.where(iso.dt.year.between(FIRST_YEAR, LAST_YEAR))
    rest = iso.isna() & (text != "")
    if not rest.any():
        return pd.Series(iso.to_numpy(dtype="datetime64[ns]"), index=values.index)
    distinct = pd.Series(text[rest].unique())
    read = pd.Series(_parse_forms(distinct, order).to_numpy(), index=distinct.to_numpy())
    out = iso.astype("datetime64[ns]")
    out[rest] = text[rest].map(read).to_numpy(dtype="datetime64[ns]")
    return out


def _parse_forms(text: pd.Series, order: DateOrder) -> pd.Series:
    """Every form :func:`parse_dates` reads, value by value."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    iso = text.str.extract(_ISO)
    ok = iso["y"].notna()
    if ok.any():
        out[ok] = _assemble(iso.loc[ok, "y"], iso.loc[ok, "m"], iso.loc[ok, "d"])
    ymd = text.str.extract(_YMD_SLASH)
    ok = ymd["y"].notna() & out.isna()
    if ok.any():
        out[ok] = _assemble(ymd.loc[ok, "y"], ymd.loc[ok, "m"], ymd.loc[ok, "d"])
    num = text.str.extract(_NUMERIC)
    ok = num["a"].notna() & out.isna()
    if ok.any():
        day, month = ("a", "b") if order == "dmy" else ("b", "a")
        out[ok] = _assemble(_year(num.loc[ok, "y"]), num.loc[ok, month], num.loc[ok, day])
    serial = pd.to_numeric(text.str.extract(_SERIAL)["n"], errors="coerce")
    ok = serial.between(29_221, 73_415) & out.isna()  # 1980 to 2100
    if ok.any():
        days = serial[ok].to_numpy(dtype=np.int64).astype("timedelta64[D]")
        out[ok] = (EXCEL_EPOCH + days).astype("datetime64[ns]")
    rest = out.isna() & (text != "")
    if rest.any():  # month names and other forms pandas knows ("5 Mar 2024", "Mar 5, 2024")
        try:
            guess = pd.to_datetime(
                text[rest], errors="coerce", format="mixed", dayfirst=order == "dmy", utc=True
            )
        except (ValueError, OverflowError):  # pandas raises for some years out of its range
            guess = pd.Series(pd.NaT, index=text[rest].index, dtype="datetime64[ns, UTC]")
        guess = guess.dt.tz_convert(None)
        inside = guess.dt.year.between(FIRST_YEAR, LAST_YEAR)
        out[rest] = guess.where(inside).dt.normalize()
    normal: pd.Series = out.dt.normalize()
    return normal


# ---------------------------------------------------------------------------------------------
# Amounts

_SIGNS = re.compile(
    r"(?i)(?:US\$|R\$|C\$|A\$|[$€£¥₹₩₽]|\b(?:USD|EUR|GBP|MXN|COP|BRL|CAD|AUD|JPY|CHF|ARS|CLP|PEN)\b)"
)
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_COMMA_DECIMAL = re.compile(
    r"^[-+]?(?:\d{1,3}(?:\.\d{3})+,\d+|\d+,\d{1,2}|\d+,\d{4,}|\d{1,3}(?:\.\d{3}){2,})$"
)
"""Amounts that can only be read with a decimal comma (1.234,5; 12,50; 1.234.567)."""
_DOT_DECIMAL = re.compile(
    r"^[-+]?(?:\d{1,3}(?:,\d{3})+\.\d+|\d+\.\d{1,2}|\d+\.\d{4,}|\d{1,3}(?:,\d{3}){2,})$"
)
"""Amounts that can only be read with a decimal point (1,234.5; 12.50; 1,234,567)."""


def parse_amounts(
    values: pd.Series, shown: str, what: str, european: bool = False
) -> tuple[pd.Series, str | None, pd.Series]:
    """Numbers from amounts as exports write them (see the module docstring): NaN where blank
    or not a number; a note when the column was read with a decimal comma; and the values
    written with the other decimal separator than most (read as NaN: ``12,50`` among
    ``1,234.56``s cannot be read with certainty). The decimal separator is the one the
    column's unambiguous values show; a column with none (every value like 1,234 or 1.234) is
    read as ``european`` files are (a ';'-separated file writes a decimal comma) and said. A
    negative amount in parentheses, ``(1,234.00)``, is negative."""
    text = values.astype(str).str.strip()
    negative = text.str.startswith("(") & text.str.endswith(")")
    text = text.str.strip("()")
    text = text.str.replace(_SIGNS, "", regex=True).str.replace(_SPACES, "", regex=True)
    commas = text.str.match(_COMMA_DECIMAL).fillna(False).astype(bool)
    dots = text.str.match(_DOT_DECIMAL).fillna(False).astype(bool)
    conflict = pd.Series(False, index=values.index)
    if commas.any() and dots.any():
        conflict = dots if commas.sum() > dots.sum() else commas
        text = text.where(~conflict, "")
    comma = bool((commas & ~conflict).any())
    dot = bool((dots & ~conflict).any())
    grouped = bool(text.str.contains(r"[.,]\d{3}$", regex=True).any())
    note = None
    if comma or (european and not dot and grouped):
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        note = f"{shown}: {what} read with a decimal comma (1.234,56 is 1234.56)"
        if not comma:
            note += ", as a ';'-separated file writes them; every value could be read either way"
    else:
        text = text.str.replace(",", "", regex=False)
        if grouped and not dot:
            note = (
                f"{shown}: {what} such as 1,234 read as thousands (1234); every value could be "
                "read either way"
            )
    number = pd.to_numeric(text.where(text != ""), errors="coerce").astype(float)
    return number.where(~negative, -number), note, conflict
