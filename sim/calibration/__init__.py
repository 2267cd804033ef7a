"""A team's own scenario from its CRM (issue 14, in progress): reading the deals export
(:mod:`~sim.calibration.exports`) and the stage history (:mod:`~sim.calibration.history`), and
writing the scenario file (:mod:`~sim.calibration.scenario`); the estimators are in
:mod:`sim.analysis.stages` and :mod:`sim.analysis.crm`. Not yet a command."""
