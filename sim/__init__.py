"""coachsim: a discrete-event simulation of a coached B2B sales team.

The clock unit everywhere is one **working day**: a week is 5 days and a year 250. Hours are
fractions of a day; a manager's day has ``managers.hours_per_day`` hours. Skill and ability are on
the logit scale of a stage's win probability.

The public API for notebooks is :func:`run_scenario` (and :func:`load_scenario` to read a YAML
file); the ``coachsim`` command line is a thin layer over them.
"""

from sim.config import ScenarioError, load_scenario
from sim.runner import RunResult, run_scenario

__version__ = "0.1.0"

DAYS_PER_WEEK = 5
"""Working days in a week: the clock advances 5 units a week."""

DAYS_PER_YEAR = 250
"""Working days in a year (50 working weeks)."""

__all__ = [
    "DAYS_PER_WEEK",
    "DAYS_PER_YEAR",
    "RunResult",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run_scenario",
]
