"""coachsim: a discrete-event simulation of a coached B2B sales team.

The clock unit everywhere is one **working day** (:mod:`sim.clock`). Skill and ability are on the
logit scale of a stage's win probability.

The package is layered; each layer imports only from the layers listed before it (a test,
tests/unit/test_layers.py, holds every import to this order):

1. :mod:`sim.clock`, :mod:`sim.version`, :mod:`sim.compiled`: the units of time, the version,
   and the optional compiled build of the hot modules (``make fast``).
2. :mod:`sim.random`: the tree of random streams and the block draws taken from them.
3. :mod:`sim.scenario`: what a scenario is (the schema), reading it from YAML with positions,
   the checks that need several fields, and the spread of ability that gives a concentration.
4. :mod:`sim.engine`: event machinery that knows no sales, as SimPy knows none: a resource's own
   agenda (which settles what nothing can disturb) and the paused garbage collector.
5. :mod:`sim.model`: the domain, built on the engine: skill (training, forgetting, coaching) and
   its maths written out over lists, deals and a seller's pipeline of lazy stage ends, the
   quarterly lead table, focus policies, coaches and their sessions, the manager's calendar and
   the twins' shared calendars, sellers, the weekly recorder, and the replication (team building
   and the week turn). Each fast form sits beside the plain reference a test pins it to.
6. :mod:`sim.analysis`: pure functions of result tables: intervals, economics, paired metrics.
7. :mod:`sim.experiment`: many replications: batches, executors (serial, processes, Dask),
   streaming statistics, the store and resume, safe outputs, memory and time estimates.
8. :mod:`sim.calibration`: a team's own scenario from its CRM export, with its data-quality
   ledger.
9. :mod:`sim.pilot`: test before you buy: a pilot's candidate designs simulated on every draw of
   the uncertain inputs, what each is worth, and learning from the real pilot's export.
10. :mod:`sim.optimise`: the best plan: a search space of the choices a leader controls, every
    plan run on the same draws and luck, and ranking and selection to separate the leaders.
11. :mod:`sim.report`: the HTML reports, built from the experiment's tables only.
12. :mod:`sim.job`: what a command asks for (a typed job), run end to end: checked, locked,
    run, written, moved into place.

The public API for notebooks is :func:`run_scenario` (and :func:`load_scenario` to read a YAML
file), or :func:`sim.job.run_job` for exactly what a command does; the ``coachsim`` command line
(cli.py) parses its options into a :class:`sim.job.Job` and prints what came of it.

Importing the package does no work: the names below are imported when first used, so ``import
sim.clock`` needs only the standard library, and the compiled build is checked by the packages
that hold compiled modules, before their first import (:func:`sim.compiled.use_current`).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.clock import DAYS_PER_WEEK, DAYS_PER_YEAR
    from sim.experiment.batches import RunResult, run_scenario
    from sim.scenario import ScenarioError, load_scenario

_WHERE = {
    "DAYS_PER_WEEK": "sim.clock",
    "DAYS_PER_YEAR": "sim.clock",
    "RunResult": "sim.experiment.batches",
    "run_scenario": "sim.experiment.batches",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
}
"""Where each public name lives: imported on first use (PEP 562)."""

__all__ = [
    "DAYS_PER_WEEK",
    "DAYS_PER_YEAR",
    "RunResult",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run_scenario",
]


_PACKAGE = Path(__file__).parent


def _parts() -> list[str]:
    """The package's modules and subpackages, which ``sim.<name>`` imports on first use."""
    return sorted(
        p.stem if p.suffix == ".py" else p.name
        for p in _PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    )


def __getattr__(name: str) -> Any:
    if name in ("__version__", "VERSION"):
        from sim.version import VERSION

        return VERSION
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    if name in _parts():
        return importlib.import_module(f"sim.{name}")
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_parts()})
