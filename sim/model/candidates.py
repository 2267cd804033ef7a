"""Candidate leads as drawn: the order the lead tables take them in, and what twin tables share
(see :mod:`sim.model.leads`)."""

from __future__ import annotations

import numpy as np

Walk = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""A chunk's settled stage ends: (settled advances, their weeks, settled falls, where each walk
stopped), see :meth:`LeadTable._load`."""

Chunk = tuple[
    np.ndarray,  # thinning uniforms of the chunk's candidates
    Walk | None,  # their settled stage ends (None: nothing is settled)
    np.ndarray,  # (week, seller) group of each candidate
    list[int],  # first queued candidate of each week
    list[int],  # seller of each queued candidate
    list[float],  # thinning uniforms of the queued candidates
    list[float],  # their stage durations, stage by stage
    list[float],  # the logits of their stage uniforms, likewise
    list[float],  # their list values
    list[float],  # when they open
    list[int],  # their index among their seller's candidates
    list[int],  # the stage each waits at
    list[float],  # when that stage ends
    list[bool] | None,  # whether that stage end is a doomed fall (None: nothing is doomed)
]
"""A chunk of candidates prepared for the event loop: the same for every table with the same
draws; none of it is changed once made (deals read their lists)."""


Base = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""A chunk's candidates converted, whoever sells them: (their rows of the draws, stage
durations, logits of the stage uniforms, list values, opening times, stage end times)."""


class LeadDraws:
    """A lead table's candidates as drawn and prepared, kept for its twins."""

    def __init__(self, arrays: tuple[np.ndarray, ...], week_start: list[int]) -> None:
        self.arrays = arrays
        """(times, thinning uniforms, deal uniforms, idents, order, weeks, owners)."""
        self.week_start = week_start
        self.bases: dict[int, Base] = {}
        """Each chunk's :data:`Base`."""
        self.chunks: dict[tuple[int, tuple[object, ...]], Chunk] = {}
        """Each chunk prepared for sellers of the same sure bounds (whose deals may or may not
        be boosted), by (chunk, sellers)."""


LeadShelf = dict[tuple[object, ...], LeadDraws]
"""Lead tables' draws by everything they depend on. Twin replications (the same replication of
two scenarios of a comparison, which draw the same candidates from the same streams) share one
shelf, so the second finds the draws and prepared chunks of the first instead of making them
again: the same numbers, made once."""


def week_major(week: np.ndarray, owner: np.ndarray, n_sellers: int) -> np.ndarray:
    """The order of rows by (week, owner), ties in row order, of rows grouped by owner and in
    week order within each owner (as drawn): ``np.argsort(week * n_sellers + owner,
    kind="stable")``, in linear time. Each (week, owner) is one run of rows, placed whole after
    the runs of smaller keys."""
    key = week * n_sellers + owner
    n = len(key)
    counts = np.bincount(key, minlength=1)
    first_of_key = np.cumsum(counts) - counts
    run_start = np.zeros(n, dtype=np.intp)
    if n:
        breaks = np.flatnonzero(np.diff(key)) + 1
        run_start[breaks] = breaks
        np.maximum.accumulate(run_start, out=run_start)
    order = np.empty(n, dtype=np.intp)
    order[first_of_key[key] + np.arange(n) - run_start] = np.arange(n)
    return order
