"""Test before you buy: design a pilot of an option on some teams, say what it is worth, and
learn from its results.

- :mod:`sim.pilot.measure`: what a pilot measures, from a CRM's deals (simulated or real);
- :mod:`sim.pilot.design`: the candidate pilots, each simulated on every draw of the uncertain
  inputs on common random numbers;
- :mod:`sim.pilot.value`: power, the expected value of the pilot's information, its expected net
  benefit against deciding now (its delay counted), the decision rule, the recommendation.
"""
