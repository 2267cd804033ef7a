"""The studies: each a published result, the design that encodes it, and the model's figure.

Each study says whether it was used to set a default (*calibration*: then agreement is by
construction, and the row only shows the calibration held) or only checked (*validation*). The
rule for "reproduced", fixed before running: a magnitude is reproduced when the model's mean has
the published sign and lies within a factor of two of the published figure; a shape (a sign or
an ordering) when the model's 95% interval is on the published side. Defaults are never changed
to pass a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.analysis.intervals import mean_ci
from sim.scenario import Scenario
from validation.design import (
    Estimate,
    design,
    per_replication,
    rate_difference,
    uplift,
    weekly,
)

MONTHS_7_12 = (26, 51)


@dataclass(frozen=True)
class Row:
    """One line of the validation table."""

    study: str
    role: str
    design: str
    published: str
    model: str
    reproduced: bool
    note: str


def _within_factor_two(model: float, published: float) -> bool:
    return model * published > 0 and 0.5 <= model / published <= 2.0


def _skill(name: str, week: int) -> np.ndarray:
    df = weekly(design(name))
    cols = [c for c in df.columns if c.startswith("skill_")]
    at = df[df.week == week].sort_values("replication")
    return at[cols].mean(axis=1).to_numpy(dtype=float)


def ceb_quality() -> Row:
    """Best against worst-rated coaching of core performers (the ceiling's source)."""
    m = uplift(design("best_3h"), design("worst_3h"), "revenue_B", MONTHS_7_12)
    return Row(
        "CEB Sales Executive Council, The Case for Coaching (2007-2011), second-hand",
        "calibration (skill.ceiling)",
        "best_3h against worst_3h: quality 1 against 0, same hours; B players, months 7-12",
        "core performers 83% of goal under the worst-rated coaching, 102% under the best: +23%",
        f"{m}%",
        _within_factor_two(m.mean, 23.0),
        "The ceiling was set from this figure, reading the worst-rated coaching as adding "
        "nothing, so agreement was expected. Since December 2026 quality 0 harms (skill.harm_"
        "threshold), which widens the spread to about twice the published one: within the "
        "factor of two, at its edge. Read with CEB's 'poor coaching hurts twice as much', the "
        "most coaching adds would be a third of the spread (0.05 logit): a reading the "
        "defaults do not take (see skill.ceiling in evidence.md).",
    )


def dose_response() -> Row:
    """Three against five hours a month of the best coaching (improvement's target)."""
    off = design("base")
    three = uplift(design("best_3h"), off, "revenue_B", MONTHS_7_12)
    five = uplift(design("best_5h"), off, "revenue_B", MONTHS_7_12)
    share = three.mean / five.mean
    return Row(
        "Sales Executive Council (2,000 reps); CEB; Vantage Point and SMA, second-hand",
        "calibration (skill.improvement)",
        "best_3h and best_5h against base: 3 and 5 hours per rep per month; B players, months 7-12",
        "gains level off at 3-5 h per rep per month",
        f"3 h: {three}%, 5 h: {five}%; 3 h reach {share:.0%} of 5 h",
        share >= 0.9,
        "skill.improvement was calibrated to this (validation/calibrate.py).",
    )


def ceb_moderate() -> Row:
    """Moderate against worst-rated coaching of core performers."""
    m = uplift(design("moderate_3h"), design("worst_3h"), "revenue_B", MONTHS_7_12)
    return Row(
        "CEB Sales Executive Council, second-hand (Dixon and Adamson 2011)",
        "validation",
        "moderate_3h against worst_3h: quality 0.5 against 0, same hours; B players, months 7-12",
        "moderate coaching: +6-8% (midpoint 7%)",
        f"{m}%",
        _within_factor_two(m.mean, 7.0),
        "Cross-sectional survey; the model's figure is causal. Since December 2026 the design's "
        "worst coaching (quality 0) harms, so the gap is far wider than CEB's: either CEB's "
        "worst-rated coaching is not as harmful as the model's quality 0, or the ceiling is "
        "too high (see the CEB ceiling row). Not reproduced; no default changed.",
    )


def sec_hours() -> Row:
    """Three hours a month against half an hour, the default managers."""
    m = uplift(design("typical_3h"), design("typical_half_h"), "revenue", MONTHS_7_12)
    return Row(
        "Sales Executive Council study of 2,000 salespeople, second-hand",
        "validation",
        "typical_3h against typical_half_h: the default managers, 3 against 0.5 h per rep per "
        "month; all reps, months 7-12",
        "3+ h a month: 107% of quota; little or none: 88% (+22%)",
        f"{m}%",
        _within_factor_two(m.mean, 107 / 88 * 100 - 100),
        "Cross-sectional: reps and managers who coach more may differ in other ways (selection), "
        "so the published gap is an upper bound on the effect of hours.",
    )


def cso_formal() -> Row:
    """Formal against informal coaching: win rate of qualified deals."""
    m = rate_difference(
        design("formal"), design("informal"), "deals_won", "deals_qualified", MONTHS_7_12
    )
    return Row(
        "CSO Insights, Optimizing Sales Management (2015), second-hand",
        "validation",
        "formal (trained, tailored, protected) against informal (untrained, generic), same "
        "hours; win rate of qualified deals, months 7-12",
        "win rate of forecast deals: formal 53.6%, informal 45.7% (+7.9 points)",
        f"{m} points",
        _within_factor_two(m.mean, 7.9),
        "Companies chose their approach; formal coaches may also be better managers.",
    )


def olivero() -> Row:
    """Training alone against training then eight weeks of coaching."""
    off = design("base")
    window = (13, 30)
    trained = uplift(design("training_only"), off, "revenue", window)
    coached = uplift(design("training_then_coaching"), off, "revenue", window)
    ratio = coached.mean / trained.mean if trained.mean else float("nan")
    return Row(
        "Olivero, Bane and Kopelman (1997), Public Personnel Management (peer-reviewed)",
        "validation",
        "training_only and training_then_coaching (8 weeks of weekly one-to-ones) against base; "
        "revenue, weeks 13-30",
        "productivity: training +22.4%, training then coaching +88% (x3.9)",
        f"training {trained}%, then coaching {coached}% (x{ratio:.1f})",
        _within_factor_two(ratio, 3.9),
        "31 public-sector managers, no control group, productivity on self-chosen projects: the "
        "shape only.",
    )


def _progress_points(on: str, off: str, weeks: tuple[int, int]) -> Estimate:
    """Paired difference in deal progress (stage advances per stage end), percentage points."""
    return rate_difference(design(on), design(off), "stage_advances", "stage_exits", weeks)


def es_research() -> Row:
    """The bump training alone gives, and how long it lasts."""
    # Training is in week 4: months 1-2 after it are weeks 5-13, months 6-9 weeks 30-42.
    early = _progress_points("training_only", "base", (5, 13))
    late = _progress_points("training_only", "base", (30, 42))
    return Row(
        "ES Research Group, via Apel (2017); RAIN Group (2013), second-hand",
        "validation (also one of the camps behind skill.initial_stability_days)",
        "training_only against base: deal progress (advances per stage end) in months 1-2 and "
        "6-9 after training",
        "a 3-4 month bump, then back to the level before training",
        f"months 1-2: {early} points, months 6-9: {late} points",
        bool(late.mean < 0.25 * early.mean),
        "Reproduced when what is left at months 6-9 is under a quarter of the early bump.",
    )


def saks_belcourt() -> Row:
    """How much of a training is still applied six and twelve months later."""
    # Training is in week 4; six months later is week 30, and the design's last week (51) is
    # eleven months later: the published 12-month figure is compared with it.
    after = _skill("training_only", 5)
    six, eleven = _skill("training_only", 30), _skill("training_only", 51)
    kept6, kept12 = float(np.mean(six / after)), float(np.mean(eleven / after))
    return Row(
        "Saks and Belcourt (2006), Human Resource Management (peer-reviewed)",
        "calibration (training.transfer_floor; also one of the camps behind "
        "skill.initial_stability_days)",
        "training_only: learned skill 6 and 11 months after training (the design's last week), "
        "against the week after",
        "62%, 44%, 34% of employees apply training at 0, 6, 12 months: 71% and 55% of the "
        "initial transfer kept",
        f"skill kept: {kept6:.0%} at 6 months, {kept12:.0%} at 11",
        _within_factor_two(kept6, 0.71) and _within_factor_two(kept12, 0.55),
        "The transfer floor (35% of a training's gain kept for good) was fitted to these "
        "figures, so agreement at 12 months is partly by construction; the 6-month figure also "
        "rests on how fast the rest is forgotten (skill.initial_stability_days, 60 days, faster "
        "than the seven-month half-life the same fit gives).",
    )


def kerfoot() -> Row:
    """Spaced reinforcement after training against training alone, a year on."""
    spaced, alone = _skill("training_then_spaced", 51), _skill("training_only", 51)
    ratio = float(np.mean(spaced) / np.mean(alone))
    return Row(
        "Kerfoot et al. (2007-2010), spaced-education trials, J Urol, J Am Coll Surg "
        "(peer-reviewed)",
        "validation",
        "training_then_spaced (20 minutes every 4 weeks) against training_only: learned skill "
        "after one year",
        "long-term gain 15.2% against 3.4% (x4.5)",
        f"x{ratio:.1f}",
        ratio >= 2.25,
        "Medical residents and knowledge, not sales skill; the shape only. Reproduced when the "
        "ratio is at least half the published one.",
    )


def dahling() -> Row:
    """Coaching skill against coaching frequency at low skill."""
    base = design("low_skill_seldom")
    skill = uplift(design("skilled_seldom"), base, "revenue", MONTHS_7_12)
    often = uplift(design("low_skill_often"), base, "revenue", MONTHS_7_12)
    return Row(
        "Dahling, Taylor, Chau and Dwight (2016), Personnel Psychology (peer-reviewed)",
        "calibration (skill.harm_threshold: the harm's direction, not its size)",
        "skilled_seldom and low_skill_often against low_skill_seldom: coaching skill 0.2 to 0.75, "
        "or frequency x4 at skill 0.2; revenue, months 7-12",
        "skill raises goal attainment; more frequent coaching lowers it when skill is low",
        f"skill: {skill}%; frequency at low skill: {often}%",
        bool(skill.low > 0 and often.high < 0),
        "Since December 2026 sessions below skill.harm_threshold (0.25) harm, a mechanism set from "
        "this study's finding among others, so agreement in direction is expected and the row "
        "is not counted as validation; the size (-5% revenue at four times the sessions) is "
        "the model's.",
    )


def _tier_uplifts(on: Scenario, off: Scenario) -> dict[str, np.ndarray]:
    """Per replication, each tier's % revenue change in months 7-12."""
    out = {}
    for t in "ABC":
        a = per_replication(on, f"revenue_{t}", MONTHS_7_12)
        b = per_replication(off, f"revenue_{t}", MONTHS_7_12)
        out[t] = (a - b) / b * 100.0
    return out


def ceb_tiers(mechanisms: bool) -> Row:
    """Which tier gains most from the same coaching (CEB: the middle 60%)."""
    # CEB: the bottom 10% are mostly a poor fit (no learning below -1.28 sd: fundamentals at
    # -0.28), stars gain little (less room: slope 0.3).
    changes = (
        {"skill": {"ceiling_ability_slope": 0.3, "fundamentals_ability_sd": -0.28}}
        if mechanisms
        else {}
    )
    up = _tier_uplifts(design("typical_3h", **changes), design("base", **changes))
    tiers = {t: Estimate(*mean_ci(v)) for t, v in up.items()}
    over_a = Estimate(*mean_ci(up["B"] - up["A"]))
    over_c = Estimate(*mean_ci(up["B"] - up["C"]))
    return Row(
        "Dixon and Adamson (2011), HBR blog, CEB data, second-hand"
        + (": with CEB's mechanisms set" if mechanisms else ""),
        "demonstration (parameters set to the claim; not counted)" if mechanisms else "validation",
        "typical_3h against base by tier (A top 20%, B middle 60%, C bottom 20%), months 7-12"
        + (
            "; fundamentals_ability_sd -0.28 (the bottom 10% learn nothing), "
            "ceiling_ability_slope 0.3"
            if mechanisms
            else "; the defaults"
        ),
        "the middle 60% gain most; little for the weakest and the stars",
        ", ".join(f"{t}: {e}%" for t, e in tiers.items())
        + f"; B - A: {over_a} points, B - C: {over_c} points",
        bool(over_a.low > 0 and over_c.low > 0),
        "With the same logit gain for every rep, the weakest gain most in %; CEB's pattern needs "
        "weaker reps who cannot learn and stronger reps with less room."
        if not mechanisms
        else "Shows how far the model can express CEB's answer: B's mean gain is highest, but "
        "C's is too uncertain (few reps, little revenue) for the ordering to be sure. The "
        "defaults follow the peer-reviewed studies, which find no moderation.",
    )


STUDIES: tuple[Callable[[], Row], ...] = (
    ceb_quality,
    dose_response,
    ceb_moderate,
    sec_hours,
    cso_formal,
    olivero,
    es_research,
    saks_belcourt,
    kerfoot,
    dahling,
    lambda: ceb_tiers(False),
    lambda: ceb_tiers(True),
)
