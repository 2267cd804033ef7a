"""Deterministic mutants of CRM exports, for fuzzing ``coachsim calibrate``.

A mutant starts from one *seed export* (:func:`bases`): a small simulated team (the reference
scenario, 40 weeks, 2 managers of 3 reps, so a calibration takes seconds) written as a plain
Salesforce export (``write_export``), as the messy exports of :mod:`tests.crm_exports` (a Spanish
Windows-1252 ``;`` day-first decimal-comma multi-currency migrated Salesforce org, the same org in
US English and UTF-8, a Portuguese HubSpot export of two pipelines, an old-style English HubSpot
export, a final-stage-only pipeline export with a ``--columns`` map). The seed exports are made
once and cached on disk under the temp directory (:func:`seed_dir`, keyed by the sources they
come from).

One to three mutation operators (:data:`OPERATORS`) are then applied, chosen by
``random.Random(f"{seed}:{index}")``: the same seed and index always give the same mutant
(:func:`crm_mutant`). Operators work at five levels, always applied in this order:

* **rows** (level 0): on the parsed CSV (header and rows): long fields, a won flag on an open
  deal, stages renamed or spelt two ways, odd amounts and dates, duplicated rows and ids,
  deleted, added, renamed and reordered columns, shuffled rows, few rows or only a header,
  history rows of unknown deals, rows of another width, several currencies (with or without a
  ``--rates`` file), two pipelines (with or without ``--pipeline``), another delimiter;
* **text** (level 1): line endings, blank lines, a title line or a report footer, a stray quote;
* **bytes** (level 2): other encodings, truncation, invalid UTF-8, NUL bytes, byte order marks;
* **special** (level 3): the file replaced by a FIFO, a symlink to /dev/urandom, a 3 GB sparse
  file, a directory, a ``.env`` or a credentials file holding a secret, a scenario YAML, a zip;
* **args** (level 4): ``--date-order``, ``--encoding``, ``--won-stages``/``--lost-stages``,
  ``--stages``, ``--columns`` maps (right, wrong, not YAML), ``--currency``, ``--as-of``,
  ``--format``, ``--strict``.

A mutant is written into a work directory as :attr:`CrmMutant.files` (and
:attr:`CrmMutant.specials`, made by :func:`make_special`), and calibrated there with
:attr:`CrmMutant.args` (paths relative to it). :attr:`CrmMutant.damaged` says that the mutation
damaged rows in a way the readers can tell (a successful run's ledger must then say "set aside"
or "repaired"); :attr:`CrmMutant.secret` is a string of a file that is not an export, which the
output must never quote.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import math
import os
import random
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from tests.conftest import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
SECRET = "SECRETVALUE123"
"""The secret the ``.env`` and credentials inputs hold; it must never appear in the output."""
LONG = 131_073
"""Length of a long field: past the csv module's default field size limit (131,072)."""
SPARSE_BYTES = 3 * 2**30
SEED_TEAM = {"weeks": 40, "warmup_weeks": 0, "managers": 2, "reps_per_manager": 3, "seed": 11}
"""The small simulated team every seed export is made of."""


@dataclass(frozen=True)
class CrmMutant:
    """One mutated CRM export: the files to write and the calibrate arguments."""

    id: str
    seed: int
    index: int
    base: str
    """Name of the seed export it started from."""
    description: str
    """The mutations applied, ``; ``-separated (printable ASCII only)."""
    files: dict[str, bytes]
    """File name (in the work directory) -> bytes."""
    specials: dict[str, str]
    """File name -> kind of odd file (see :func:`make_special`)."""
    args: tuple[str, ...]
    """``coachsim calibrate`` arguments, without ``-o``."""
    damaged: bool = False
    """Rows were damaged in a way the readers can tell: exit 0 must show it in the ledger."""
    secret: str = ""
    """A string the output must never contain (from a file that is not an export)."""

    @property
    def strict(self) -> bool:
        return "--strict" in self.args


# --------------------------------------------------------------------------------------------
# Seed exports


@dataclass(frozen=True)
class Base:
    """A seed export: its files and how they are written."""

    name: str
    kind: str
    """``salesforce``, ``hubspot`` or ``pipeline``."""
    files: dict[str, bytes]
    main: str
    history: str | None
    encoding: dict[str, str]
    delimiter: dict[str, str]
    newline: dict[str, str]
    date_order: str
    """How the main file writes numeric dates (dmy, mdy, or ymd for ISO dates)."""
    roles: dict[str, dict[str, str]]
    """File -> our field -> its column."""
    args: tuple[str, ...]
    stages: tuple[str, ...]
    """The open stages, in funnel order."""
    won: str
    lost: str


SOURCES = (
    "sim/calibration/simulated.py",
    "tests/crm_exports.py",
    "tests/fuzz/crm_mutate.py",
    "scenarios/reference.yaml",
)


def seed_dir() -> Path:
    """Where the seed exports are cached: keyed by the sources they are made from."""
    h = hashlib.sha256()
    for rel in SOURCES:
        with contextlib.suppress(OSError):
            h.update((ROOT / rel).read_bytes())
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"coachsim-crm-seeds-{uid}-{h.hexdigest()[:12]}"


def _make_seeds(folder: Path) -> None:
    """Write every seed export into ``folder/<base>/``."""
    from sim.calibration.simulated import simulated_export, write_export
    from sim.scenario import load_scenario
    from tests.crm_exports import (
        PORTUGUESE_PIPELINE,
        PORTUGUESE_STAGES,
        hubspot_export,
        pipeline_export,
        salesforce_messy,
    )

    t = SEED_TEAM
    s = load_scenario(str(SCENARIOS / "reference.yaml"))
    s = s.model_copy(update={"weeks": t["weeks"], "warmup_weeks": t["warmup_weeks"]})
    team = s.team.model_copy(
        update={"managers": t["managers"], "reps_per_manager": t["reps_per_manager"]}
    )
    export = simulated_export(s.model_copy(update={"team": team}), seed=t["seed"])
    for name in ("sf", "sf_messy", "sf_us", "hubspot", "hubspot_old", "pipeline"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    write_export(export, str(folder / "sf"))
    salesforce_messy(export, folder / "sf_messy", seed=2)
    salesforce_messy(
        export,
        folder / "sf_us",
        seed=3,
        encoding="utf-8",
        delimiter=",",
        date_order="mdy",
        decimal_comma=False,
        currencies=False,
        migrated=False,
        line_ending="\n",
        names={},
        sort_order=False,
    )
    hubspot_export(
        export,
        folder / "hubspot",
        seed=3,
        names=PORTUGUESE_STAGES,
        pipeline=PORTUGUESE_PIPELINE,
        other_pipeline_deals=10,
    )
    hubspot_export(
        export, folder / "hubspot_old", seed=4, form="old", encoding="utf-8", skipped=0.1
    )
    pipeline_export(export, folder / "pipeline", seed=4)
    (folder / "pipeline" / "map.yaml").write_text(
        "deal: opportunity_id\nowner: sales_agent\nstage: deal_stage\namount: close_value\n"
        "created: engage_date\nclosed: close_date\n",
        encoding="utf-8",
    )


def _seeds() -> Path:
    """The seed exports' folder, made if missing (atomically: several processes may race)."""
    folder = seed_dir()
    if (folder / "complete").exists():
        return folder
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        _make_seeds(tmp)
        (tmp / "complete").write_text("ok\n", encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


SF_ROLES = {
    "deal": "Id",
    "owner": "OwnerId",
    "stage": "StageName",
    "amount": "Amount",
    "created": "CreatedDate",
    "closed": "CloseDate",
    "is_closed": "IsClosed",
    "won": "IsWon",
}
SF_HISTORY = {"deal": "OpportunityId", "stage": "StageName", "date": "CreatedDate"}
HS_ROLES = {
    "deal": "Record ID",
    "owner": "Deal owner",
    "stage": "Deal Stage",
    "amount": "Amount",
    "created": "Create Date",
    "closed": "Close Date",
    "pipeline": "Pipeline",
}
PL_ROLES = {
    "deal": "opportunity_id",
    "owner": "sales_agent",
    "stage": "deal_stage",
    "amount": "close_value",
    "created": "engage_date",
    "closed": "close_date",
}


@cache
def bases() -> dict[str, Base]:
    """The seed exports, by name (made once per process, cached on disk)."""
    from tests.crm_exports import PORTUGUESE_PIPELINE, PORTUGUESE_STAGES, SPANISH_STAGES

    folder = _seeds()

    def files(name: str, *names: str) -> dict[str, bytes]:
        return {n: (folder / name / n).read_bytes() for n in names}

    english = ("Prospecting", "Discovery", "Proposal", "Closing")
    spanish = tuple(SPANISH_STAGES[s] for s in english)
    portuguese = tuple(PORTUGUESE_STAGES[s] for s in english)
    utf8 = {"encoding": "utf-8", "delimiter": ",", "newline": "\n"}
    out = [
        Base(
            "sf",
            "salesforce",
            files("sf", "opportunities.csv", "history.csv"),
            "opportunities.csv",
            "history.csv",
            *_dialect(["opportunities.csv", "history.csv"], **utf8),
            "ymd",
            {"opportunities.csv": SF_ROLES, "history.csv": SF_HISTORY},
            ("opportunities.csv", "--history", "history.csv"),
            english,
            "Closed Won",
            "Closed Lost",
        ),
        Base(
            "sf_messy",
            "salesforce",
            files("sf_messy", "opportunities.csv", "history.csv", "rates.csv"),
            "opportunities.csv",
            "history.csv",
            *_dialect(
                ["opportunities.csv", "history.csv"],
                encoding="cp1252",
                delimiter=";",
                newline="\r\n",
            ),
            "dmy",
            {
                "opportunities.csv": {**SF_ROLES, "currency": "CurrencyIsoCode"},
                "history.csv": SF_HISTORY,
            },
            ("opportunities.csv", "--history", "history.csv", "--rates", "rates.csv"),
            spanish,
            SPANISH_STAGES["Closed Won"],
            SPANISH_STAGES["Closed Lost"],
        ),
        Base(
            "sf_us",
            "salesforce",
            files("sf_us", "opportunities.csv", "history.csv"),
            "opportunities.csv",
            "history.csv",
            *_dialect(["opportunities.csv", "history.csv"], **utf8),
            "mdy",
            {"opportunities.csv": SF_ROLES, "history.csv": SF_HISTORY},
            ("opportunities.csv", "--history", "history.csv"),
            english,
            "Closed Won",
            "Closed Lost",
        ),
        Base(
            "hubspot",
            "hubspot",
            files("hubspot", "deals.csv"),
            "deals.csv",
            None,
            *_dialect(["deals.csv"], encoding="utf-8-sig", delimiter=",", newline="\n"),
            "ymd",
            {"deals.csv": HS_ROLES},
            ("deals.csv", "--pipeline", PORTUGUESE_PIPELINE),
            portuguese,
            PORTUGUESE_STAGES["Closed Won"],
            PORTUGUESE_STAGES["Closed Lost"],
        ),
        Base(
            "hubspot_old",
            "hubspot",
            files("hubspot_old", "deals.csv"),
            "deals.csv",
            None,
            *_dialect(["deals.csv"], **utf8),
            "ymd",
            {"deals.csv": HS_ROLES},
            ("deals.csv",),
            english,
            "Closed Won",
            "Closed Lost",
        ),
        Base(
            "pipeline",
            "pipeline",
            files("pipeline", "sales_pipeline.csv", "map.yaml"),
            "sales_pipeline.csv",
            None,
            *_dialect(["sales_pipeline.csv"], **utf8),
            "ymd",
            {"sales_pipeline.csv": PL_ROLES},
            ("sales_pipeline.csv", "--columns", "map.yaml"),
            ("Prospecting", "Engaging"),
            "Won",
            "Lost",
        ),
    ]
    return {b.name: b for b in out}


def _dialect(
    names: list[str], encoding: str, delimiter: str, newline: str
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    return (
        dict.fromkeys(names, encoding),
        dict.fromkeys(names, delimiter),
        dict.fromkeys(names, newline),
    )


# --------------------------------------------------------------------------------------------
# A mutant in the making


@dataclass
class Sheet:
    """A CSV file parsed: header, rows, and how it is written back."""

    header: list[str]
    rows: list[list[str]]
    encoding: str
    delimiter: str
    newline: str

    def col(self, name: str) -> int | None:
        return self.header.index(name) if name in self.header else None

    def text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=self.delimiter, lineterminator=self.newline)
        w.writerow(self.header)
        w.writerows(self.rows)
        return buf.getvalue()


class Draft:
    """A mutant being made: per CSV file, its rows, then its text, then its bytes (each made on
    demand, one way only); then odd files and the arguments."""

    def __init__(self, base: Base) -> None:
        self.base = base
        self.files: dict[str, bytes] = dict(base.files)
        self.sheets: dict[str, Sheet] = {}
        self.texts: dict[str, str] = {}
        self.encoding = dict(base.encoding)
        self.delimiter = dict(base.delimiter)
        self.newline = dict(base.newline)
        self.roles = {k: dict(v) for k, v in base.roles.items()}
        self.specials: dict[str, str] = {}
        self.args: list[str] = list(base.args)
        self.damaged = False
        self.secret = ""
        self.notes: list[str] = []

    # -- which file
    def csv_names(self) -> list[str]:
        return [n for n in (self.base.main, self.base.history) if n is not None]

    def pick(self, rng: random.Random, history_share: float = 0.3) -> str:
        """The main file, or (sometimes) the history file."""
        h = self.base.history
        return h if h is not None and rng.random() < history_share else self.base.main

    def role(self, name: str, field_: str) -> str | None:
        return self.roles.get(name, {}).get(field_)

    # -- levels
    def sheet(self, name: str) -> Sheet:
        assert name not in self.texts, "row operators run first"
        if name not in self.sheets:
            text = self.files[name].decode(self.encoding[name])
            text = text.removeprefix("\ufeff")
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter[name]))
            self.sheets[name] = Sheet(
                rows[0], rows[1:], self.encoding[name], self.delimiter[name], self.newline[name]
            )
        return self.sheets[name]

    def text(self, name: str) -> str:
        if name in self.texts:
            return self.texts[name]
        if name in self.sheets:
            sheet = self.sheets.pop(name)
            self.delimiter[name] = sheet.delimiter
            text = sheet.text()
        else:
            # bytes operators may have left bytes the encoding cannot read: replaced
            raw = self.files[name]
            text = raw.decode(self.encoding[name], errors="replace").removeprefix("\ufeff")
        self.texts[name] = text
        return text

    def set_text(self, name: str, text: str) -> None:
        self.text(name)
        self.texts[name] = text

    def data(self, name: str) -> bytes:
        if name in self.sheets or name in self.texts:
            text = self.text(name)
            enc = self.encoding[name]
            try:
                data = text.encode(enc)
            except UnicodeEncodeError:
                data = text.encode("utf-8")
                self.notes.append(f"{name} written as UTF-8 ({enc} cannot hold it)")
                self.encoding[name] = "utf-8"
            self.texts.pop(name)
            self.files[name] = data
        return self.files[name]

    def set_bytes(self, name: str, data: bytes) -> None:
        self.data(name)
        self.files[name] = data

    def result(self) -> dict[str, bytes]:
        for name in list(self.sheets) + list(self.texts):
            self.data(name)
        return dict(self.files)

    def set_arg(self, option: str, value: str | None) -> None:
        """Set (or, with None, drop) ``option VALUE`` in the arguments."""
        if option in self.args:
            i = self.args.index(option)
            del self.args[i : i + 2]
        if value is not None:
            self.args += [option, value]

    def replace_path(self, old: str, new: str) -> None:
        self.args = [new if a == old else a for a in self.args]


def show(value: object, limit: int = 40) -> str:
    """A value in printable ASCII, cut short."""
    text = str(value)
    cut = text if len(text) <= limit else text[:limit] + f"...({len(text):,} chars)"
    return cut.encode("unicode_escape").decode("ascii").replace(";", "\\x3b")


def _row(rng: random.Random, sheet: Sheet) -> int | None:
    return rng.randrange(len(sheet.rows)) if sheet.rows else None


def _width_ok(sheet: Sheet, i: int) -> bool:
    return len(sheet.rows[i]) == len(sheet.header)


# --------------------------------------------------------------------------------------------
# Row operators (level 0)


def op_long_field(rng: random.Random, d: Draft) -> str:
    """A field longer than the csv module's default limit (131,072 characters)."""
    name = d.pick(rng)
    s = d.sheet(name)
    i = _row(rng, s)
    if i is None or not _width_ok(s, i):
        return f"{name}: no row"
    j = rng.randrange(len(s.header))
    kind = rng.choice(["x", "stage", "digits", "spaces", "pipe"])
    n = LONG + rng.randrange(1000)
    value = {
        "x": "x" * n,
        "stage": (s.rows[i][j] + " ") * (n // max(len(s.rows[i][j]) + 1, 1) + 1),
        "digits": "9" * n,
        "spaces": "a" + " " * n + "b",
        "pipe": ("a,b;c|d\t" * (n // 8 + 1)),
    }[kind]
    s.rows[i][j] = value
    column = s.header[j]
    roles = {v: k for k, v in d.roles.get(name, {}).items()}
    role = roles.get(column)
    if name == d.base.main and role in ("stage", "created", "won", "is_closed", "amount"):
        d.damaged = True  # set aside (a long stage, not a date or flag) or repaired (amount)
    elif name == d.base.history and role == "date":
        d.damaged = True
    return f"{name}: line {i + 2} column {show(column)} = {kind} x {len(value):,}"


def op_won_open(rng: random.Random, d: Draft) -> str:
    """A deal marked won while open (IsWon true, IsClosed false), or a won stage with no close
    date."""
    name = d.base.main
    s = d.sheet(name)
    won, closed, stage = (d.role(name, f) for f in ("won", "is_closed", "stage"))
    cw, cc, cs = (s.col(c) if c else None for c in (won, closed, stage))
    if cw is not None and cc is not None:
        open_rows = [
            i for i, r in enumerate(s.rows) if _width_ok(s, i) and r[cc].lower() in ("false", "0")
        ]
        if not open_rows:
            return "no open deal"
        i = rng.choice(open_rows)
        s.rows[i][cw] = rng.choice(["true", "TRUE", "1"])
        d.damaged = True
        return f"line {i + 2}: IsWon true on an open deal"
    cclose = s.col(d.role(name, "closed") or "")
    if cs is None or cclose is None:
        return "no stage column"
    outcomes = {d.base.won, d.base.lost}
    open_rows = [i for i, r in enumerate(s.rows) if _width_ok(s, i) and r[cs] not in outcomes]
    if not open_rows:
        return "no open deal"
    i = rng.choice(open_rows)
    s.rows[i][cs] = d.base.won
    s.rows[i][cclose] = ""
    d.damaged = True
    return f"line {i + 2}: stage {show(d.base.won)} (won) with no close date"


STAGE_NAMES = [
    "\U0001f680",
    "\U0001f680 Proposal",
    "Pro\nposal",
    "Pro\r\nposal",
    "\ufeffProposal",
    "Pro\u200bposal",
    "Proposal\u00a0",
    "\u202eProposal",
    "Proposal\x1b[31m",
    "Prop\tosal",
    "P" * 81,
    "Proposal, sent; really | yes",
    'Say "hi"',
    "Won't close yet",
    "Closed",
    "Won",
    "Lost",
    "  ",
    "-",
    '=HYPERLINK("x")',
    "Ｐｒｏｐｏｓａｌ",
    "Étape 3",
    "段階",
    "\u2028",
    "a\x00b",
]
"""Stage names a renamed stage may get."""
CLEANED = ("\n", "\r", "\ufeff", "\u200b", "\u202e", "\x1b", "\t", "\u2028", "\x00")
"""Characters :func:`clean_labels` takes out of a stage name (a repair the ledger shows)."""


def op_stage_rename(rng: random.Random, d: Draft) -> str:
    """Every row of one stage renamed (in the main file, the history, or both)."""
    new = rng.choice(STAGE_NAMES)
    stages = [*d.base.stages, d.base.won, d.base.lost]
    old = rng.choice(stages)
    where = rng.choice(["main", "both", "both", "history"]) if d.base.history else "main"
    names = {
        "main": [d.base.main],
        "history": [d.base.history],
        "both": [d.base.main, d.base.history],
    }[where]
    count = 0
    for name in names:
        if name is None:
            continue
        s = d.sheet(name)
        c = s.col(d.role(name, "stage") or "")
        if c is None:
            continue
        for r in s.rows:
            if c < len(r) and r[c] == old:
                r[c] = new
                count += 1
    cleaned = any(ch in new for ch in CLEANED) or not new.strip()
    if count and (cleaned or (len(new) > 80 and where != "history")):
        d.damaged = True  # repaired (cleaned), or set aside (no stage, a stage too long)
    return f"{count} rows of stage {show(old)} renamed {show(new)} in {where}"


def op_stage_spellings(rng: random.Random, d: Draft) -> str:
    """Some rows of a stage written another way: "proposal", "PROPOSAL ", "Proposal ?"..."""
    name = d.pick(rng)
    s = d.sheet(name)
    c = s.col(d.role(name, "stage") or "")
    if c is None:
        return f"{name}: no stage column"
    old = rng.choice([*d.base.stages, d.base.won, d.base.lost])
    kind = rng.choice(["lower", "upper", "space", "question", "zwsp", "nfkc", "double"])
    new = {
        "lower": old.lower(),
        "upper": old.upper() + " ",
        "space": " " + old + "  ",
        "question": old + " ?",
        "zwsp": old + "\u200b",
        "nfkc": old.replace("o", "\uff4f").replace("a", "\uff41"),
        "double": old.replace(" ", "  ") if " " in old else old + "\u00a0",
    }[kind]
    rows = [r for r in s.rows if c < len(r) and r[c] == old]
    chosen = [r for r in rows if rng.random() < 0.3]
    for r in chosen:
        r[c] = new
    partial = 0 < len(chosen) < len(rows)
    if chosen and new != old:
        if kind == "zwsp" or (kind == "double" and " " in old):
            d.damaged = True  # a label cleaned of an invisible character or a double space
        elif kind in ("lower", "upper", "nfkc") and name == d.base.main and partial:
            d.damaged = True  # one stage written two ways in the opportunities: unified
    return f"{name}: {len(chosen)} of {len(rows)} rows of {show(old)} written {show(new)}"


AMOUNTS = [
    ("1.234,56", False),
    ("1e23", True),
    ("-5", True),
    ("(1,234.00)", True),
    ("$ 1 234", False),
    ("", False),
    ("n/a", True),
    ("TBD", True),
    ("inf", True),
    ("-inf", True),
    ("nan", True),
    ("1e-300", False),
    ("0", False),
    ("€1.234.567,89", False),
    ("1_000", True),
    ("\u0663\u0664\u0665", False),
    ("999999999.99", False),
    ("1000000001", True),
    ("12.5%", True),
    ("USD 1,234.56", False),
    ("1,234", False),
    ("  42  ", False),
    ("0x10", True),
    ("1" * 400, True),
]
"""(an amount as written, whether the readers must set it aside or repair it)."""


def op_amounts(rng: random.Random, d: Draft) -> str:
    """A few amounts written oddly, or the whole column in another format."""
    name = d.base.main
    s = d.sheet(name)
    c = s.col(d.role(name, "amount") or "")
    if c is None or not s.rows:
        return "no amount column"
    if rng.random() < 0.25:
        style = rng.choice(["comma", "dollar", "spaces", "code", "parens", "int"])
        count = 0
        for r in s.rows:
            if c >= len(r):
                continue
            v = _number(r[c])
            if v is None:
                continue
            r[c] = _format_amount(v, style)
            count += 1
        return f"{count} amounts written {style}"
    k = rng.choice([1, 1, 2, 5])
    picked = []
    for _ in range(k):
        i = rng.randrange(len(s.rows))
        if not _width_ok(s, i):
            continue
        value, hurts = rng.choice(AMOUNTS)
        s.rows[i][c] = value
        picked.append(f"line {i + 2} {show(value)}")
        d.damaged = d.damaged or hurts
    return ", ".join(picked) or "no row"


def _number(text: str) -> float | None:
    t = text.strip()
    if not t:
        return None
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?", t) and ("," in t or t.count(".") > 1):
        t = t.replace(".", "").replace(",", ".")
    try:
        v = float(t.replace(",", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _format_amount(v: float, style: str) -> str:
    if style == "comma":
        return f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    if style == "dollar":
        return f"${v:,.2f}"
    if style == "spaces":
        return f"{v:,.2f}".replace(",", "\u00a0")
    if style == "code":
        return f"USD {v:.2f}"
    if style == "parens":
        return f"({v:,.2f})"
    return str(round(v))


DATE_FORMATS = {
    "dmy": "%d/%m/%Y",
    "mdy": "%m/%d/%Y",
    "dotted": "%d.%m.%Y",
    "short_year": "%d/%m/%y",
    "month_name": "%d %b %Y",
    "ymd_slash": "%Y/%m/%d",
    "iso_time": "%Y-%m-%dT14:22:05.000Z",
    "us_time": "%m/%d/%Y %I:%M %p",
    "iso": "%Y-%m-%d",
}
BAD_DATES = [
    ("not a date", True),
    ("", True),
    ("2024-13-45", True),
    ("31/02/2024", False),
    ("0000-00-00", False),
    ("9999-12-31", False),
    ("1900-01-01", False),
    ("2200-06-01", False),
    ("00/00/0000", False),
    ("99999", False),
    ("1e10", False),
    ("-1", False),
    ("12345678901234567890", False),
    ("2024-01-01T25:61:00Z", False),
    ("45000", False),
    ("2024-02-30", False),
    ("yesterday", False),
    ("1/1/1", False),
]
"""(a date as written, whether a created date so written must be set aside)."""


def _parse_date(text: str, order: str) -> date | None:
    t = text.strip()
    try:
        m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.match(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", t)
        if m:
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            return date(y, b, a) if order == "dmy" else date(y, a, b)
    except ValueError:
        return None
    return None


def _date_columns(d: Draft) -> list[tuple[str, str, str]]:
    """(file, column, role) of the date columns."""
    out = []
    for name in d.csv_names():
        for role in ("created", "closed", "date"):
            c = d.role(name, role)
            if c is not None:
                out.append((name, c, role))
    return out


def op_dates(rng: random.Random, d: Draft) -> str:
    """A date column in another format, or a few dates garbled, blank, far off."""
    name, column, role = rng.choice(_date_columns(d))
    s = d.sheet(name)
    c = s.col(column)
    if c is None:
        return f"{name}: no column {show(column)}"
    order = d.base.date_order if name == d.base.main else "ymd"
    if rng.random() < 0.4:
        fmt = rng.choice([*sorted(DATE_FORMATS), "serial"])
        count = 0
        for r in s.rows:
            if c >= len(r):
                continue
            day = _parse_date(r[c], order)
            if day is None:
                continue
            r[c] = str((day - date(1899, 12, 30)).days) if fmt == "serial" else _strf(day, fmt)
            count += 1
        return f"{name}: {count} values of {show(column)} written {fmt}"
    picked = []
    for _ in range(rng.choice([1, 1, 3])):
        i = _row(rng, s)
        if i is None or not _width_ok(s, i):
            continue
        value, hurts = rng.choice(BAD_DATES)
        s.rows[i][c] = value
        picked.append(f"line {i + 2} {show(value)}")
        if hurts and ((name == d.base.main and role == "created") or role == "date"):
            d.damaged = True
    return f"{name}: {show(column)} " + (", ".join(picked) or "no row")


def _strf(day: date, fmt: str) -> str:
    return day.strftime(DATE_FORMATS[fmt])


def op_duplicates(rng: random.Random, d: Draft) -> str:
    """Rows repeated, or a deal id given to another row."""
    name = d.pick(rng)
    s = d.sheet(name)
    if not s.rows:
        return f"{name}: no rows"
    c = s.col(d.role(name, "deal") or "")
    if rng.random() < 0.5 or c is None:
        k = rng.choice([1, 2, 10, len(s.rows)])
        picked = [rng.randrange(len(s.rows)) for _ in range(k)]
        for i in sorted(picked, reverse=True):
            s.rows.insert(i + 1, list(s.rows[i]))
        if name == d.base.main:
            d.damaged = True
        return f"{name}: {k} rows repeated"
    i, j = rng.randrange(len(s.rows)), rng.randrange(len(s.rows))
    if i == j or not (_width_ok(s, i) and _width_ok(s, j)):
        return f"{name}: no pair"
    s.rows[j][c] = s.rows[i][c]
    if name == d.base.main and s.rows[i][c].strip():
        d.damaged = True
    return f"{name}: line {j + 2} given the id of line {i + 2}"


def op_delete_column(rng: random.Random, d: Draft) -> str:
    """A column deleted (a required one, or an optional one)."""
    name = d.pick(rng)
    s = d.sheet(name)
    if len(s.header) < 2:
        return f"{name}: too few columns"
    j = rng.randrange(len(s.header))
    column = s.header.pop(j)
    for r in s.rows:
        if j < len(r):
            r.pop(j)
    return f"{name}: column {show(column)} deleted"


def op_add_column(rng: random.Random, d: Draft) -> str:
    """A column added: notes with commas and line breaks, a repeated name, a blank name (a
    trailing delimiter), pandas' index."""
    name = d.pick(rng)
    s = d.sheet(name)
    kind = rng.choice(["notes", "repeat", "blank", "index", "probability"])
    if kind == "notes":
        s.header.append("Notes")
        for r in s.rows:
            r.append(rng.choice(["", "call back, maybe", 'said "no"', "line\nbreak", "ok; fine"]))
    elif kind == "repeat":
        j = rng.randrange(len(s.header))
        s.header.append(s.header[j])
        for r in s.rows:
            r.append(r[j] if j < len(r) else "")
        return f"{name}: column {show(s.header[j])} repeated"
    elif kind == "blank":
        s.header.append("")
        for r in s.rows:
            r.append("")
    elif kind == "index":
        s.header.insert(0, "")
        for k, r in enumerate(s.rows):
            r.insert(0, str(k))
    else:
        s.header.append("Probability")
        for r in s.rows:
            r.append(rng.choice(["10", "20%", "50,5", "x", "", "1e309"]))
    return f"{name}: column added ({kind})"


def op_rename_header(rng: random.Random, d: Draft) -> str:
    """A header renamed: its case, spaces, underscores, a BOM, another name (with a right
    ``--columns`` map, sometimes)."""
    name = d.pick(rng)
    s = d.sheet(name)
    j = rng.randrange(len(s.header))
    old = s.header[j]
    kind = rng.choice(["upper", "lower", "spaces", "underscores", "pad", "bom", "other"])
    new = {
        "upper": old.upper(),
        "lower": old.lower(),
        "spaces": re.sub(r"(?<=[a-z])(?=[A-Z])", " ", old) + " ",
        "underscores": re.sub(r"(?<=[a-z])(?=[A-Z])", "_", old).replace(" ", "_"),
        "pad": f"  {old}\t",
        "bom": "\ufeff" + old,
        "other": rng.choice(["Etapa", "Fase", "Valor (R$)", "Owner Name", "Amount (converted)"])
        + f" {j}",
    }[kind]
    s.header[j] = new
    roles = {v: k for k, v in d.roles.get(name, {}).items()}
    mapped = ""
    if (
        kind == "other"
        and old in roles
        and name == d.base.main
        and "--columns" not in d.args
        and rng.random() < 0.6
    ):
        d.files["columns.yaml"] = f"{roles[old]}: {new}\n".encode()
        d.set_arg("--columns", "columns.yaml")
        mapped = f" (mapped: {roles[old]})"
    if old in roles:
        d.roles[name][roles[old]] = new
    return f"{name}: header {show(old)} renamed {show(new)}{mapped}"


def op_reorder(rng: random.Random, d: Draft) -> str:
    """Columns reordered, or rows shuffled."""
    name = d.pick(rng)
    s = d.sheet(name)
    if rng.random() < 0.5:
        perm = list(range(len(s.header)))
        rng.shuffle(perm)
        s.header = [s.header[k] for k in perm]
        s.rows = [[r[k] for k in perm] if len(r) == len(perm) else r for r in s.rows]
        return f"{name}: columns reordered"
    rng.shuffle(s.rows)
    return f"{name}: rows shuffled"


def op_few_rows(rng: random.Random, d: Draft) -> str:
    """Only a header, or very few rows (2 deals, 3 history rows), or half the rows."""
    name = d.pick(rng, 0.4)
    s = d.sheet(name)
    k = rng.choice([0, 2, 3, 29, 30, 31, len(s.rows) // 2])
    s.rows = s.rows[:k] if rng.random() < 0.5 else rng.sample(s.rows, min(k, len(s.rows)))
    d.damaged = False  # what was damaged may be gone
    return f"{name}: {len(s.rows)} rows kept"


def op_unknown_history(rng: random.Random, d: Draft) -> str:
    """History rows of a deal the opportunities export does not have."""
    name = d.base.history
    if name is None:
        return "no history"
    s = d.sheet(name)
    if not s.rows:
        return "no rows"
    c = s.col(d.role(name, "deal") or "")
    if c is None:
        return "no deal column"
    ghost = rng.choice(["006UNKNOWN0001", "", "006S00000001 ", "006s00000001"])
    k = rng.choice([1, 3])
    for _ in range(k):
        i = rng.randrange(len(s.rows))
        row = list(s.rows[i])
        if c < len(row):
            row[c] = ghost
        s.rows.insert(i, row)
    d.damaged = d.damaged or ghost != "006S00000001 "
    return f"{k} history rows of deal {show(ghost)}"


def op_ragged(rng: random.Random, d: Draft) -> str:
    """Rows with another number of fields than the header."""
    name = d.pick(rng)
    s = d.sheet(name)
    if not s.rows:
        return f"{name}: no rows"
    k = rng.choice([1, 2, 5])
    for _ in range(k):
        i = rng.randrange(len(s.rows))
        r = s.rows[i]
        if rng.random() < 0.5:
            r.append("extra")
        elif len(r) > 1:
            r.pop()
    if any(len(r) != len(s.header) for r in s.rows):
        d.damaged = True
    return f"{name}: {k} rows of another width"


CURRENCIES = [
    "USD",
    "EUR",
    "MXN",
    "usd",
    "",
    "XXX",
    "\u20ac",
    "BRL",
    "US$",
    "EUR\x1b[0m",
    "EU\x07\x08R",
]


def op_currencies(rng: random.Random, d: Draft) -> str:
    """A currency column with several codes; a ``--rates`` file right, short of a code, with a
    zero, negative, huge or tiny rate, or none; or ``--currency``."""
    name = d.base.main
    s = d.sheet(name)
    column = d.role(name, "currency")
    if column is None or s.col(column) is None:
        column = "CurrencyIsoCode"
        pool = rng.sample(CURRENCIES, rng.choice([1, 2, 3]))
        owner = s.col(d.role(name, "owner") or "")
        by_owner: dict[str, str] = {}
        s.header.append(column)
        for r in s.rows:
            key = r[owner] if owner is not None and owner < len(r) else ""
            r.append(by_owner.setdefault(key, rng.choice(pool)))
        d.roles[name]["currency"] = column
        told = f"column of {', '.join(show(p) for p in pool)}"
    else:
        told = "existing column"
    c = s.col(column)
    assert c is not None
    codes = sorted({r[c].strip().upper() for r in s.rows if c < len(r)})
    kind = rng.choice(["right", "missing", "zero", "negative", "huge", "tiny", "none", "currency"])
    rates = {code: rng.choice([1.0, 1.08, 0.055, 0.00025]) for code in codes}
    if kind == "none":
        d.set_arg("--rates", None)
        return f"{told}; no --rates"
    if kind == "currency":
        d.set_arg("--rates", None)
        choice = rng.choice([*codes, "JPY", "eur"]) if codes else "USD"
        d.set_arg("--currency", choice)
        return f"{told}; --currency {show(choice)}"
    if kind == "missing" and rates:
        rates.pop(rng.choice(sorted(rates)))
    elif kind in ("zero", "negative", "huge", "tiny") and rates:
        code = rng.choice(sorted(rates))
        rates[code] = {"zero": 0.0, "negative": -1.08, "huge": 1e300, "tiny": 1e-300}[kind]
    body = "".join(f"{code or ''},{rate!r}\n" for code, rate in rates.items())
    d.files["rates.csv"] = ("currency,usd_per_unit\n" + body).encode("utf-8")
    d.set_arg("--rates", "rates.csv")
    return f"{told}; --rates {kind}"


PIPELINES = [
    "Sales",
    "Renewals",
    "Ventas Brasil",
    "",
    "x" * 500,
    "Sales\x1b[2J",
    "Sales\x07\x08\x7f",
    "Sales, EMEA",
]
"""Pipeline names (an ANSI escape is stripped by click off a terminal; other control characters
are not)."""


def op_pipelines(rng: random.Random, d: Draft) -> str:
    """A Pipeline column of two pipelines, with or without ``--pipeline`` (right, another, one
    not there, another case)."""
    name = d.base.main
    s = d.sheet(name)
    column = d.role(name, "pipeline")
    if column is None or s.col(column) is None:
        a, b = rng.sample(PIPELINES, 2)
        share = rng.choice([0.5, 0.9, 0.97])
        s.header.append("Pipeline")
        for r in s.rows:
            r.append(a if rng.random() < share else b)
        d.roles[name]["pipeline"] = "Pipeline"
        told = f"pipelines {show(a)} and {show(b)}"
    else:
        c = s.col(column)
        assert c is not None
        names = sorted({r[c] for r in s.rows if c < len(r)})
        a, b = names[0], names[-1]
        told = "existing pipelines"
    choice = rng.choice([a, b, None, "Nope", a.upper(), f" {a} "])
    d.set_arg("--pipeline", choice)
    return f"{told}; --pipeline {show(choice) if choice is not None else '(none)'}"


def op_delimiter(rng: random.Random, d: Draft) -> str:
    """The file written with another delimiter."""
    name = d.pick(rng)
    s = d.sheet(name)
    s.delimiter = rng.choice([x for x in (",", ";", "\t", "|") if x != s.delimiter])
    return f"{name}: delimiter {show(s.delimiter)}"


# --------------------------------------------------------------------------------------------
# Text operators (level 1)


def op_line_endings(rng: random.Random, d: Draft) -> str:
    """CRLF, CR only, or mixed line endings."""
    name = d.pick(rng)
    text = d.text(name).replace("\r\n", "\n")
    kind = rng.choice(["crlf", "cr", "mixed"])
    if kind == "crlf":
        text = text.replace("\n", "\r\n")
    elif kind == "cr":
        text = text.replace("\n", "\r")
    else:
        text = "".join(line + rng.choice(["\n", "\r\n"]) for line in text.split("\n") if line != "")
    d.set_text(name, text)
    return f"{name}: {kind}"


def op_blank_lines(rng: random.Random, d: Draft) -> str:
    """Blank lines (or lines of delimiters only) before the header and among the rows."""
    name = d.pick(rng)
    lines = d.text(name).split("\n")
    sep = d.delimiter[name] if name not in d.sheets else ","
    k = rng.choice([1, 3, 20])
    for _ in range(k):
        at = rng.randrange(len(lines) + 1)
        lines.insert(at, rng.choice(["", "", sep * 5, " ", "\r"]))
    d.set_text(name, "\n".join(lines))
    return f"{name}: {k} blank lines"


def op_title_footer(rng: random.Random, d: Draft) -> str:
    """A report's title above the header, or its footer (totals, copyright) below the rows."""
    name = d.base.main
    text = d.text(name)
    kind = rng.choice(["title", "footer", "sep"])
    if kind == "title":
        text = "Opportunities report\nExported 2024-05-01 by Ana Souza\n\n" + text
    elif kind == "sep":
        text = f"sep={d.delimiter[name]}\n" + text
    else:
        text = text + '\n\n"Grand Totals (747 records)"\n"Copyright (c) 2000-2024 salesforce.com"\n'
        d.damaged = True
    d.set_text(name, text)
    return f"{name}: {kind}"


def op_stray_quote(rng: random.Random, d: Draft) -> str:
    """A quote character inserted at a random place."""
    name = d.pick(rng)
    text = d.text(name)
    at = rng.randrange(len(text) + 1)
    d.set_text(name, text[:at] + '"' + text[at:])
    d.damaged = False
    return f"{name}: a quote at character {at}"


# --------------------------------------------------------------------------------------------
# Byte operators (level 2)


def op_reencode(rng: random.Random, d: Draft) -> str:
    """The file in another encoding (and sometimes ``--encoding`` says so)."""
    name = d.pick(rng)
    text = d.text(name)
    enc = rng.choice(
        ["cp1252", "latin-1", "utf-16", "utf-16-le", "utf-8-sig", "utf-32", "mac_roman", "cp1250"]
    )
    try:
        data = text.encode(enc)
    except UnicodeEncodeError:
        data = text.encode(enc, errors="replace")
        d.damaged = False  # a damaged label may be a "?" now
    d.set_bytes(name, data)
    d.encoding[name] = enc
    said = ""
    if rng.random() < 0.3:
        d.set_arg("--encoding", enc)
        said = " (--encoding said)"
    return f"{name}: {enc}{said}"


def op_truncate(rng: random.Random, d: Draft) -> str:
    """The file cut at a random byte."""
    name = d.pick(rng)
    data = d.data(name)
    at = rng.randrange(len(data) + 1)
    d.set_bytes(name, data[:at])
    d.damaged = False
    return f"{name}: truncated at byte {at} of {len(data)}"


def op_bad_bytes(rng: random.Random, d: Draft) -> str:
    """Invalid UTF-8, a NUL (early or past 64 KB), a byte order mark (right or wrong)."""
    name = d.pick(rng)
    data = d.data(name)
    kind = rng.randrange(7)
    pos = rng.randrange(len(data) + 1)
    if kind == 0:
        d.set_bytes(name, b"\xef\xbb\xbf" + data)
    elif kind == 1:
        d.set_bytes(name, data[:pos] + b"\xff\xfe" + data[pos:])
    elif kind == 2:
        d.set_bytes(name, data[:pos] + b"\xed\xa0\x80" + data[pos:])
    elif kind == 3:
        d.set_bytes(name, data[:pos] + b"\x00" + data[pos:])
    elif kind == 4:
        pos = max(pos, min(len(data), 70_000))
        d.set_bytes(name, data[:pos] + b"\x00" * 3 + data[pos:])
    elif kind == 5:
        d.set_bytes(name, b"\xff\xfe" + data)
    else:
        d.set_bytes(name, data[:pos] + b"\xc0\xaf\x81" + data[pos:])
    if kind not in (0, 5):
        d.damaged = False  # the bytes may have landed in a damaged row
    return f"{name}: bytes kind {kind} at {pos}"


# --------------------------------------------------------------------------------------------
# Special inputs (level 3)

SPECIALS = ("fifo", "urandom", "sparse", "dir", "loop", "zero")


def make_special(path: Path, kind: str) -> None:
    """An odd file at ``path``: a FIFO, a symlink to /dev/urandom or /dev/zero, a 3 GB sparse
    file, a directory (with a CSV inside), a symlink to itself."""
    if os.path.lexists(path):
        return
    with contextlib.suppress(OSError):
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "urandom":
            path.symlink_to("/dev/urandom")
        elif kind == "zero":
            path.symlink_to("/dev/zero")
        elif kind == "sparse":
            with path.open("wb") as f:
                f.truncate(SPARSE_BYTES)
        elif kind == "dir":
            path.mkdir()
            (path / "inside.csv").write_text("Id,StageName\n1,Won\n", encoding="utf-8")
        elif kind == "loop":
            path.symlink_to(path.name)


def _not_exports() -> dict[str, bytes]:
    """Files that are not exports, by name."""
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return {
        ".env": (
            f"# settings\nAWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY={SECRET}\n"
            "DATABASE_URL=postgres://app:pw@db:5432/app\n"
        ).encode(),
        "plain.env": f"AWS_SECRET_ACCESS_KEY={SECRET}\nREGION=us-east-1,eu-west-1\n".encode(),
        "credentials.csv": (
            "User name,Password,Access key ID,Secret access key,Console login link\n"
            f"ana,{SECRET},AKIAEXAMPLE,{SECRET},https://example.signin.aws.amazon.com/console\n"
        ).encode(),
        "secrets.yaml": f"aws_secret_access_key: {SECRET}\ntoken: {SECRET}\n".encode(),
        "config.json": f'{{"api_key": "{SECRET}", "region": "us-east-1"}}\n'.encode(),
        "scenario.yaml": (SCENARIOS / "reference.yaml").read_bytes(),
        "export.xlsx.csv": zipped.getvalue(),
        "report.xls": (
            b"<html><body><table><tr><td>Opportunity ID</td><td>Stage</td></tr>"
            b"<tr><td>1</td><td>Won</td></tr></table></body></html>\n"
        ),
        "empty.csv": b"",
        "spaces.csv": b"   \n\n\t\n",
    }


SECRET_FILES = (".env", "plain.env", "credentials.csv", "secrets.yaml", "config.json")


def op_special(rng: random.Random, d: Draft) -> str:
    """A file that is not an export (odd, secret, binary) named in place of one: mostly the
    opportunities, sometimes the history, the rates or the ``--columns`` map."""
    slot = rng.choices(["main", "history", "rates", "columns"], weights=[8, 2, 1, 1])[0]
    if rng.random() < 0.5:
        kind = rng.choice(SPECIALS)
        name = f"odd-{kind}.csv"
        d.specials[name] = kind
        what = kind
    else:
        files = _not_exports()
        name = rng.choice(sorted(files))
        d.files[name] = files[name]
        if name in SECRET_FILES:
            d.secret = SECRET
        what = name
    if slot == "main":
        d.args[0] = name
        d.damaged = False
    elif slot == "history" and d.base.history is not None:
        d.set_arg("--history", name)
    elif slot == "rates":
        d.set_arg("--rates", name)
    elif slot == "columns":
        d.set_arg("--columns", name)
    else:
        d.args[0] = name
        d.damaged = False
        slot = "main"
    return f"{what} as the {slot} file"


# --------------------------------------------------------------------------------------------
# Argument operators (level 4)


def op_date_order(rng: random.Random, d: Draft) -> str:
    """``--date-order`` right or wrong."""
    right = d.base.date_order
    choice = rng.choice(["dmy", "mdy", "ymd"])
    d.set_arg("--date-order", choice)
    return f"--date-order {choice} ({'right' if choice == right else 'wrong'})"


ENCODINGS = [
    "utf-8",
    "cp1252",
    "latin-1",
    "utf-16",
    "ascii",
    "klingon",
    "rot13",
    "base64",
    "hex",
    "undefined",
    "punycode",
    "idna",
    "unicode_escape",
    "utf-7",
    "",
]


def op_encoding(rng: random.Random, d: Draft) -> str:
    """``--encoding``: right, wrong, unknown, or a codec that is not a text encoding."""
    choice = rng.choice([d.base.encoding[d.base.main], *ENCODINGS])
    d.set_arg("--encoding", choice)
    return f"--encoding {show(choice)}"


def op_outcome_stages(rng: random.Random, d: Draft) -> str:
    """``--won-stages`` and ``--lost-stages``: right, swapped, an open stage, the same stage for
    both, unknown, empty."""
    b = d.base
    opened = rng.choice(b.stages)
    choices = [
        (b.won, b.lost),
        (b.lost, b.won),
        (opened, None),
        (b.won, b.won),
        ("Gagné", "Perdu"),
        (",,", None),
        (f"{b.won},{opened}", None),
        (None, opened),
        (b.won.upper(), f" {b.lost} "),
    ]
    won, lost = rng.choice(choices)
    d.set_arg("--won-stages", won)
    d.set_arg("--lost-stages", lost)
    return f"--won-stages {show(won)} --lost-stages {show(lost)}"


def op_stages(rng: random.Random, d: Draft) -> str:
    """``--stages``: the right order, reversed, a stage missing or unknown, repeated."""
    s = list(d.base.stages)
    kind = rng.choice(["right", "reversed", "missing", "unknown", "repeated", "one", "lower"])
    order = {
        "right": s,
        "reversed": s[::-1],
        "missing": s[1:],
        "unknown": [*s, "Nonexistent"],
        "repeated": [s[0], *s],
        "one": s[:1],
        "lower": [x.lower() for x in s],
    }[kind]
    d.set_arg("--stages", ",".join(order))
    return f"--stages {kind}"


def op_columns_map(rng: random.Random, d: Draft) -> str:
    """A ``--columns`` map: right, wrong (a missing column, an unknown field, a number), not
    YAML, empty, a list, an alias bomb."""
    roles = d.roles.get(d.base.main, {})
    kind = rng.choice(
        ["right", "missing", "unknown", "number", "not_yaml", "empty", "list", "bomb"]
    )
    right = "".join(f"{k}: {v!r}\n" for k, v in roles.items() if k in PL_ROLES)
    text = {
        "right": right,
        "missing": right + "stage: Nonexistent Column\n",
        "unknown": right + "colour: Amount\n",
        "number": right + "amount: 12\n",
        "not_yaml": "deal: [unclosed\n\tstage: {\n: : :\n",
        "empty": "",
        "list": "- deal\n- stage\n",
        "bomb": (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + k)}: &{chr(98 + k)} [{', '.join([f'*{chr(97 + k)}'] * 10)}]\n"
                for k in range(8)
            )
        ),
    }[kind]
    d.files["map.yaml"] = text.encode("utf-8")
    d.set_arg("--columns", "map.yaml")
    return f"--columns {kind}"


def op_misc_args(rng: random.Random, d: Draft) -> str:
    """``--as-of`` early, late or inside the export; ``--format`` right or wrong; ``--strict``;
    ``--currency``."""
    kind = rng.choice(["as_of", "as_of", "format", "strict", "currency"])
    if kind == "as_of":
        value = rng.choice(["2000-01-01", "2024-01-02", "2024-06-01", "2099-12-31"])
        d.set_arg("--as-of", value)
        return f"--as-of {value}"
    if kind == "format":
        value = rng.choice(["salesforce", "hubspot", "generic"])
        d.set_arg("--format", value)
        return f"--format {value}"
    if kind == "currency":
        value = rng.choice(["USD", "usd", "EUR", "JPY"])
        d.set_arg("--currency", value)
        return f"--currency {value}"
    d.args.append("--strict")
    return "--strict"


# --------------------------------------------------------------------------------------------
# Choosing and applying operators

Operator = Callable[[random.Random, Draft], str]

OPERATORS: list[tuple[str, Operator, int, int]] = [
    # (name, function, level: 0 rows / 1 text / 2 bytes / 3 special / 4 args, weight)
    ("long_field", op_long_field, 0, 3),
    ("won_open", op_won_open, 0, 3),
    ("stage_rename", op_stage_rename, 0, 4),
    ("stage_spellings", op_stage_spellings, 0, 3),
    ("amounts", op_amounts, 0, 5),
    ("dates", op_dates, 0, 5),
    ("duplicates", op_duplicates, 0, 2),
    ("delete_column", op_delete_column, 0, 2),
    ("add_column", op_add_column, 0, 2),
    ("rename_header", op_rename_header, 0, 2),
    ("reorder", op_reorder, 0, 2),
    ("few_rows", op_few_rows, 0, 2),
    ("unknown_history", op_unknown_history, 0, 2),
    ("ragged", op_ragged, 0, 2),
    ("currencies", op_currencies, 0, 4),
    ("pipelines", op_pipelines, 0, 3),
    ("delimiter", op_delimiter, 0, 2),
    ("line_endings", op_line_endings, 1, 1),
    ("blank_lines", op_blank_lines, 1, 1),
    ("title_footer", op_title_footer, 1, 1),
    ("stray_quote", op_stray_quote, 1, 1),
    ("reencode", op_reencode, 2, 3),
    ("truncate", op_truncate, 2, 2),
    ("bad_bytes", op_bad_bytes, 2, 2),
    ("special", op_special, 3, 4),
    ("date_order", op_date_order, 4, 2),
    ("encoding", op_encoding, 4, 2),
    ("outcome_stages", op_outcome_stages, 4, 2),
    ("stages", op_stages, 4, 1),
    ("columns_map", op_columns_map, 4, 2),
    ("misc_args", op_misc_args, 4, 2),
]
ACCEPT_POOR_FIT = 1 / 3
"""Share of mutants run with ``--accept-poor-fit``."""


def crm_mutant(seed: int, index: int) -> CrmMutant:
    """Mutant number ``index`` of ``seed`` (independent of every other mutant)."""
    rng = random.Random(f"{seed}:{index}")
    all_bases = bases()
    base = all_bases[rng.choice(sorted(all_bases))]
    n_ops = rng.choices([1, 2, 3], weights=[3, 2, 1])[0]
    chosen = rng.choices(OPERATORS, weights=[w for *_, w in OPERATORS], k=n_ops)
    chosen.sort(key=lambda op: op[2])
    draft = Draft(base)
    parts = [f"{name}: {fn(rng, draft)}" for name, fn, _, _ in chosen]
    files = draft.result()
    parts += draft.notes
    if rng.random() < ACCEPT_POOR_FIT:
        draft.args.append("--accept-poor-fit")
    return CrmMutant(
        id=f"{seed}-{index:05d}",
        seed=seed,
        index=index,
        base=base.name,
        description="; ".join(parts),
        files=files,
        specials=dict(draft.specials),
        args=tuple(draft.args),
        damaged=draft.damaged,
        secret=draft.secret,
    )


def write_mutant(m: CrmMutant, workdir: Path) -> None:
    """Write ``m``'s files and odd files into ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name, data in m.files.items():
        (workdir / name).write_bytes(data)
    for name, kind in m.specials.items():
        make_special(workdir / name, kind)
