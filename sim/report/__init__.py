"""Reports: self-contained HTML pages with Plotly charts, built from result tables only.

- :mod:`~sim.report.page`: the page furniture (escaping, layout, tables, the offline page).
- :mod:`~sim.report.charts`: the charts both reports draw (revenue bands, manager time,
  sessions, skill per stage as small multiples).
- :mod:`~sim.report.run`: the page of one scenario's run.
- :mod:`~sim.report.compare`: the business case of a comparison: one sentence per scenario,
  then the charts of uplift, payback, ROI, tiers, manager time, sessions and skill.
"""
