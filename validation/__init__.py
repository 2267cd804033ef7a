"""The model against published results: calibration of the defaults that no study measures
directly, and a validation suite of studies whose designs are encoded as scenario files
(scenarios/validation/). ``make derive-improvement`` and ``make validate-model`` run them."""
