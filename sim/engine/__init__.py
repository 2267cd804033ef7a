"""The engine: the speed machinery the model runs on, each shortcut in one named home.

Like SimPy below it, the engine knows no sales: it offers event queues, lists and tables that are
fast, and the model (:mod:`sim.model`) builds the domain on them. Every shortcut stands in for
something plainer, says so in its docstring, and a test pins it against that:

- :mod:`~sim.engine.agenda`: **a resource's own agenda**, processed up to each week turn, stands
  in for a SimPy ``PreemptiveResource`` on the global heap; it also says when nothing can happen
  before a time, so an event there is **settled** when it is made. Pinned by
  tests/sim/test_calendar_reference.py (random weeks against a calendar on SimPy's resource) and
  tests/sim/test_pipeline.py (every event on one clock; ``settle=False``).
- :mod:`~sim.engine.pipeline`: **a seller's pipeline** of lazy stage ends in its own heap, the
  stage-end **decision written out** in logits, and **sure stage ends settled** when a deal
  reaches them, stand in for a process per deal on the global clock deciding each stage end with
  ``sim.model.skill.conversion_probability``; under micro-coaching, whose boosts can rescue a
  deal, sure falls are only **doomed** and wait among the open deals. Pinned by
  tests/sim/test_pipeline.py and tests/unit/test_hot_path.py.
- :mod:`~sim.engine.skill_lists`: **written-out skill maths** over one list per field stands in
  for :mod:`sim.model.skill`'s functions on state tuples. Pinned by tests/unit/test_hot_path.py.
- :mod:`~sim.engine.leads`: **the quarterly lead table** (numpy, all sellers at once) stands in
  for a deal per kept lead walked one stage end at a time. Pinned by tests/sim/test_pipeline.py
  and tests/unit/test_leads.py.
- :mod:`~sim.engine.collector`: **a paused cyclic garbage collector** stands in for Python's
  default collection; results cannot depend on it.
"""

from sim.compiled import use_current

use_current()  # before any of this package's compiled modules is imported
