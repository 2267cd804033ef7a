"""``coachsim calibrate`` and ``coachsim export-crm``: the files in, the files out.

Everything a user can get wrong in the files is found before anything is fitted and reported
at once, one line per problem (:class:`~sim.calibration.exports.ExportError`); nothing is
written unless the whole calibration succeeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from sim.calibration.exports import (
    FIELDS,
    OPTIONAL,
    ExportError,
    Format,
    deals_table,
    read_raw,
)
from sim.calibration.fit import Fitted, fit
from sim.calibration.history import hubspot_history, read_history, stage_order
from sim.calibration.scenario import scenario_text
from sim.scenario import Scenario


@dataclass(frozen=True)
class Calibrated:
    """A finished calibration: the fit and the scenario file's text."""

    fitted: Fitted
    text: str
    as_of: date
    stages: list[str]
    deals: pd.DataFrame
    history: pd.DataFrame


def read_columns(path: str) -> dict[str, str]:
    """A ``--columns`` file: ``our field: their column`` lines."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    shown = Path(path).name
    try:
        data = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExportError([f"{shown}: cannot read it as YAML ({first})"]) from None
    if not isinstance(data, dict):
        raise ExportError([f"{shown}: should be lines of 'field: column', e.g. 'deal: Opp ID'"])
    known = set(FIELDS) | set(OPTIONAL) | {"is_closed"}
    problems = [
        f"{shown}: {k}: not a field (known: {', '.join(sorted(known))})"
        for k in data
        if k not in known
    ]
    problems += [
        f"{shown}: {k}: the column should be a name, not {v!r}"
        for k, v in data.items()
        if not isinstance(v, str) or not v.strip()
    ]
    if problems:
        raise ExportError(problems)
    return {str(k): str(v).strip() for k, v in data.items()}


def calibrate(
    opportunities: str,
    history: str | None,
    base: Scenario,
    name: str,
    shape: Format | None = None,
    columns: str | None = None,
    stages: Sequence[str] | None = None,
    as_of: date | None = None,
    seed: int = 1,
    note: Callable[[str], None] = lambda line: None,
) -> Calibrated:
    """Read the export (and its history), fit ``base`` to it, and write nothing: the caller
    writes :attr:`Calibrated.text` once everything has worked."""
    mapping = read_columns(columns) if columns else None
    raw = read_raw(opportunities)
    deals = deals_table(raw, Path(opportunities).name, shape, mapping)
    if history is not None:
        changes = read_history(history, deals)
    else:
        deal_column = (mapping or {}).get("deal") or (
            "Deal ID" if "Deal ID" in raw else "Record ID"
        )
        found = hubspot_history(raw, deal_column) if deal_column in raw else None
        if found is None or found.empty:
            raise ExportError(
                [
                    f"{Path(opportunities).name}: no stage history: give the stage changes with "
                    "--history (Salesforce's OpportunityHistory export), or export HubSpot deals "
                    'with their "Date entered" columns'
                ]
            )
        changes = found
    order = stage_order(changes, stages)
    open_deals = deals[deals["closed"].isna()]
    unknown = sorted(set(open_deals["stage"]) - set(order))
    if unknown:
        raise ExportError(
            [
                f"{Path(opportunities).name}: open deals in stages the stage history never "
                f"shows: {', '.join(unknown[:5])}; give the stages in order with --stages"
            ]
        )
    when = as_of or _latest(deals, changes)
    too_late = deals["created"] > pd.Timestamp(when)
    if too_late.any():
        raise ExportError([f"--as-of {when}: {int(too_late.sum())} deals were created after it"])
    note(f"{len(deals)} deals, {len(changes)} stage changes, stages: {', '.join(order)}")
    fitted = fit(deals, changes, order, when, base, name, seed)
    for path in fitted.kept:
        note(f"too few records for {path}: kept the base scenario's value")
    text = scenario_text(fitted, Path(opportunities).name, when)
    return Calibrated(fitted, text, when, order, deals, changes)


def _latest(deals: pd.DataFrame, changes: pd.DataFrame) -> date:
    """The export's date, as the data show it: the latest date anywhere in it."""
    dates = [deals["created"].max(), deals["closed"].max(), changes["date"].max()]
    return max(pd.Timestamp(d) for d in dates if not pd.isna(d)).date()


def fit_lines(cal: Calibrated) -> list[str]:
    """What the command prints: each stage's figures, the team's, and how well the fitted
    scenario reproduces them."""
    data, sim = cal.fitted.data, cal.fitted.simulated
    lines = [f"{'':<22}{'CRM':>22}{'simulated':>12}"]

    def row(label: str, shown: float, simulated: float, fmt: str) -> None:
        cells = [format(v, fmt) if math.isfinite(v) else "-" for v in (shown, simulated)]
        lines.append(f"{label:<22}{cells[0]:>22}{cells[1]:>12}")

    for k, stage in enumerate(data.stages):
        row(f"{stage[:13]} conversion", data.conversion[k].value, sim.conversion[k].value, ".3f")
        row(f"{stage[:13]} days", data.days_in_stage[k].value, sim.days_in_stage[k].value, ".1f")
    row("win rate (qualified)", data.win_rate, sim.win_rate, ".3f")
    row("sales cycle, days", data.cycle_days, sim.cycle_days, ".0f")
    row(
        "new opps/rep/week",
        data.leads_per_rep_per_week.value,
        sim.leads_per_rep_per_week.value,
        ".2f",
    )
    row("booked deal, USD", data.deal_mean_usd.value, sim.deal_mean_usd.value, ",.0f")
    f = cal.fitted
    lines.append(
        f"Fitted in {f.rounds} rounds of simulation; largest gap left {f.gap:.4f} "
        "(logit of a conversion, or share of an amount)"
    )
    return lines
