"""A calibrated scenario file: the whole scenario written out, each setting with its description,
every fitted setting with what the CRM shows beside it (figure, 95% interval, records), and an
``uncertain:`` block so the next analysis carries the data's own uncertainty.

Each fitted setting's interval becomes a distribution of the same mean and a standard deviation
of a quarter of the interval's width (a 95% interval of a normal is four of them): a beta for a
share, a lognormal for a positive amount. A setting whose distribution would reach past its
field's bounds, or that has no interval, is left at its value, and the file says so.
"""

from __future__ import annotations

import math
from datetime import date

from sim.analysis.crm import Estimate
from sim.calibration.fit import TOP20, WINDOW_WEEKS, Fitted, miss_table, slug
from sim.calibration.ledger import Ledger
from sim.scenario.distributions import Beta, Dist, LogNormal, MeanSd
from sim.scenario.problems import clean
from sim.scenario.template import scenario_yaml
from sim.scenario.uncertain import check_block

WHAT = {
    "leads.per_rep_per_week": ("opportunities a rep creates a working week", 2, "reps"),
    "deal_value.mean_usd": (
        "booked deal, USD; the setting is a rep with no closing skill's",
        0,
        "won deals",
    ),
    "deal_value.cv": ("spread of booked deals (sd / mean)", 2, "won deals"),
    "base_conversion": ("deals that leave the stage forward, open ones as censored", 3, "deals"),
    "duration_mean_days": ("working days in the stage, whatever the outcome", 1, "deals"),
    "managers.own_leads_per_week": ("opportunities a manager creates a working week", 2, "deals"),
}
"""What the CRM figure beside each fitted setting is, its digits, and what its records are."""
__all__ = ["notes", "scenario_text", "slug"]


def _figure(e: Estimate, digits: int) -> str:
    if not (math.isfinite(e.low) and math.isfinite(e.high)):
        return f"{e.value:.{digits}f}"
    return f"{e.value:.{digits}f} (95% {e.low:.{digits}f} to {e.high:.{digits}f})"


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


def notes(fitted: Fitted) -> dict[str, str]:
    """The comment at the end of each fitted setting's line."""
    data = fitted.data
    out = {
        "team.managers": (
            f"{data.managers} owners whose role names a manager"
            if data.managers
            else "the export names no managers: about 6 reps each, as the reference (set yours)"
        ),
        "team.reps_per_manager": f"{data.reps} reps created deals in the last "
        f"{WINDOW_WEEKS} working weeks",
    }
    top = data.top20_share
    if math.isfinite(top.value):
        out["team.top20_revenue_share"] = (
            f"CRM: the top 20% of reps booked {data.top20_share_seen:.0%} of won revenue; "
            f"{_figure(top, 2)} with a small team's luck taken out and shrunk toward the "
            f"published range by its interval, {top.n} reps; fitted"
        )
    for path, shown in fitted.shown.items():
        if path == TOP20:
            continue  # said above
        what, digits, records = WHAT[path.rsplit(".", 1)[-1] if "[" in path else path]
        if "[" in path and not data.with_history:
            win, cycle = data.win_rate_all, data.cycle
            out[path] = (
                f"derived: {shown.value:.{digits}f}, the base scenario's shape scaled to the CRM's "
                f"win rate {win.value:.3f} and cycle of {cycle.value:.0f} working days (no stage "
                "history); fitted"
            )
            continue
        out[path] = f"CRM: {_figure(shown, digits)} {what}, {shown.n} {records}; fitted"
    for path in fitted.kept:
        out[path] = "too few records to estimate: the base scenario's value"
    return out


FITTED_NOTE = (
    "# Settings with a 'CRM:' comment are fitted so that the simulated team's CRM shows what\n"
    "# yours does (see the fit report); coaching, the managers' weeks and skill dynamics are\n"
    "# the reference's: a CRM cannot tell them. Check them, and the team lines, against what\n"
    "# you know.\n"
)


def scenario_text(fitted: Fitted, source: str, as_of: date, ledger: Ledger | None = None) -> str:
    """The scenario file (YAML) of ``fitted``, calibrated from ``source`` as of ``as_of``: a
    fit that missed figures says so first, in a comment table."""
    s = fitted.scenario
    poor = ""
    if fitted.misses:
        poor = (
            "# POOR FIT (written with --accept-poor-fit): the simulated team does not show\n"
            "# these figures of the export within their 95% intervals; read every result with\n"
            "# that in mind.\n"
            + "".join(f"#   {clean(line, 200)}\n" for line in miss_table(fitted))
        )
    quality = f"# Data quality: {ledger.summary()}.\n" if ledger is not None else ""
    header = (
        "# yaml-language-server: $schema=scenario.schema.json\n"
        + poor
        + f"# Calibrated by coachsim from {clean(source, 120)} as of {as_of.isoformat()}: "
        f"{fitted.data.deals} deals of {fitted.data.reps} reps.\n" + quality + FITTED_NOTE
    )
    inputs: dict[str, Dist | None] = {}
    for path, e in fitted.settings.items():
        inputs[path] = _dist(e, share=path.endswith("base_conversion") or path == TOP20)
    body = scenario_yaml(s, header, notes(fitted), ("uncertain", "correlated", "sweep"))
    wanted = {p: d for p, d in inputs.items() if d is not None}
    bad = {path for path, _ in check_block(wanted, s)}
    block = {p: d for p, d in wanted.items() if p not in bad}
    unsure = sorted([p for p, d in inputs.items() if d is None] + list(bad))
    if block:
        body += "# What the data leave uncertain: each fitted setting's 95% interval as a "
        body += "distribution.\nuncertain:\n"
        for path, dist in block.items():
            body += f"  {path}: {_flow(dist)}\n"
    if unsure:
        body += (
            "# Left at their values (no interval, or one past the field's bounds): "
            f"{', '.join(unsure)}\n"
        )
    return body


def _flow(dist: Dist) -> str:
    kind, value = next(iter(dist.model_dump().items()))
    return f"{{{kind}: {{mean: {value['mean']:.6g}, sd: {value['sd']:.6g}}}}}"
