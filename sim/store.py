"""A run on disk: finished batches survive interruption, and complete runs appear at once.

While a run is in progress its files live in ``<output>.partial/``: ``run.json`` (what is being
run: scenarios, seed, replications, batch size) and ``parts/weekly/`` and ``parts/summary/``,
one Parquet file of weekly and one of summary rows per finished batch (each directory reads as
one table with ``pandas.read_parquet``), each written to a temporary name and renamed, so a part
is either whole or absent. When every batch is done the final tables and report are written into the
same directory, which is then renamed to ``<output>`` in one step. An interrupted run leaves the
partial directory behind; ``--resume`` picks it up, reuses its parts and runs only what is
missing.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.output import OutputExists, replace_dir
from sim.runner import BatchResult

PARTIAL = ".partial"


class StoreError(Exception):
    """A partial run that cannot be used as asked."""


def partial_dir(target: Path) -> Path:
    """Where a run of ``target`` keeps its parts until it is complete."""
    return target.with_name(target.name + PARTIAL)


class Store:
    """The parts of one run (see the module docstring)."""

    def __init__(self, target: Path, names: Sequence[str]) -> None:
        self.target = target
        self.dir = partial_dir(target)
        self.parts = self.dir / "parts"
        self.names = list(names)

    @staticmethod
    def locate(path: Path) -> tuple[Path, dict[str, Any]]:
        """(target, job) of the interrupted run at ``path`` (the output or its .partial)."""
        target = path.with_name(path.name[: -len(PARTIAL)]) if path.name.endswith(PARTIAL) else path
        pdir = partial_dir(target)
        if not (pdir / "run.json").exists():
            if (target / "run.json").exists():
                raise StoreError(f"{target} is already complete; nothing to resume")
            raise StoreError(f"no interrupted run in {pdir}")
        return target, json.loads((pdir / "run.json").read_text())

    def start(self, job: dict[str, Any], force: bool) -> None:
        """Begin a new run: refuse to overwrite anything without ``force``."""
        if self.target.exists() and not force:
            raise OutputExists(
                f"{self.target} already exists; use --force to replace it or -o "
                "to choose another directory"
            )
        if self.dir.exists():
            if not force:
                raise OutputExists(
                    f"an interrupted run is in {self.dir}; finish it with --resume "
                    f"{self.dir} or start over with --force"
                )
            shutil.rmtree(self.dir)
        (self.parts / "weekly").mkdir(parents=True)
        (self.parts / "summary").mkdir(parents=True)
        _write_atomic(self.dir / "run.json", json.dumps(job, indent=2) + "\n")

    def _files(self, reps: Sequence[int]) -> tuple[Path, Path]:
        name = f"part-{reps[0]:07d}-{reps[-1]:07d}.parquet"
        return self.parts / "weekly" / name, self.parts / "summary" / name

    def has(self, reps: Sequence[int]) -> bool:
        """Whether the batch of these replications finished (its summary is written last)."""
        return self._files(reps)[1].exists()

    def save(self, index: int, reps: Sequence[int], result: BatchResult) -> None:
        """Write a finished batch: weekly rows first, summary rows last."""
        weekly = pd.concat([w for w, _ in result], ignore_index=True)
        summary = pd.concat([s for _, s in result], ignore_index=True)
        for frame, path in zip((weekly, summary), self._files(reps), strict=True):
            tmp = path.with_name("." + path.name + ".tmp")  # hidden from dataset readers
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, path)

    def load(self, reps: Sequence[int]) -> BatchResult:
        """A finished batch, split by scenario in run order."""
        weekly_path, summary_path = self._files(reps)
        weekly = pd.read_parquet(weekly_path)
        summary = pd.read_parquet(summary_path)
        return [
            (
                weekly[weekly.scenario == n].reset_index(drop=True),
                summary[summary.scenario == n].reset_index(drop=True),
            )
            for n in self.names
        ]

    def done_batches(self) -> int:
        """How many batches are stored."""
        return len(list((self.parts / "summary").glob("part-*.parquet")))

    def write_weekly_csv(self, path: Path) -> None:
        """weekly.csv from the parts, scenario by scenario, one part in memory at a time."""
        files = sorted((self.parts / "weekly").glob("part-*.parquet"))
        header = True
        with path.open("w", encoding="utf-8", newline="") as out:
            for name in self.names:
                for f in files:
                    part = pd.read_parquet(f)
                    part = part[part.scenario == name]
                    part.to_csv(out, index=False, header=header)
                    header = False

    def finish(self, force: bool) -> None:
        """Move the complete run into place, replacing an old one only with ``force``."""
        replace_dir(self.dir, self.target, force)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
