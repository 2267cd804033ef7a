"""A job: one ``run`` or ``compare`` as the user asked for it, as one typed value.

The command line parses its options into a :class:`Job` and hands it to
:func:`sim.job.run.run_job`; a notebook can build the same value. Adding an option means a field
here and a click decorator, nothing else.

A job ends in a result, or in one of three exceptions, each a message of one line (or one line
per problem) for the user:

- :class:`~sim.scenario.ScenarioError`: bad input (a scenario file, or a damaged run record);
  :class:`JobInvalid`: settings that do not make sense together;
- :class:`JobRefused`: the job may not go ahead as asked (its output is in use, was not written
  by coachsim, the machine has not the memory, the run record was changed, ...); nothing was
  written;
- :class:`JobStopped`: the job started and stopped (Ctrl-C, a dead worker, a lost cluster, a
  full disk); finished batches are kept in :attr:`JobStopped.kept` for ``--resume``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sim.scenario import Scenario

Kind = Literal["run", "compare"]


@dataclass(frozen=True)
class Executor:
    """Where the replications run."""

    jobs: int | None = None
    """Local worker processes (None: one per core; 1: in this process)."""
    scheduler: str | None = None
    """Address of a Dask scheduler (tcp://host:port)."""
    dask_local: int | None = None
    """Workers of an in-process Dask LocalCluster."""
    cluster_timeout_s: float = 60.0
    """Give up when a Dask cluster has had no workers, or no answer, for this long."""


@dataclass(frozen=True)
class Job:
    """A run (one scenario) or a comparison (a baseline and alternatives)."""

    kind: Kind
    scenarios: tuple[Scenario, ...] = ()
    """The scenarios, baseline first; empty when resuming (the run's record has them)."""
    files: tuple[str, ...] = ()
    """The files they were read from, for the manifest."""
    replications: int | None = None
    """Replications (the first round, with a precision; None: 20); with uncertain inputs,
    replications per draw (None: 2)."""
    seed: int = 0
    precision: float | None = None
    """Add replications until the headline's 95% half-width is within this share of its mean."""
    max_replications: int = 1000
    """Most replications a precision run may take."""
    batch_size: int | None = None
    """Replications per task (None: sized from the scenarios)."""
    output: Path | None = None
    """Output folder (None: a slug of the scenario names inside outputs/)."""
    force: bool = False
    """Replace an earlier coachsim output of the same folder."""
    uncertainty: int | None = None
    """Draws of the uncertain inputs (None: 512 when a compared scenario has an ``uncertain:``
    block, else none; 0: none, every input at the file's value)."""
    sobol: int | None = None
    """Sobol indices: the base sample size N of a Saltelli design of N x (inputs + 2) draws,
    instead of ``uncertainty`` draws."""
    sets: tuple[tuple[str, tuple[float, ...]], ...] = ()
    """A sweep: (path, values) settings of every alternative to try in turn, a full grid."""
    resume: Path | None = None
    """Finish the interrupted job in this folder (its own settings are used)."""
    executor: Executor = Executor()
    command: str = ""
    """The command line that made the job (the manifest and the output's lock record it)."""
    given: frozenset[str] = frozenset()
    """The fields above the user set explicitly (a command line's options as typed). A resume
    refuses any of them that differs from the interrupted run's own setting, instead of
    silently running with the saved one."""


class JobInvalid(ValueError):
    """The job's own settings do not make sense (no scenario, two with one name, a reserved
    output name); nothing was written. One line."""


class JobRefused(Exception):
    """The job may not go ahead as asked; nothing was written. One line."""


class JobProblems(ValueError):
    """What the command was given has problems, one line each (``file:line:column: field: what
    is wrong`` where there is a file); nothing was written. Exit status 2."""


class PoorFit(JobProblems):
    """A fitted team that does not show the export's figures: the table of what it missed, as
    it is; no scenario was written. Exit status 3."""


@dataclass(frozen=True)
class Terminal:
    """What a command's job may do at the terminal, as the command line gives it: the job
    itself neither prints nor parses."""

    say: Callable[[str], None]
    """A line of results (standard output)."""
    note: Callable[[str], None]
    """A note, a ledger or a warning (standard error)."""
    progress: Callable[[int, str], AbstractContextManager[Callable[..., None]]]
    """``progress(total, label)`` yields ``tick(done, new_total=None, status=None)``."""
    workers: Callable[[int], AbstractContextManager[Any]]
    """``workers(tasks)``: the executor (-j, --scheduler, --dask-local) for that many tasks."""
    command: str
    """The command line as typed, for the files that record it."""


class JobStopped(Exception):
    """The job stopped part-way. ``kept`` holds its finished batches, or is None if there were
    none (or the results were complete after all: see ``complete``)."""

    def __init__(
        self,
        why: str,
        code: int,
        kept: Path | None = None,
        batches: int = 0,
        complete: Path | None = None,
    ) -> None:
        super().__init__(why)
        self.why = why
        self.code = code
        """Exit status a command line should end with (130 for Ctrl-C)."""
        self.kept = kept
        self.batches = batches
        """How many finished batches are kept."""
        self.complete = complete
        """The output, when the job finished before it could stop."""
