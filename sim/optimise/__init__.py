"""The best plan under uncertainty: a search space of the choices a sales leader controls
(:mod:`sim.optimise.space`), every plan run on the same draws and luck, and Kim and Nelson's
ranking and selection (:mod:`sim.optimise.select`) to separate the leaders
(:mod:`sim.optimise.search`)."""
