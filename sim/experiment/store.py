"""A run on disk: finished batches survive interruption, a resume uses only what it can prove,
and complete runs appear at once.

While a run is under way its files live in ``<output>.partial/``:

- ``.coachsim-output``: the marker that says coachsim made this folder (see
  :mod:`sim.experiment.output`);
- ``run.json``: what is being run (scenarios, seed, replications, batch size), checked on resume
  with the same validation as a scenario file, positions and all;
- ``parts/weekly/`` and ``parts/summary/``: one Parquet file of weekly and one of summary rows per
  finished batch, each written whole or not at all (each folder reads as one table with
  ``pandas.read_parquet``);
- ``parts/batches.jsonl``: the ledger, one line per finished batch, appended and flushed to disk
  after its parts: its index and replications, the seed, batch size, coachsim version, scenario
  names and hashes it was run with, and the SHA-256 of each part.

A resume (:meth:`Store.verify`) trusts a batch only if its ledger line matches ``run.json`` in
every field and both parts match their checksums. A ledger that disagrees with ``run.json`` (an
edited seed, scenario or batch size) is refused in one line naming what differs; a missing or
damaged part is run again; a file in ``parts/`` that the run did not write is refused. The final
tables are written from exactly the batches this run merged, never from whatever files are on
disk, and parts it did not merge are removed before the folder is renamed into place.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.experiment.batches import BatchResult
from sim.experiment.executors import ordered_map
from sim.experiment.output import (
    MARKER,
    check_replaceable,
    remove_own,
    replace_dir,
    write_atomic,
    write_json,
)
from sim.experiment.parts import StoreError, csv_texts, parquet_blob, read_checked, sha256
from sim.scenario.loader import load_record
from sim.scenario.problems import Document, ScenarioError

PARTIAL = ".partial"
LEDGER = "batches.jsonl"
KINDS = ("weekly", "summary")
PART_NAME = re.compile(r"^part-(\d{7})-(\d{7})\.parquet$")


def partial_dir(target: Path) -> Path:
    """Where a run of ``target`` keeps its parts until it is complete."""
    return target.with_name(target.name + PARTIAL)


class UncertaintyRecord(BaseModel):
    """The design of a run with uncertain inputs: draw ``d`` is batch ``d``."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    draws: int = Field(ge=1)
    reps_per_draw: int = Field(ge=1)
    inputs: dict[str, dict[str, Any]]
    """Each input's distribution, as a scenario file writes it."""
    sobol_n: int = Field(default=0, ge=0)
    """A Saltelli design's base sample size (0: a plain design)."""
    correlated: list[list[str | float]] = Field(default_factory=list)
    """Rank correlations between inputs: [path, path, rho]."""


class SweepRecord(BaseModel):
    """The grid of a sweep: point ``g`` is batch(es) ``g``, on replication ``r % n``'s numbers."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    reps_per_point: int = Field(ge=1)
    grid: dict[str, list[float]]
    targets: dict[str, list[int] | None]
    """Per path, the scenarios it applies to (None: all)."""


class RunRecord(BaseModel):
    """``run.json``: what a run is, enough to finish it exactly as it was started."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    kind: str = Field(pattern=r"^(run|compare)$")
    coachsim_version: str
    seed: int = Field(ge=0)
    replications: int = Field(ge=1)
    precision: float | None = Field(default=None, gt=0.0)
    max_replications: int = Field(ge=2)
    batch_size: int = Field(ge=1)
    files: list[str]
    command: str = ""
    """The command line that started the run, for the finished run's manifest."""
    names: list[str] = Field(min_length=1)
    scenarios: list[dict[str, Any]] = Field(min_length=1)
    uncertainty: UncertaintyRecord | None = None
    """The draws of uncertain inputs a compare --uncertainty runs (None: none)."""
    sweep: SweepRecord | None = None
    """The grid a sweep runs (None: none)."""
    notes: list[str] = Field(default_factory=list, max_length=100)
    """What the user was told of how the files were compared (a shared horizon), for the
    report."""


def _identity(job: dict[str, Any], digests: Sequence[str]) -> dict[str, Any]:
    """What a batch's numbers depend on, as a ledger line records it."""
    out = {
        "seed": job["seed"],
        "batch_size": job["batch_size"],
        "coachsim_version": job["coachsim_version"],
        "names": list(job["names"]),
        "scenario_hashes": list(digests),
    }
    for design in ("uncertainty", "sweep"):
        if job.get(design) is not None:
            out[design] = job[design]
    return out


class Store:
    """The parts of one run (see the module docstring)."""

    def __init__(self, target: Path, names: Sequence[str]) -> None:
        self.target = target
        self.dir = partial_dir(target)
        self.parts = self.dir / "parts"
        self.names = list(names)
        self.recorded: dict[tuple[int, int], dict[str, Any]] = {}
        """Ledger lines of the batches that are on disk and proven whole, by (first, last)."""
        self.used: dict[int, tuple[int, int]] = {}
        """Batches this run merged (saved or loaded), by index: what the final tables hold."""
        self.notes: list[str] = []
        """What a resume found and did about it (damaged parts run again), for the user."""
        self._identity: dict[str, Any] = {}

    # -- locating and starting -------------------------------------------------------------

    @staticmethod
    def target_of(path: Path) -> Path:
        """The output a ``--resume`` path names (the output itself or its ``.partial``)."""
        name = path.name
        return path.with_name(name[: -len(PARTIAL)]) if name.endswith(PARTIAL) else path

    @staticmethod
    def read_job(target: Path) -> tuple[dict[str, Any], Document]:
        """The run record of the interrupted run of ``target``, validated field by field.

        Raises :class:`StoreError` if there is no such run, and
        :class:`~sim.scenario.loader.ScenarioError` (file:line:column per problem) if its record is
        damaged."""
        pdir = partial_dir(target)
        record = pdir / "run.json"
        if not os.path.lexists(pdir):
            if (target / "run.json").exists():
                raise StoreError(f"{target} is already complete; nothing to resume")
            raise StoreError(f"no interrupted run in {pdir}")
        if pdir.is_symlink() or not pdir.is_dir():
            raise StoreError(f"{pdir} is not a folder coachsim wrote; nothing to resume")
        if not (pdir / MARKER).exists() and not record.exists():
            raise StoreError(f"{pdir} was not written by coachsim (no {MARKER}); cannot resume")
        doc = load_record(record)
        try:
            job = RunRecord.model_validate(doc.data)
        except ValidationError as exc:
            raise ScenarioError(doc.pydantic_problems(exc, RunRecord)) from None
        if len(job.names) != len(job.scenarios):
            raise StoreError(f"{record}: names and scenarios differ in number")
        return job.model_dump(), doc

    def start(
        self, job: dict[str, Any], digests: Sequence[str], force: bool, marker: dict[str, Any]
    ) -> None:
        """Begin a new run: refuse to overwrite anything without ``force``, and even with it,
        anything coachsim did not write."""
        check_replaceable(
            self.target, force, "use --force to replace it or -o to choose another folder"
        )
        check_replaceable(
            self.dir,
            force,
            f"an interrupted run is there; finish it with --resume {self.dir} or start over "
            "with --force",
        )
        if os.path.lexists(self.dir):
            remove_own(self.dir)
        self.dir.mkdir(parents=True)
        write_json(self.dir / MARKER, marker)
        for kind in KINDS:
            (self.parts / kind).mkdir(parents=True)
        write_json(self.dir / "run.json", job)
        (self.parts / LEDGER).touch()
        self._identity = _identity(job, digests)

    def discard(self) -> None:
        """Remove the partial folder of a run that stored nothing worth resuming."""
        remove_own(self.dir)

    # -- resuming ----------------------------------------------------------------------------

    def verify(self, job: dict[str, Any], digests: Sequence[str]) -> None:
        """Check the interrupted run against its record before anything of it is reused.

        Every ledger line must match ``run.json``; every part must match its checksum (a part
        that does not is run again, with a note); files the run did not write are refused."""
        self._identity = _identity(job, digests)
        size = job["batch_size"]
        ledger = self.parts / LEDGER
        lines: list[str] = []
        if ledger.exists():
            try:
                lines = ledger.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise StoreError(f"{ledger}: cannot read the ledger ({exc})") from None
        for n, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                k, first, last = int(entry["batch"]), int(entry["first"]), int(entry["last"])
                recorded = {key: entry[key] for key in self._identity}
            except (ValueError, KeyError, TypeError):
                if n == len(lines):
                    continue  # the last line was cut short by an interruption: run it again
                raise StoreError(
                    f"{ledger}:{n}: not a ledger line; the run's record is damaged"
                ) from None
            for key, value in self._identity.items():
                if recorded[key] != value:
                    raise StoreError(
                        f"{self.dir / 'run.json'}: {key.replace('_', ' ')} differs from the one "
                        f"batch {k} was run with ({_short(recorded[key])} against "
                        f"{_short(value)}); the record was changed: start over with --force"
                    )
            if not (first == k * size and first <= last < (k + 1) * size):
                raise StoreError(
                    f"{ledger}:{n}: batch {k} holds replications {first}-{last}, which a batch "
                    f"size of {size} does not give; start over with --force"
                )
            if self._intact(entry):
                self.recorded[(first, last)] = entry
            else:
                self.notes.append(
                    f"batch {k} (replications {first}-{last}): a part is missing or damaged; "
                    "running it again"
                )
        self._check_strays()

    def _intact(self, entry: dict[str, Any]) -> bool:
        for kind, path in zip(KINDS, self._files(entry["first"], entry["last"]), strict=True):
            try:
                if sha256(path.read_bytes()) != entry.get(kind):
                    return False
            except OSError:
                return False
        return True

    def _check_strays(self) -> None:
        """Remove our own leftovers; refuse anything else found among the parts."""
        for entry in sorted(self.parts.iterdir()):
            if entry.name == LEDGER:
                continue
            if entry.name not in KINDS or entry.is_symlink() or not entry.is_dir():
                raise StoreError(f"{entry} is not part of this run; remove it to resume")
            for f in sorted(entry.iterdir()):
                if f.name.startswith(".") and f.name.endswith(".tmp") and f.is_file():
                    f.unlink()  # a part being written when the run stopped
                elif not (PART_NAME.match(f.name) and f.is_file() and not f.is_symlink()):
                    raise StoreError(f"{f} is not part of this run; remove it to resume")
                else:
                    m = PART_NAME.match(f.name)
                    assert m is not None
                    if (int(m.group(1)), int(m.group(2))) not in self.recorded:
                        f.unlink()  # written but never recorded, or damaged: run again

    # -- batches (the engine's sink) ---------------------------------------------------------

    def _files(self, first: int, last: int) -> tuple[Path, Path]:
        name = f"part-{first:07d}-{last:07d}.parquet"
        return self.parts / "weekly" / name, self.parts / "summary" / name

    def has(self, reps: Sequence[int]) -> bool:
        """Whether the batch of these replications is stored and proven whole."""
        return (reps[0], reps[-1]) in self.recorded

    def save(self, index: int, reps: Sequence[int], result: BatchResult) -> None:
        """Write a finished batch's parts, then its ledger line, each flushed to disk."""
        frames = ([w for w, _ in result], [s for _, s in result])
        entry: dict[str, Any] = {"batch": index, "first": reps[0], "last": reps[-1]}
        entry.update(self._identity)
        for kind, parts, path in zip(KINDS, frames, self._files(reps[0], reps[-1]), strict=True):
            blob = parquet_blob(parts)
            write_atomic(path, blob)
            entry[kind] = sha256(blob)
        with open(self.parts / LEDGER, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.recorded[(reps[0], reps[-1])] = entry
        self.used[index] = (reps[0], reps[-1])

    def kept(self) -> int:
        """How many finished batches a resume will find: the ledger's whole lines. The record
        in memory can be a line behind, when Ctrl-C lands just as a line is written."""
        try:
            lines = (self.parts / LEDGER).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return len(self.recorded)
        whole = 0
        for line in lines:
            with contextlib.suppress(ValueError):
                whole += isinstance(json.loads(line), dict)
        return max(whole, len(self.recorded))

    def _read(self, first: int, last: int, kind: str) -> pd.DataFrame:
        """A part, checked against its checksum as it is read."""
        path = self._files(first, last)[KINDS.index(kind)]
        return read_checked(path, self.recorded[(first, last)][kind])

    def load(self, reps: Sequence[int]) -> BatchResult:
        """A stored batch, split by scenario in run order."""
        first, last = reps[0], reps[-1]
        weekly = self._read(first, last, "weekly")
        summary = self._read(first, last, "summary")
        entry = self.recorded[(first, last)]
        self.used[int(entry["batch"])] = (first, last)
        return [
            (
                weekly[weekly.scenario == n].reset_index(drop=True),
                summary[summary.scenario == n].reset_index(drop=True),
            )
            for n in self.names
        ]

    # -- finishing ---------------------------------------------------------------------------

    def write_weekly_csv(self, path: Path, workers: int = 1) -> None:
        """weekly.csv from the batches this run merged, scenario by scenario, written atomically.

        Each part is read once: the first scenario's rows go to the file, each other scenario's
        to a file of its own, appended in scenario order at the end. With ``workers`` > 1, parts
        are turned into text in that many local processes, a few parts ahead of the writing (the
        text of a large run takes longer than its writing), so memory holds a few parts at a
        time whatever the size of the run."""
        order = [self.used[k] for k in sorted(self.used)]
        tasks = [
            (self._files(first, last)[0], self.recorded[(first, last)]["weekly"], self.names, not i)
            for i, (first, last) in enumerate(order)
        ]
        tmps = [
            path.with_name(f".{path.name}.{os.getpid()}.{i}.tmp") for i in range(len(self.names))
        ]
        try:
            with contextlib.ExitStack() as stack:
                outs = [
                    stack.enter_context(t.open("w+", encoding="utf-8", newline="")) for t in tmps
                ]
                for texts in ordered_map(csv_texts, tasks, workers):
                    for text, out in zip(texts, outs, strict=True):
                        out.write(text)
                out = outs[0]
                for rest in outs[1:]:
                    rest.seek(0)
                    shutil.copyfileobj(rest, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmps[0], path)
        finally:
            for t in tmps:
                t.unlink(missing_ok=True)

    def prune(self) -> None:
        """Remove parts and ledger lines of batches this run did not merge, so the finished
        folder holds exactly the run."""
        keep = set(self.used.values())
        for kind in KINDS:
            for f in (self.parts / kind).iterdir():
                m = PART_NAME.match(f.name)
                if m is None or (int(m.group(1)), int(m.group(2))) not in keep:
                    if f.is_dir() and not f.is_symlink():
                        shutil.rmtree(f)
                    else:
                        f.unlink()
        lines = [
            json.dumps(self.recorded[self.used[k]], separators=(",", ":")) + "\n"
            for k in sorted(self.used)
        ]
        write_atomic(self.parts / LEDGER, "".join(lines))

    def finish(self, force: bool) -> None:
        """Move the complete run into place, replacing an old one only with ``force``."""
        replace_dir(self.dir, self.target, force)


def _short(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:39] + "…"
