"""A batch's parts on disk: written as Parquet bytes, read back only as they were written, and
turned into the text of weekly.csv (see :mod:`sim.experiment.store`, which keeps them)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


class StoreError(Exception):
    """A partial run that cannot be used as asked; the message is one line for the user."""


def sha256(blob: bytes) -> str:
    """The checksum a ledger line records of a part."""
    return hashlib.sha256(blob).hexdigest()


def read_checked(path: Path, digest: str) -> pd.DataFrame:
    """A part, checked against its checksum as it is read."""
    blob = path.read_bytes()
    if sha256(blob) != digest:
        raise StoreError(f"{path} changed while the run was using it; resume again")
    return pd.read_parquet(io.BytesIO(blob))


def csv_texts(task: tuple[Path, str, Sequence[str], bool]) -> list[str]:
    """A weekly part as CSV text, one text per scenario (``task``: the part, its checksum, the
    scenario names, and whether the first text starts with the header)."""
    path, digest, names, header = task
    part = read_checked(path, digest)
    return [
        part[part.scenario == name].to_csv(index=False, header=header and not j)
        for j, name in enumerate(names)
    ]


def parquet_blob(frames: Sequence[pd.DataFrame]) -> bytes:
    """The frames, one after the other, as the bytes of a Parquet file.

    Written with pyarrow from the columns themselves: ``DataFrame.to_parquet`` spends most of a
    part's time on pandas metadata, column by column, and a run writes two parts per batch. A
    part reads back with ``pandas.read_parquet`` as the same table (its index a RangeIndex; the
    tests check it)."""
    frame = pd.concat(frames, ignore_index=True)
    table = pa.table(
        {
            str(name): col.to_numpy() if col.dtype.kind in "biuf" else _text(col)
            for name, col in frame.items()
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf, write_statistics=False, use_dictionary=False)
    return buf.getvalue()


def _text(col: pd.Series) -> pa.Array:
    return pa.array(col.to_numpy(dtype=object), from_pandas=True)
