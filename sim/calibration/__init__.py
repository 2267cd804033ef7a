"""A team's own scenario from its CRM (issue 14, in progress): reading the export
(:mod:`~sim.calibration.exports`); the estimators are in :mod:`sim.analysis.stages` and
:mod:`sim.analysis.crm`. Not yet a command."""
