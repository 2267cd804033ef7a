"""Reports: self-contained HTML pages with Plotly charts, built from result tables only.

- :mod:`~sim.report.run`: the page of one scenario's run, and the page furniture and charts
  the comparison report shares.
- :mod:`~sim.report.compare`: the business case of a comparison: one sentence per scenario,
  then the charts of uplift, payback, ROI, tiers, manager time, sessions and skill.
"""
