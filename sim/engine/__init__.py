"""The engine: one replication of a scenario, run fast.

- :mod:`~sim.engine.replication`: builds the team, turns the weeks on SimPy's clock (calendars
  closed and planned, each rep visited once, the week's leads opened) and hands back the tables.
- :mod:`~sim.engine.leads`: candidate leads and the sure first steps of their deals, prepared a
  quarter at a time for all sellers at once with numpy.

Every speed shortcut stands in for something plainer, and a test pins it against that:

- **Calendars on their own agendas** (``Manager.run_until``, sim/model/calendar.py) stand in
  for a SimPy ``PreemptiveResource`` per manager on the global heap: pinned by
  tests/sim/test_calendar_reference.py and tests/sim/test_pipeline.py (all events on one clock).
- **Stage ends in each seller's heap** (``Pipeline.advance_to``, sim/model/sellers.py) stand in
  for every stage end as an event on the global clock: pinned by
  ``test_lazy_stage_ends_match_the_global_clock`` in tests/sim/test_pipeline.py.
- **Settling what nothing can change** (``Pipeline.schedule``, ``Manager._next_session``,
  ``Manager._meeting_starts``) stands in for deciding each sure stage end, undisturbed session
  and unawaited meeting end at its own time: pinned by ``test_settling_events_early_changes_
  nothing`` (``Replication(settle=False)`` turns every settling shortcut off).
- **The quarterly lead table** (:class:`~sim.engine.leads.LeadTable`) stands in for a ``Deal``
  per kept lead walked one stage end at a time: pinned by tests/sim/test_pipeline.py and
  tests/unit/test_leads.py.
- **Written-out skill maths** (``Pipeline.advance_to``, ``learned``, ``reinforce_by``,
  ``reinforce_all``) stands in for :mod:`sim.model.skill`'s functions: pinned by
  tests/unit/test_hot_path.py.
- **A paused cyclic garbage collector** (:func:`~sim.engine.replication.gc_paused`) stands in
  for Python's default collection: results cannot depend on it.
"""
