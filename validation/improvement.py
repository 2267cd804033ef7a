"""Calibrate ``skill.improvement``: the one default that no study measures.

Target (CEB, second-hand; Sales Executive Council; Vantage Point and the Sales Management
Association): the gains of coaching level off at three to five hours per rep per month. The rule,
fixed before running: the smallest improvement at which three hours a month of the best coaching
(scenarios/validation/best_3h.yaml) give at least 90% of what five hours give
(best_5h.yaml), in the revenue of core performers (B players) in months 7-12 against no coaching.
``make derive-improvement`` prints the table; the chosen value goes into sim/scenario/evidence.yaml.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from validation.design import design, uplift

GRID = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5)
TARGET = 0.9
MONTHS_7_12 = (26, 51)


def main() -> None:
    """Print the share of the five-hour gain three hours reach, for each value on the grid."""
    chosen = None
    print("improvement | 3 h/month | 5 h/month | share")
    for value in GRID:
        skill = {"improvement": value}
        off = design("base", skill=skill)
        three = uplift(design("best_3h", skill=skill), off, "revenue_B", MONTHS_7_12)
        five = uplift(design("best_5h", skill=skill), off, "revenue_B", MONTHS_7_12)
        share = three.mean / five.mean
        print(f"{value:11g} | {three} | {five} | {share:.2f}", flush=True)
        if chosen is None and share >= TARGET:
            chosen = value
    print(f"chosen: {chosen} (the smallest with a share of at least {TARGET})")


if __name__ == "__main__":
    main()
