"""Python's cyclic garbage collector, paused while a replication runs.

**What it stands in for**: Python's default collection. A replication allocates hundreds of
thousands of short-lived objects that reference counting frees at once; the cyclic collector
would still walk every live deal and draw list again and again, a cost that grows faster than the
team. **Pinned by** nothing but its nature: collection frees memory and cannot change a result.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector.

    A replication allocates hundreds of thousands of short-lived objects that reference counting
    frees at once; the cyclic collector would still walk every live deal and draw list again and
    again, a cost that grows faster than the team. The replication's own cycles (reps point to
    the run) are collected once the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
