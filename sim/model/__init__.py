"""The domain: what a coached sales team is and does.

Plain references first, each fast form beside its reference and pinned to it by a test
(tests/unit/test_hot_path.py, tests/sim/test_pipeline.py, tests/unit/test_leads.py):

- :mod:`~sim.model.skill`: skill maths as pure functions: forgetting, training and its dip, a
  session's consolidation, spacing and improvement, harm, the win chance of a stage end;
  :mod:`~sim.model.skill_lists`: the same written out over one list per field, as every rep,
  stage, session and week needs it.
- :mod:`~sim.model.pipeline`: deals, and a seller's pipeline of lazy stage ends in its own heap,
  decided from the seller's skill (instead of a process per deal on the global clock);
  :mod:`~sim.model.leads` and :mod:`~sim.model.candidates`: candidate leads and the first steps
  of their deals, for a group of sellers a quarter at a time (instead of a deal per lead).
- :mod:`~sim.model.sellers`: reps and managers as sellers: their pipeline, their skill, what they
  book.
- :mod:`~sim.model.focus`: focus policies (who gets the limited sessions), a registry of plain
  functions chosen by name.
- :mod:`~sim.model.coaches`: how a coach plans a week's sessions, shares them out and what a
  session does to a rep's skill and deals; the outside coach and its bill.
- :mod:`~sim.model.calendar`: the manager's one calendar, which meetings, coaching, admin and
  own selling share, meetings preempting coaching unless it is protected;
  :mod:`~sim.model.meetings`: the leadership meetings it has to make room for;
  :mod:`~sim.model.twins`: the calendars two scenarios of a comparison share, recorded by one
  replication and replayed by its twin.
- :mod:`~sim.model.rules`: the model's arithmetic as pure functions (sessions that fit, the
  coach-the-coach ramp, fees, lead rates, tiers, training hours).
- :mod:`~sim.model.recorder`: the weekly tallies of a replication and the tables made of them.
- :mod:`~sim.model.run`: what these pieces need from the replication they belong to.
"""

from sim.compiled import use_current

use_current()  # before any of this package's compiled modules is imported
