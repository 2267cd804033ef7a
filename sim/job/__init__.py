"""Jobs: what a command asks for, run end to end (the library's top layer, under cli.py).

- :mod:`~sim.job.spec`: the typed :class:`~sim.job.spec.Job` and how a job can end.
- :mod:`~sim.job.run`: :func:`~sim.job.run.run_job`: check, lock, run, write, move into place.
- :mod:`~sim.job.outputs`: the finished job's tables, report and manifest.
- :mod:`~sim.job.resume`: what a resume may be told (options that differ from the saved run are
  refused).
- :mod:`~sim.job.interrupts`: Ctrl-C never lost during a run, and held off while the finished
  folder moves into place.
- :mod:`~sim.job.team`: ``init``, ``calibrate`` and ``export-crm``; :mod:`~sim.job.pilot`:
  ``pilot`` and ``learn``; :mod:`~sim.job.optimise`: ``optimise``. Each takes a typed request and
  a :class:`~sim.job.spec.Terminal` (print, note, progress, workers) from the command line.
- :mod:`~sim.job.folder`: the one way a command writes its output folder: whole, or not at all.
- :mod:`~sim.job.terminal`: what the commands print: the progress bar and the closing lines.
"""

from sim.job.run import JobDone, run_job
from sim.job.spec import Executor, Job, JobInvalid, JobRefused, JobStopped

__all__ = ["Executor", "Job", "JobDone", "JobInvalid", "JobRefused", "JobStopped", "run_job"]
