"""Analysis: pure functions of result tables, no simulation.

- :mod:`~sim.analysis.intervals`: t intervals of means.
- :mod:`~sim.analysis.economics`: ROI and BCR (Phillips), cost share of the gain, payback week,
  NPV, paired and unpaired intervals.
- :mod:`~sim.analysis.paired`: the per-replication metrics of a scenario against its baseline
  and their summary (the rows of comparison.csv).
- :mod:`~sim.analysis.voi`: value of information (EVPI, EVPPI), the split of variance into
  parameters and luck, acceptability, break-evens and Sobol indices.
- :mod:`~sim.analysis.stages`: a stage's conversion and duration from CRM deals, open deals
  counted as censored; :mod:`~sim.analysis.crm`: a team's figures from its deals, with bootstrap
  intervals.
"""
