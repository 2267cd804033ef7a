"""``coachsim calibrate`` from the files in to the fitted scenario's text.

Everything a user can get wrong in the files is found before anything is fitted and reported
at once, one line per problem (:class:`~sim.calibration.exports.ExportError`). Nothing here
writes a file: :mod:`sim.job.team` writes the scenario only when the whole calibration succeeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.exports import KNOWN_FIELDS, ExportError, Options, read_export
from sim.calibration.fit import Fitted, checked_figures, fit
from sim.calibration.history import hubspot_history, read_history, stage_order
from sim.calibration.ledger import Ledger, lines_of
from sim.calibration.scenario import scenario_text
from sim.scenario import Scenario
from sim.scenario.problems import clean


@dataclass(frozen=True)
class Calibrated:
    """A finished calibration: the fit, the scenario file's text, and the ledger."""

    fitted: Fitted
    text: str
    as_of: date
    stages: list[str]
    deals: pd.DataFrame
    history: pd.DataFrame | None
    """The stage history (None: the export has none; the stages are the base's shape)."""
    ledger: Ledger
    order: str
    """How the stages' order was found."""


def read_columns(path: str) -> dict[str, str]:
    """A ``--columns`` file: ``our field: their column`` lines, read as safely as a scenario
    file (a regular file of at most 1 MB, no tags, no alias bombs, no deep nesting)."""
    from sim.scenario import ScenarioError
    from sim.scenario.loader import load_record

    shown = Path(path).name
    try:
        data = load_record(path).data
    except ScenarioError as exc:
        raise ExportError([f"--columns {line}" for line in str(exc).splitlines()]) from None
    if not isinstance(data, dict):
        raise ExportError([f"{shown}: should be lines of 'field: column', e.g. 'deal: Opp ID'"])
    known = set(KNOWN_FIELDS)
    problems = [
        f"{shown}: {clean(str(k), 60)}: not a field (known: {', '.join(sorted(known))})"
        for k in data
        if k not in known
    ]
    problems += [
        f"{shown}: {clean(str(k), 60)}: the column should be a name, not {clean(repr(v), 60)}"
        for k, v in data.items()
        if not isinstance(v, str) or not v.strip()
    ]
    if problems:
        raise ExportError(problems)
    return {str(k): str(v).strip() for k, v in data.items()}


MIN_USED = 30
"""Deals an export must have left, once rows are set aside, for any figure to stand on."""
BULK_FACTOR = 10
"""A day on which more deals were created than this many times a typical day's, and at least
:data:`BULK_SHARE` of them all, is a CRM's migration (deals re-created at its go-live)."""
BULK_SHARE = 0.05


def calibrate(
    opportunities: str,
    history: str | None,
    base: Scenario,
    name: str,
    options: Options | None = None,
    stages: Sequence[str] | None = None,
    as_of: date | None = None,
    seed: int = 1,
    note: Callable[[str], None] = lambda line: None,
) -> Calibrated:
    """Read the export (and its history), fit ``base`` to it, and write nothing: the caller
    writes :attr:`Calibrated.text` once everything has worked, and decides what a poor fit
    (:attr:`~sim.calibration.fit.Fitted.misses`) means."""
    options = options or Options()
    ledger = Ledger()
    export = read_export(opportunities, options, ledger)
    shown = export.table.name
    if history is not None:
        changes: pd.DataFrame | None = read_history(history, export, options, ledger)
    else:
        changes = hubspot_history(export, options, ledger)
    deals = export.deals
    when = as_of or latest_date(deals, changes)
    late = deals["created"] > pd.Timestamp(when)
    if late.any():
        ledger.add(shown, "set aside", f"created after --as-of {when}", lines_of(deals, late))
        deals = deals[~late].reset_index(drop=True)
        if changes is not None:
            changes = changes[changes["deal"].isin(set(deals["deal"]))]
    if options.strict and ledger.entries:
        raise ExportError(ledger.problems())
    if len(deals) < MIN_USED:
        raise ExportError(
            [
                f"{shown}: {len(deals)} deals left to use (at least {MIN_USED} are needed for any "
                "figure to stand on)"
            ]
        )
    deals = deals.assign(migrated=_migrated(deals, shown, ledger))
    if changes is not None and changes.empty:
        changes = None
    if changes is None:
        order, how = base.stage_names(), "the base scenario's, with no stage history"
        note(
            f"{shown}: no stage history (no --history, no 'Date entered' columns): the win rate, "
            "cycle, new opportunities, deal size and concentration are fitted; the stages keep "
            "the base scenario's shape, scaled to them"
        )
    else:
        order, how = stage_order(changes, stages, export.sort_keys)
    note(
        f"{len(deals):,} deals, {0 if changes is None else len(changes):,} stage changes; "
        f"stages {how}: {', '.join(order)}"
    )
    fitted = fit(deals, changes, order, when, base, name, seed)
    for path in fitted.kept:
        note(f"too few records for {path}: kept the base scenario's value")
    text = scenario_text(fitted, shown, when, ledger)
    return Calibrated(fitted, text, when, order, deals, changes, ledger, how)


def _migrated(deals: pd.DataFrame, shown: str, ledger: Ledger) -> np.ndarray:
    """Deals created in bulk on one day (see :data:`BULK_FACTOR`), noted in the ledger."""
    day = deals["created"].dt.normalize()
    counts = day.value_counts()
    typical = float(counts.median()) if len(counts) else 0.0
    bulk = counts[(counts >= BULK_FACTOR * max(typical, 1.0)) & (counts >= BULK_SHARE * len(deals))]
    out = day.isin(bulk.index).to_numpy()
    for d in bulk.index:
        ledger.add(
            shown,
            "repaired",
            f"created in bulk on {pd.Timestamp(d).date()} (a CRM's migration): counted for the "
            "stages it was seen in, not as a new opportunity",
            lines_of(deals, (day == d).to_numpy()),
        )
    return np.asarray(out, dtype=bool)


def latest_date(deals: pd.DataFrame, changes: pd.DataFrame | None) -> date:
    """The export's date, as the data show it: the latest date anywhere in it."""
    dates = [deals["created"].max(), deals["closed"].max()]
    if changes is not None and len(changes):
        dates.append(changes["date"].max())
    return max(pd.Timestamp(d) for d in dates if not pd.isna(d)).date()


def fit_lines(cal: Calibrated) -> list[str]:
    """What the command prints: each figure of the export with its interval beside what the
    fitted team's simulated CRM shows (``*`` marks one outside the interval; ``~`` one derived
    from the base scenario's shape, not estimated), and how the fit went."""
    f = cal.fitted
    data, sim = checked_figures(f.data), checked_figures(f.simulated)
    lines = [f"{'':<40}{'CRM (95% interval)':>26}{'simulated':>12}"]
    for key, (label, e, _, _) in data.items():
        seen = sim[key][1].value
        if not (math.isfinite(e.value) or math.isfinite(seen)):
            continue
        big = max(abs(e.value) if math.isfinite(e.value) else 0, 0) >= 100 or "days" in label
        fmt = ",.0f" if big and "days" not in label else (".1f" if "days" in label else ".3f")
        crm = format(e.value, fmt) if math.isfinite(e.value) else "-"
        derived = math.isfinite(e.value) and not math.isfinite(e.low)
        if math.isfinite(e.low) and math.isfinite(e.high):
            crm += f" ({format(e.low, fmt)} to {format(e.high, fmt)})"
        elif derived:
            crm += " ~"
        mark = "*" if math.isfinite(e.low) and not (e.low <= seen <= e.high) else " "
        shown = format(seen, fmt) if math.isfinite(seen) else "-"
        lines.append(f"{label[:39]:<40}{crm:>26}{shown:>12}{mark}")
    lines.append(
        f"Fitted in {f.rounds} rounds of simulation; largest gap left {f.gap:.4f} "
        "(logit of a conversion, or share of an amount)"
        + ("; ~ derived from the base scenario's shape" if not f.data.with_history else "")
    )
    return lines
