"""A team's own scenario from what its leader knows or its CRM shows.

- :mod:`~sim.calibration.reading`: the CSV files CRMs and spreadsheets write, in the encodings and
  dialects people have; :mod:`~sim.calibration.exports`: an opportunity export as one table of
  deals; :mod:`~sim.calibration.history`: the stage history, and the stages' order;
  :mod:`~sim.calibration.ledger`: the data-quality ledger of what became of every row.
- :mod:`~sim.calibration.fit`: what the deals show and the settings that reproduce it (the
  estimators are :mod:`sim.analysis.stages` and :mod:`sim.analysis.crm`);
  :mod:`~sim.calibration.backtest`: fit on all but the last quarter and check it against what
  happened; :mod:`~sim.calibration.scenario`: the scenario file written with each fitted figure
  beside its setting.
- :mod:`~sim.calibration.init`: ``coachsim init``, a scenario from a few business figures;
  :mod:`~sim.calibration.simulated`: a run's deals exported as a CRM would, to try all of this
  on a team whose every parameter is known; :mod:`~sim.calibration.command`: ``calibrate`` from the
  files to the fitted scenario (``coachsim export-crm`` and the writing are :mod:`sim.job.team`'s).
"""
