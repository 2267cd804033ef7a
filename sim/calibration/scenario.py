"""A scenario file from a team's CRM estimates: every estimated setting with its estimate, 95%
interval and number of records beside it, the rest from the reference, and an ``uncertain:``
block so the next analysis carries the data's own uncertainty.

Each estimate's interval becomes a distribution of the same mean and a standard deviation of a
quarter of the interval's width (a 95% interval of a normal is four of them): a beta for a
share, a lognormal for a positive amount. An input whose distribution would reach past its
field's bounds is left at its estimate, and the file says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

from sim.analysis.crm import Estimate
from sim.scenario.distributions import Beta, Dist, LogNormal, MeanSd
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import check_block

REPS_PER_MANAGER = 6
"""The reference's span of control: a CRM names reps, not their managers."""


@dataclass(frozen=True)
class StageEstimate:
    """One stage as the CRM shows it."""

    name: str
    conversion: Estimate
    days: Estimate
    """Mean working days in the stage, whatever the outcome."""


@dataclass(frozen=True)
class Calibration:
    """What a CRM export says of a team."""

    source: str
    as_of: date
    reps: int
    deals: int
    leads_per_rep_per_week: Estimate
    deal_mean_usd: Estimate
    deal_cv: Estimate
    top20_share: Estimate
    stages: list[StageEstimate] = field(default_factory=list)


def slug(name: str) -> str:
    """A CRM stage name as a scenario's stage name (lower case letters, digits and _)."""
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return s if s and s[0].isalpha() else f"stage_{s}"


def _note(e: Estimate, digits: int, what: str) -> str:
    if not (math.isfinite(e.low) and math.isfinite(e.high)):
        return f"# estimate from {e.n} {what}; too few to give an interval"
    return (
        f"# estimate {e.value:.{digits}f} (95% interval {e.low:.{digits}f} to "
        f"{e.high:.{digits}f}) from {e.n} {what}"
    )


def _dist(e: Estimate, share: bool) -> Dist | None:
    if not (math.isfinite(e.low) and math.isfinite(e.high)) or e.high <= e.low:
        return None
    sd = (e.high - e.low) / 4
    try:
        if share:
            return Beta(beta=MeanSd(mean=e.value, sd=sd))
        return LogNormal(lognormal=MeanSd(mean=e.value, sd=sd))
    except ValueError:  # a share too close to 0 or 1 for its spread
        return None


def scenario_text(cal: Calibration, name: str, extends: str = "reference.yaml") -> str:
    """The scenario file (YAML) of ``cal``."""
    managers = max(1, math.ceil(cal.reps / REPS_PER_MANAGER))
    per = max(1, round(cal.reps / managers))
    lines = [
        "# yaml-language-server: $schema=scenario.schema.json",
        f"# Calibrated by coachsim from {cal.source} as of {cal.as_of.isoformat()}: {cal.deals} "
        f"deals of {cal.reps} reps.",
        "# Every estimated setting says its estimate, 95% interval and records; coaching, the",
        "# managers' weeks and skill dynamics are the reference's (a CRM cannot tell them).",
        f"extends: {extends}",
        f"name: {name}",
        "team:",
        f"  # {cal.reps} reps with deals; {per} a manager as the reference has about "
        f"{REPS_PER_MANAGER} (set yours)",
        f"  managers: {managers}",
        f"  reps_per_manager: {per}",
        f"  top20_revenue_share: {cal.top20_share.value:.3f}  "
        + _note(cal.top20_share, 2, "reps, luck of a small team taken out"),
        "leads:",
        f"  per_rep_per_week: {cal.leads_per_rep_per_week.value:.3f}  "
        + _note(cal.leads_per_rep_per_week, 2, "reps: opportunities created a working week"),
        "deal_value:",
        f"  mean_usd: {cal.deal_mean_usd.value:.0f}  "
        + _note(cal.deal_mean_usd, 0, "won deals: booked amount"),
        f"  cv: {cal.deal_cv.value:.3f}  " + _note(cal.deal_cv, 2, "won deals"),
    ]
    inputs: dict[str, Dist | None] = {
        "team.top20_revenue_share": _dist(cal.top20_share, share=True),
        "leads.per_rep_per_week": _dist(cal.leads_per_rep_per_week, share=False),
        "deal_value.mean_usd": _dist(cal.deal_mean_usd, share=False),
        "deal_value.cv": _dist(cal.deal_cv, share=False),
    }
    if cal.stages:
        lines.append("stages:")
        for i, st in enumerate(cal.stages):
            lines += [
                f"  - name: {slug(st.name)}  # {st.name!r} in the CRM",
                f"    base_conversion: {st.conversion.value:.3f}  "
                + _note(st.conversion, 2, "deals, open ones as censored"),
                f"    duration_mean_days: {st.days.value:.1f}  "
                + _note(st.days, 1, "deals: working days in the stage"),
            ]
            inputs[f"stages[{i}].base_conversion"] = _dist(st.conversion, share=True)
            inputs[f"stages[{i}].duration_mean_days"] = _dist(st.days, share=False)
    body = "\n".join(lines) + "\n"
    block, left = _checked(body, {p: d for p, d in inputs.items() if d is not None})
    unsure = [p for p, d in inputs.items() if d is None] + left
    if block:
        body += (
            "# What the data leaves uncertain: each estimate's 95% interval as a distribution.\n"
        )
        body += "uncertain:\n"
        for path, dist in block.items():
            body += f"  {path}: {_flow(dist)}\n"
    if unsure:
        body += (
            "# Left at their estimates (no interval, or one past the field's bounds): "
            f"{', '.join(unsure)}\n"
        )
    return body


def _checked(body: str, inputs: dict[str, Dist]) -> tuple[dict[str, Dist], list[str]]:
    """The inputs whose distributions stay within their fields' bounds, and the rest."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(body)
    data.pop("extends"), data.pop("name")
    scenario = Scenario.model_validate(data)
    bad = {path for path, _ in check_block(inputs, scenario)}
    return {p: d for p, d in inputs.items() if p not in bad}, sorted(bad)


def _flow(dist: Dist) -> str:
    kind, value = next(iter(dist.model_dump().items()))
    return f"{{{kind}: {{mean: {value['mean']:.6g}, sd: {value['sd']:.6g}}}}}"
