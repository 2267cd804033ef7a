"""Randomness: one seeded tree of streams, and draws taken from them in blocks.

- :mod:`~sim.random.streams`: a ``numpy.random.SeedSequence`` per run, spawned per replication,
  purpose and entity, so two scenarios on the same seed see the same leads, meetings and deals
  (common random numbers), and uniform blocks for draws made one at a time.
- :mod:`~sim.random.draws`: everything an entity will need, drawn at once (arrivals, stage
  durations and uniforms, deal values) and converted to the distributions the model uses.
"""

from sim.compiled import use_current

use_current()  # before any of this package's compiled modules is imported
