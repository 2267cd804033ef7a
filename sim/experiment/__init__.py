"""Experiments: many replications of one or more scenarios, on any executor, nothing lost.

- :mod:`~sim.experiment.batches`: deterministic batches of replications merged strictly in
  order (the same seed gives the same numbers however the work is split), precision stopping.
- :mod:`~sim.experiment.executors`: where batches run (this process, local processes);
  :mod:`~sim.experiment.cluster`: on Dask, with failures that end in one line.
- :mod:`~sim.experiment.streaming`: weekly means and intervals updated batch by batch.
- :mod:`~sim.experiment.comparison`: a baseline and its alternatives on common random numbers.
- :mod:`~sim.experiment.store`: finished batches on disk with a checksummed ledger, and resume.
- :mod:`~sim.experiment.output`: output folders that appear whole, that only coachsim's own
  outputs can replace, and that one run at a time may write.
- :mod:`~sim.experiment.budget`: memory and time estimated before a run starts.
- :mod:`~sim.experiment.uncertainty`: two-level runs, draws of the uncertain inputs and paired
  replications within each; :mod:`~sim.experiment.findings`: what the draws say (how likely it
  pays, value of information, break-evens, Sobol indices); :mod:`~sim.experiment.sweeps`: one
  comparison per point of a grid of settings.
"""
