"""The scenario: a static description of a sales team, its coaching and its economics.

- :mod:`~sim.scenario.schema`: the :class:`Scenario` (pydantic, unknown keys forbidden, a
  description on every field) made of the sections in :mod:`~sim.scenario.team` and
  :mod:`~sim.scenario.programmes`, on the shared rules of :mod:`~sim.scenario.fields` (every
  number finite and bounded, names without control characters).
- :mod:`~sim.scenario.checks`: the checks that need several fields at once, and
  :func:`load_scenario`.
- :mod:`~sim.scenario.loader`: reading YAML safely (regular files only, no tags, no deep
  nesting), ``extends:``, and the positions that let every problem name file:line:column;
  :mod:`~sim.scenario.problems` and :mod:`~sim.scenario.concepts`: each problem in plain words.
- :mod:`~sim.scenario.ability`: the spread of rep ability that gives the revenue
  concentration a scenario asks for.
- :mod:`~sim.scenario.evidence`: each decisive default's likely value, range and sources;
  :mod:`~sim.scenario.template`: the reference scenario written out from the defaults.
- :mod:`~sim.scenario.distributions`, :mod:`~sim.scenario.uncertain` and
  :mod:`~sim.scenario.designs`: the ``uncertain:``, ``correlated:`` and ``sweep:`` blocks, their
  checks, and the draws (or grid points) ``compare`` runs.

Every problem is found before any simulation object exists, and reported one line each.
"""

from sim.scenario.checks import load_scenario, semantic_problems, validate_scenario
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.programmes import (
    Focus,
    ManagerGroup,
    OutsideCoach,
    PolicyName,
    Programme,
    TierWeights,
    Training,
)
from sim.scenario.schema import Money, Scenario, scenario_json_schema
from sim.scenario.team import DealValue, Leads, Managers, Skill, Stage, Team

__all__ = [
    "DealValue",
    "Focus",
    "Leads",
    "ManagerGroup",
    "Managers",
    "Money",
    "OutsideCoach",
    "PolicyName",
    "Problem",
    "Programme",
    "Scenario",
    "ScenarioError",
    "Skill",
    "Stage",
    "Team",
    "TierWeights",
    "Training",
    "load_scenario",
    "scenario_json_schema",
    "semantic_problems",
    "validate_scenario",
]
