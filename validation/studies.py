"""The studies: each a published result, the design that encodes it, and the model's figure.

Each row's role, its independence of the defaults and its rule for "reproduced" are read from
validation/criteria.yaml, written and committed before any new row's result was computed; this
module only computes the model's figures. A row whose data set a default (*calibration*) shows
that the calibration held and is not counted; only *validation* rows independent of every default
count. Defaults are never changed to pass a row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.analysis.intervals import mean_ci
from sim.model.replication import Replication
from sim.scenario import Scenario
from validation.design import (
    REPLICATIONS,
    SEED,
    Estimate,
    design,
    per_replication,
    rate_difference,
    uplift,
    weekly,
)

MONTHS_7_12 = (26, 51)
FITTED = ("ceb_quality", "dose_response", "saks_belcourt")
"""Rows a default was fitted to: if one stops holding, the default needs fitting again."""
CRITERIA = Path(__file__).resolve().parent / "criteria.yaml"


@dataclass(frozen=True)
class Row:
    """One line of the validation table."""

    key: str
    """Its id in validation/criteria.yaml."""
    study: str
    role: str
    independent: str
    """"yes", or "no: " and the defaults its data set."""
    design: str
    published: str
    model: str
    reproduced: bool
    note: str

    @property
    def counted(self) -> bool:
        """Whether the row counts as validation: independent of every default."""
        return self.role == "validation" and self.independent.startswith("yes")


@cache
def _criteria_file() -> dict[str, Any]:
    with CRITERIA.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


def criteria() -> dict[str, dict[str, Any]]:
    """validation/criteria.yaml's rows, by id."""
    return {r["id"]: r for r in _criteria_file()["rows"]}


def not_run() -> list[dict[str, str]]:
    """The claims the suite does not run, with why."""
    return list(_criteria_file().get("not_run", []))


def _within_factor_two(model: float, published: float) -> bool:
    return model * published > 0 and 0.5 <= model / published <= 2.0


def judge(rule: dict[str, Any], values: Sequence[Estimate | float]) -> bool:
    """Whether the model's figures meet the row's rule (see validation/criteria.yaml)."""
    means = [v.mean if isinstance(v, Estimate) else float(v) for v in values]
    kind = rule["rule"]
    if kind == "factor_two":
        return _within_factor_two(means[0], rule["target"])
    if kind == "factor_two_each":
        return all(_within_factor_two(m, t) for m, t in zip(means, rule["targets"], strict=True))
    if kind == "range":
        return bool(rule["low"] <= means[0] <= rule["high"])
    if kind == "at_least":
        return bool(means[0] >= rule["value"])
    if kind == "below_share":
        return bool(means[1] < rule["share"] * means[0])
    estimates = [v for v in values if isinstance(v, Estimate)]
    if kind in ("interval_above_zero", "ordering"):  # ordering: each difference above zero
        return all(e.low > 0 for e in estimates)
    if kind == "interval_below_zero":
        return all(e.high < 0 for e in estimates)
    if kind == "interval_above_zero_then_below":
        return bool(estimates[0].low > 0 and estimates[1].high < 0)
    raise ValueError(f"validation/criteria.yaml: unknown rule {kind!r}")


def row(
    key: str, design_text: str, model: str, values: Sequence[Estimate | float], note: str
) -> Row:
    """A row: its study, role, independence and rule from the criteria, its figures here."""
    c = criteria()[key]
    role = c["role"] if c["role"] == "validation" else f"{c['role']} (not counted)"
    independent = "yes" if c["independent"] else f"no: {c['sets']}"
    if c["independent"] and c.get("note"):
        independent += f" ({c['note']})"
    return Row(
        key,
        c["study"],
        role,
        independent,
        design_text,
        c["published"],
        model,
        judge(c["criterion"], values),
        note,
    )


def contrast(
    key: str,
    on: str,
    off: str,
    column: str,
    weeks: tuple[int, int],
    design_text: str,
    note: str,
) -> Row:
    """A row whose figure is one paired % change: design ``on`` against ``off``."""
    m = uplift(design(on), design(off), column, weeks)
    return row(key, design_text, f"{m}%", [m], note)


def _skill(name: str, week: int) -> np.ndarray:
    df = weekly(design(name))
    cols = [c for c in df.columns if c.startswith("skill_")]
    at = df[df.week == week].sort_values("replication")
    return at[cols].mean(axis=1).to_numpy(dtype=float)


def ceb_quality() -> Row:
    """Best against worst-rated coaching of core performers (the ceiling's source)."""
    return contrast(
        "ceb_quality",
        "best_3h",
        "worst_3h",
        "revenue_B",
        MONTHS_7_12,
        "best_3h against worst_3h: quality 1 against 0, same hours; B players, months 7-12",
        "The ceiling was set from this figure, reading the worst-rated coaching as adding "
        "nothing, so agreement was expected. Since December 2026 quality 0 harms (skill.harm_"
        "threshold), which widens the spread to about twice the published one: within the "
        "factor of two, at its edge. Read with CEB's 'poor coaching hurts twice as much', the "
        "most coaching adds would be a third of the spread (0.05 logit): a reading the "
        "defaults do not take (see skill.ceiling in evidence.md).",
    )


def _b_players_against_base(first: str, second: str) -> tuple[Estimate, Estimate]:
    """The uplift of B players' revenue in months 7-12 of two designs against no coaching."""
    off = design("base")
    return (
        uplift(design(first), off, "revenue_B", MONTHS_7_12),
        uplift(design(second), off, "revenue_B", MONTHS_7_12),
    )


def dose_response() -> Row:
    """Three against five hours a month of the best coaching (improvement's target)."""
    three, five = _b_players_against_base("best_3h", "best_5h")
    share = three.mean / five.mean
    return row(
        "dose_response",
        "best_3h and best_5h against base: 3 and 5 hours per rep per month; B players, months 7-12",
        f"3 h: {three}%, 5 h: {five}%; 3 h reach {share:.0%} of 5 h",
        [share],
        "skill.improvement was calibrated to this (validation/improvement.py).",
    )


def ceb_moderate() -> Row:
    """Moderate against worst-rated coaching of core performers."""
    return contrast(
        "ceb_moderate",
        "moderate_3h",
        "worst_3h",
        "revenue_B",
        MONTHS_7_12,
        "moderate_3h against worst_3h: quality 0.5 against 0, same hours; B players, months 7-12",
        "Cross-sectional survey; the model's figure is causal. Since December 2026 the design's "
        "worst coaching (quality 0) harms, so the gap is far wider than CEB's: either CEB's "
        "worst-rated coaching is not as harmful as the model's quality 0, or the ceiling is "
        "too high (see the CEB ceiling row).",
    )


def sec_hours() -> Row:
    """Three hours a month against half an hour, the default managers."""
    return contrast(
        "sec_hours",
        "typical_3h",
        "typical_half_h",
        "revenue",
        MONTHS_7_12,
        "typical_3h against typical_half_h: the default managers, 3 against 0.5 h per rep per "
        "month; all reps, months 7-12",
        "Cross-sectional: reps and managers who coach more may differ in other ways (selection), "
        "so the published gap is an upper bound on the effect of hours.",
    )


def cso_formal() -> Row:
    """Formal against informal coaching: win rate of qualified deals."""
    m = rate_difference(
        design("formal"), design("informal"), "deals_won", "deals_qualified", MONTHS_7_12
    )
    return row(
        "cso_formal",
        "formal (trained, tailored, protected) against informal (untrained, generic), same "
        "hours; win rate of qualified deals, months 7-12",
        f"{m} points",
        [m],
        "Companies chose their approach; formal coaches may also be better managers.",
    )


def olivero() -> Row:
    """Training alone against training then eight weeks of coaching."""
    off = design("base")
    window = (13, 30)
    trained = uplift(design("training_only"), off, "revenue", window)
    coached = uplift(design("training_then_coaching"), off, "revenue", window)
    ratio = coached.mean / trained.mean if trained.mean else float("nan")
    return row(
        "olivero",
        "training_only and training_then_coaching (8 weeks of weekly one-to-ones) against base; "
        "revenue, weeks 13-30",
        f"training {trained}%, then coaching {coached}% (x{ratio:.1f})",
        [ratio],
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
    return row(
        "es_research",
        "training_only against base: deal progress (advances per stage end) in months 1-2 and "
        "6-9 after training",
        f"months 1-2: {early} points, months 6-9: {late} points",
        [early, late],
        "Reproduced when what is left at months 6-9 is under a quarter of the early bump.",
    )


def saks_belcourt() -> Row:
    """How much of a training is still applied six and twelve months later."""
    # Training is in week 4; six months later is week 30, and the design's last week (51) is
    # eleven months later: the published 12-month figure is compared with it.
    after = _skill("training_only", 5)
    six, eleven = _skill("training_only", 30), _skill("training_only", 51)
    kept6, kept12 = float(np.mean(six / after)), float(np.mean(eleven / after))
    return row(
        "saks_belcourt",
        "training_only: learned skill 6 and 11 months after training (the design's last week), "
        "against the week after",
        f"skill kept: {kept6:.0%} at 6 months, {kept12:.0%} at 11",
        [kept6, kept12],
        "The transfer floor (35% of a training's gain kept for good) was fitted to these "
        "figures, so agreement at 12 months is partly by construction; the 6-month figure also "
        "rests on how fast the rest is forgotten (skill.initial_stability_days, 80 days, faster "
        "than the seven-month half-life the same fit gives).",
    )


def kerfoot() -> Row:
    """Spaced reinforcement after training against training alone, a year on."""
    spaced, alone = _skill("training_then_spaced", 51), _skill("training_only", 51)
    ratio = float(np.mean(spaced) / np.mean(alone))
    return row(
        "kerfoot",
        "training_then_spaced (20 minutes every 4 weeks) against training_only: learned skill "
        "after one year",
        f"x{ratio:.1f}",
        [ratio],
        "Medical residents and knowledge, not sales skill; the shape only. Reproduced when the "
        "ratio is within a factor of two of the published one (two-sided since December 2026: "
        "the one-sided rule passed while training alone was forgotten to nearly nothing).",
    )


def dahling() -> Row:
    """Coaching skill against coaching frequency at low skill."""
    base = design("low_skill_seldom")
    skill = uplift(design("skilled_seldom"), base, "revenue", MONTHS_7_12)
    often = uplift(design("low_skill_often"), base, "revenue", MONTHS_7_12)
    return row(
        "dahling",
        "skilled_seldom and low_skill_often against low_skill_seldom: coaching skill 0.2 to 0.75, "
        "or frequency x4 at skill 0.2; revenue, months 7-12",
        f"skill: {skill}%; frequency at low skill: {often}%",
        [skill, often],
        "Since December 2026 sessions below skill.harm_threshold (0.25) harm, a mechanism set from "
        "this study's finding among others, so agreement in direction is expected; the size "
        "(revenue at four times the sessions) is the model's.",
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
    return row(
        "dixon_tiers_mechanisms" if mechanisms else "dixon_tiers",
        "typical_3h against base by tier (A top 20%, B middle 60%, C bottom 20%), months 7-12"
        + (
            "; fundamentals_ability_sd -0.28 (the bottom 10% learn nothing), "
            "ceiling_ability_slope 0.3"
            if mechanisms
            else "; the defaults"
        ),
        ", ".join(f"{t}: {e}%" for t, e in tiers.items())
        + f"; B - A: {over_a} points, B - C: {over_c} points",
        [over_a, over_c],
        "With the same logit gain for every rep, the weakest gain most in %; CEB's pattern needs "
        "weaker reps who cannot learn and stronger reps with less room."
        if not mechanisms
        else "Shows how far the model can express CEB's answer: B's mean gain is highest, but "
        "C's is too uncertain (few reps, little revenue) for the ordering to be sure. The "
        "defaults follow the peer-reviewed studies, which find no moderation.",
    )


# --- the standardised effect of a coaching programme, against the meta-analyses -------------


@cache
def _rep_revenue(key: str) -> np.ndarray:
    """(replications x reps) revenue of each rep over the run of a scenario (its JSON)."""
    s = Scenario.model_validate_json(key)
    out = []
    for r in range(REPLICATIONS):
        rep = Replication(s, SEED, r)
        rep.run()
        out.append([x.rep_revenue_usd for x in rep.reps])
    return np.asarray(out, dtype=float)


def standardised_effect(on: Scenario, off: Scenario) -> Estimate:
    """Cohen's d of a programme on rep revenue: per replication, the mean over reps of each rep's
    revenue with the programme less without it (the same rep, leads and deals), over the
    standard deviation of the reps' revenue without it; mean and 95% interval over
    replications."""
    a, b = _rep_revenue(on.model_dump_json()), _rep_revenue(off.model_dump_json())
    d = (a - b).mean(axis=1) / b.std(axis=1, ddof=1)
    return Estimate(*mean_ci(d))


PROGRAMME = (
    "programme against no_coaching: an outside coach of default quality (0.75, generic, formal), "
    "one 60-minute one-to-one every two weeks for 26 weeks (13 sessions), the managers not "
    "coaching; Cohen's d of each rep's revenue over the year (no warm-up: both arms start with "
    "an empty pipeline)"
)


def _meta(key: str) -> Row:
    d = standardised_effect(design("programme"), design("no_coaching"))
    return row(
        key,
        PROGRAMME,
        f"d = {d.mean:.2f} ({d.low:.2f} to {d.high:.2f})",
        [d],
        "A rep's revenue over a year varies with ability and with luck (few, uneven deals), so "
        "its standard deviation is large; the meta-analyses' outcomes are mostly ratings, "
        "skills and self-reports, which vary less and move more (de Haan and Nilsson find "
        "larger effects on self-reported outcomes than on observed ones).",
    )


def meta_burt_talati() -> Row:
    """The standardised effect of a coaching programme: Burt and Talati 2017."""
    return _meta("meta_burt_talati")


def meta_de_haan_nilsson() -> Row:
    """The standardised effect of a coaching programme: de Haan and Nilsson 2023."""
    return _meta("meta_de_haan_nilsson")


def meta_theeboom() -> Row:
    """The standardised effect of a coaching programme: Theeboom et al. 2014."""
    return _meta("meta_theeboom")


def meta_jones() -> Row:
    """The standardised effect of a coaching programme: Jones et al. 2016."""
    return _meta("meta_jones")


def sue_chan_latham() -> Row:
    """An outside coach against a peer coach (an untrained manager's quality)."""
    return contrast(
        "sue_chan_latham",
        "programme",
        "peer_programme",
        "revenue",
        (0, 51),
        "programme (outside coach, quality 0.75) against peer_programme (the same sessions at "
        "an untrained manager's 0.5); revenue over the year",
        "The coach's quality is an input, so the direction follows from the defaults; the "
        "study's samples were 30 and 23 MBA students.",
    )


def vantage_sma() -> Row:
    """Three hours a month of pipeline (deal) coaching against half an hour."""
    return contrast(
        "vantage_sma",
        "pipeline_3h",
        "pipeline_half_h",
        "revenue",
        MONTHS_7_12,
        "pipeline_3h against pipeline_half_h: the default managers micro-coaching live deals, 3 "
        "against 0.5 h per rep per month; revenue, months 7-12",
        "Companies compared, not teams randomised; 'revenue growth' is read as revenue.",
    )


def integrity_sma() -> Row:
    """Effective and ineffective coaches against the average."""
    average = design("typical_3h")
    effective = uplift(
        design("typical_3h", managers={"trained_share": 1.0}), average, "revenue", MONTHS_7_12
    )
    ineffective = uplift(
        design("typical_3h", managers={"trained_share": 0.0}), average, "revenue", MONTHS_7_12
    )
    return row(
        "integrity_sma",
        "typical_3h with every manager trained (0.75) and with none (0.5) against the default "
        "mix (27% trained), same hours; revenue, months 7-12",
        f"effective: {effective}%, ineffective: {ineffective}%",
        [effective, ineffective],
        "Firms rated their own coaching; the model reads effective as trained and ineffective "
        "as untrained managers, both coaching above the harm threshold.",
    )


def gartner_always_on() -> Row:
    """Managers who coach continuously but poorly, against the default managers."""
    return contrast(
        "gartner_always_on",
        "always_on",
        "reference_coaching",
        "revenue",
        MONTHS_7_12,
        "always_on (every manager coaching 3 x 50 min per rep a week at quality 0.2) against "
        "reference_coaching (the default managers, 1 x 50 min); revenue, months 7-12",
        "Gartner's Always-on managers give continuous feedback; the model can only read them as "
        "frequent coaching below the harm threshold, which was set partly from this figure.",
    )


def ceb_twice() -> Row:
    """How much the worst coaching hurts against how much the best helps."""
    helps, hurts = _b_players_against_base("best_3h", "worst_3h")
    ratio = -hurts.mean / helps.mean if helps.mean else float("nan")
    return row(
        "ceb_twice",
        "worst_3h and best_3h against base (no coaching): quality 0 and 1, 3 h per rep per "
        "month; B players, months 7-12",
        f"best {helps}%, worst {hurts}% (hurts x{ratio:.1f} what helps)",
        [ratio],
        "skill.harm_ratio (2) was set from this claim: the floor poor coaching reaches is twice "
        "the ceiling below zero.",
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
    meta_burt_talati,
    meta_de_haan_nilsson,
    meta_theeboom,
    meta_jones,
    sue_chan_latham,
    vantage_sma,
    integrity_sma,
    gartner_always_on,
    ceb_twice,
)
