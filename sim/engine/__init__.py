"""The engine: event machinery that knows no sales, as SimPy below it knows none.

The model (:mod:`sim.model`) builds the domain on it. Each piece stands in for something plainer,
says so in its docstring, and a test pins it against that:

- :mod:`~sim.engine.agenda`: **a resource's own agenda**, processed up to each week turn, stands
  in for a SimPy ``PreemptiveResource`` on the global heap; it also says when nothing can happen
  before a time, so an event there is **settled** when it is made. Pinned by
  tests/sim/test_calendar_reference.py (random weeks against a calendar on SimPy's resource) and
  tests/sim/test_pipeline.py (every event on one clock; ``settle=False``).
- :mod:`~sim.engine.collector`: **a paused cyclic garbage collector** stands in for Python's
  default collection; results cannot depend on it.

The fast forms of the sales itself (a seller's pipeline of lazy stage ends, the skill maths
written out over lists, the quarterly lead table) live in :mod:`sim.model`, each beside what it
stands in for.
"""

from sim.compiled import use_current

use_current()  # before any of this package's compiled modules is imported
