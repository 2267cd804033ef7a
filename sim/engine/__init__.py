"""The engine: one replication of a scenario, run fast.

- :mod:`~sim.engine.replication`: builds the team, turns the weeks on SimPy's clock (calendars
  closed and planned, each rep visited once, the week's leads opened) and hands back the tables.
- :mod:`~sim.engine.leads`: candidate leads and the sure first steps of their deals, prepared a
  quarter at a time for all sellers at once with numpy.

Speed shortcuts settle what nothing can change when it is scheduled (sure stage ends, sessions
nothing can disturb, meeting ends nothing waits for); ``Replication(settle=False)`` turns them
all off, and the tests require identical results both ways.
"""
