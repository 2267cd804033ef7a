"""The random-stream tree: one seed per run, one stream per replication, purpose and entity.

Every stream is addressed by ``(seed, replication, purpose, entity)`` and built directly from a
``SeedSequence`` with that spawn key, so a stream never depends on how many other streams exist,
on the order they are asked for, or on how replications are split across processes. Two
scenarios run with the same seed therefore see the same leads, meetings and deal draws: only
what the policy does with them differs (common random numbers).

Purpose numbers are part of the file format of results: never renumber them, only add.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Purpose(IntEnum):
    """What a stream is used for. The value is the stream's spawn key; append, never renumber."""

    ABILITY = 1
    """Rep latent abilities (one standard normal per rep, scaled by the calibrated spread)."""
    READINESS = 2
    """Rep readiness to be coached (one Beta draw per rep)."""
    REP_LEADS = 3
    """A rep's candidate lead arrivals: gaps and thinning uniforms."""
    REP_DEALS = 4
    """Everything a rep's deal will ever need, one row per candidate lead."""
    MEETINGS = 5
    """A manager's leadership meetings: gaps, lengths, protection uniforms."""
    MANAGER_LEADS = 6
    """A manager's own (player/coach) candidate leads."""
    MANAGER_DEALS = 7
    """Draws of the manager's own deals."""
    MANAGER_COACHING = 8
    """Which open deal a manager's micro-coaching session centres on, per rep."""
    OUTSIDE_COACHING = 9
    """Which open deal the outside coach's session centres on, per rep."""
    MANAGER_TRAINED = 10
    """Whether each manager starts trained to coach."""
    EXPORT_MESS = 11
    """What a simulated CRM export is given to look real (``export-crm --messy``): blank and
    mistyped amounts, dropped history rows, moved dates."""


def stream(seed: int, replication: int, purpose: Purpose, entity: int = 0) -> np.random.Generator:
    """The generator for one (replication, purpose, entity) of a run seeded with ``seed``."""
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(replication, int(purpose), entity))
    return np.random.Generator(np.random.PCG64(ss))


class UniformBlock:
    """Uniform draws from one stream, fetched in blocks and handed out as Python floats.

    Scalar numpy draws are slow and numpy scalars in the event loop are slower still, so the
    block is converted to a list once.
    """

    __slots__ = ("_address", "_buf", "_gen", "_i", "_size")

    def __init__(self, address: tuple[int, int, Purpose, int], size: int = 256) -> None:
        self._address = address
        """(seed, replication, purpose, entity) of the stream, built at the first draw: many
        blocks are never drawn from, and building a stream costs more than a block."""
        self._gen: np.random.Generator | None = None
        self._size = size
        self._buf: list[float] = []
        self._i = 0

    def next(self) -> float:
        """The next uniform in [0, 1)."""
        if self._i >= len(self._buf):
            if self._gen is None:
                self._gen = stream(*self._address)
            self._buf = self._gen.random(self._size).tolist()
            self._i = 0
        u = self._buf[self._i]
        self._i += 1
        return u
