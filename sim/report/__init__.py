"""Reports: self-contained HTML pages with Plotly charts, built from result tables only.

- :mod:`~sim.report.page`: the page furniture (escaping, layout, tables, the offline page).
- :mod:`~sim.report.charts`: the charts both reports draw (revenue bands, manager time,
  sessions, skill per stage as small multiples).
- :mod:`~sim.report.run`: the page of one scenario's run.
- :mod:`~sim.report.measures`: a comparison's key measures table and payback chart.
- :mod:`~sim.report.assumptions`: a comparison's assumptions list and baseline check.
- :mod:`~sim.report.compare`: the business case of a comparison: the verdict, one sentence per
  scenario, the key measures, then the charts of uplift, payback, ROI, tiers, manager time,
  sessions and skill.
- :mod:`~sim.report.verdict`: the comparison's words for a sales leader: the verdict, the
  horizon rule and the end note on how to read it.
"""
