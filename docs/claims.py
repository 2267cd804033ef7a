"""Print every figure of the claims table in docs/claims.md (30 paired replications, seed 0).

    python docs/claims.py

Each claim's scenarios run on the same seed, so contrasts are paired replication by replication;
intervals are 95% t-intervals of the paired differences.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.analysis.intervals import mean_ci  # noqa: E402
from sim.experiment.batches import RunResult, run_scenario  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

N, SEED, T = 30, 0, 13


@cache
def run(name: str) -> RunResult:
    """The shipped scenario ``name``, 30 replications."""
    return run_scenario(load_scenario(str(ROOT / "scenarios" / f"{name}.yaml")), N, SEED)


def _sum(name: str, col: str, a: int = 0, z: int = 103) -> np.ndarray:
    w = run(name).weekly
    w = w[(w.week >= a) & (w.week <= z)]
    return w.groupby("replication")[col].sum().sort_index().to_numpy(dtype=float)


def ci(x: np.ndarray) -> str:
    """Mean (low to high)."""
    m, lo, hi = mean_ci(x)
    return f"{m:+.1f} (CI {lo:+.1f} to {hi:+.1f})"


def uplift(alt: str, base: str, col: str = "revenue", a: int = 0, z: int = 103) -> str:
    """Paired % change of ``col`` over weeks a..z."""
    b = _sum(base, col, a, z)
    return ci((_sum(alt, col, a, z) - b) / b * 100) + "%"


def progress(alt: str, base: str, a: int, z: int) -> str:
    """Paired difference in deal progress, points."""

    def rate(n: str) -> np.ndarray:
        return _sum(n, "stage_advances", a, z) / _sum(n, "stage_exits", a, z) * 100

    return ci(rate(alt) - rate(base)) + " points"


def economics(alt: str, base: str) -> str:
    """Fees as a share of the revenue gain, ROI on cash costs, from the summaries."""
    s = run(alt).summary.sort_values("replication")
    r = run(base).summary.sort_values("replication")
    gain = (s["revenue"] - r["revenue"]).to_numpy()
    profit = (s["gross_profit"] - r["gross_profit"]).to_numpy()
    cash = (s["cash_cost_usd"] - r["cash_cost_usd"]).to_numpy()
    time = (s["time_cost_usd"] - r["time_cost_usd"]).to_numpy()
    costed = f"ROI with time costed {ci((profit - cash - time) / (cash + time) * 100)}%"
    if not np.all(cash > 0):
        return costed  # no cash costs: only the time costs
    return (
        f"cash costs {np.mean(cash) / np.mean(gain) * 100:.1f}% of the revenue gain; "
        f"ROI on cash {ci((profit - cash) / cash * 100)}%; {costed}"
    )


def main() -> None:
    """Print the figures, claim by claim."""
    out = {
        "A training only: dip week 13": progress("training_only", "no_coaching", T, T),
        "A training only: boost weeks 15-39": progress("training_only", "no_coaching", 15, 39),
        "A training only: peak quarter weeks 25-31": progress(
            "training_only", "no_coaching", 25, 31
        ),
        "A training only: last quarter of the year after (weeks 52-64)": progress(
            "training_only", "no_coaching", 52, 64
        ),
        "A training only: revenue weeks 27-38": uplift(
            "training_only", "no_coaching", "revenue", 27, 38
        ),
        "A training only: revenue year two": uplift(
            "training_only", "no_coaching", "revenue", 52, 103
        ),
        "A training only: revenue two years": uplift("training_only", "no_coaching"),
        "A training + coaching: dip week 13": progress(
            "training_and_coaching", "no_coaching", T, T
        ),
        **{
            f"A training + coaching: progress weeks {a}-{z}": progress(
                "training_and_coaching", "no_coaching", a, z
            )
            for a, z in ((14, 26), (27, 38), (39, 51), (52, 103))
        },
        "A training + coaching: revenue weeks 40-51": uplift(
            "training_and_coaching", "no_coaching", "revenue", 40, 51
        ),
        "A training + coaching: revenue year two": uplift(
            "training_and_coaching", "no_coaching", "revenue", 52, 103
        ),
        "A training + coaching: revenue two years": uplift("training_and_coaching", "no_coaching"),
        "A reference coaching vs none: revenue two years": uplift("reference", "no_coaching"),
        "B outside in person": uplift("outside_coach", "reference"),
        "B outside in person economics": economics("outside_coach", "reference"),
        "B outside virtual": uplift("outside_coach_virtual", "reference"),
        "B outside virtual economics": economics("outside_coach_virtual", "reference"),
        "B coach the coach": uplift("coach_the_coach", "reference"),
        "B coach the coach economics": economics("coach_the_coach", "reference"),
        "C average manager": uplift("average_manager", "reference"),
        "C average manager economics": economics("average_manager", "reference"),
        "C best in class": uplift("best_in_class_manager", "reference"),
        "D B focus": uplift("focus_b_players", "reference"),
        "D C focus": uplift("focus_c_players", "reference"),
        "D B focus vs C focus": uplift("focus_b_players", "focus_c_players"),
        "D readiness targeted": uplift("readiness_targeted", "reference"),
        "E near close vs full cycle": uplift("near_close_only", "full_cycle"),
        "E full cycle vs reference": uplift("full_cycle", "reference"),
        "F protected": uplift("protected_coaching", "reference"),
    }
    for key, value in out.items():
        print(f"{key}: {value}", flush=True)
    for name in ("reference", "protected_coaching"):
        s = run(name).summary
        share = s["sessions_cancelled"].sum() / s["sessions_planned"].sum() * 100
        print(f"F {name}: {share:.1f}% of sessions cancelled")
    ref = run("reference").summary
    print(
        f"top 20% share {ref['top20_revenue_share'].mean():.2f}, "
        f"headroom {ref['headroom_multiple'].mean():.1f}X"
    )
    w = run("training_and_coaching").weekly
    tiers = {
        t: (w[f"revenue_{t}"].sum() / run("no_coaching").weekly[f"revenue_{t}"].sum() - 1) * 100
        for t in "ABC"
    }
    print("training + coaching by tier:", {k: round(v, 1) for k, v in tiers.items()})


if __name__ == "__main__":
    main()
