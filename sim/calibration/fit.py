"""What a team's CRM deals show, and the scenario settings that reproduce it.

:func:`figures` reads a deals table and its stage history (:mod:`sim.calibration.exports`,
:mod:`sim.calibration.history`) into the figures a sales leader knows: reps, opportunities per
rep per working week, each stage's conversion (open deals as censored) and working days,
booked deal size, the top 20% of reps' share of revenue, the win rate of qualified deals, the
sales cycle; each with a 95% bootstrap interval and its number of records.

Those figures are not yet the model's settings. A stage's conversion in the data is the team's,
over reps of every ability and skill; the model's ``base_conversion`` is an average rep's before
skill. Opportunities created are the leads kept after coaching and training took selling time;
a won deal books more the better its closer's closing skill. So :func:`fit` finds the settings by
simulation: it runs the scenario, exports its deals (:mod:`sim.calibration.simulated`), reads
them with the very same :func:`figures`, and moves each setting by the gap (conversions on the
logit scale, the rest in proportion), a few times over. Each setting's interval is the data's
interval carried through the same move.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from sim.analysis.crm import (
    RESAMPLES,
    Estimate,
    concentration,
    deal_size,
    lead_rate,
    stage_estimates,
    top20_share,
)
from sim.analysis.stages import skipped_spells, stage_spells
from sim.calibration.history import closes
from sim.calibration.simulated import Export, as_tables, simulated_export
from sim.model.skill import logit
from sim.scenario import Scenario
from sim.scenario.uncertain import apply_draw, value_at

WINDOW_WEEKS = 52
"""Working weeks before the export counted for the rate of new opportunities."""
MIN_DEALS = 30
"""Deals a stage needs for its estimates; with fewer the reference's value is kept, flagged."""
NONE = Estimate(math.nan, math.nan, math.nan, 0)


@dataclass(frozen=True)
class Figures:
    """What a deals table shows of a team."""

    stages: list[str]
    conversion: list[Estimate]
    days_in_stage: list[Estimate]
    days_to_advance: list[Estimate]
    leads_per_rep_per_week: Estimate
    deal_mean_usd: Estimate
    deal_cv: Estimate
    top20_share: Estimate
    top20_share_seen: float
    """The top 20%'s share in the data, luck of a small team and all."""
    reps: int
    managers: int
    manager_leads_per_week: float
    """Opportunities a manager creates a working week (nan when the export names no managers)."""
    deals: int
    win_rate: float
    """Share of qualified deals (past the first stage) that are won: the later stages'
    conversions multiplied."""
    cycle_days: float
    """Median working days from creation to a won close."""


def slug(name: str) -> str:
    """A CRM stage name as a scenario's stage name (lower case letters, digits and _)."""
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return s if s and s[0].isalpha() else f"stage_{s}"


def is_manager(role: pd.Series) -> pd.Series:
    """Owners whose role (an ``OwnerRole`` or ``role`` column) names a manager."""
    return role.fillna("").str.lower().str.contains("manager", regex=False)


def figures(
    deals: pd.DataFrame,
    history: pd.DataFrame,
    stages: Sequence[str],
    as_of: date,
    intervals: bool = True,
    seed: int = 0,
) -> Figures:
    """The :class:`Figures` of ``deals`` (with ``history``, stages in ``stages``' order) as of
    ``as_of``. Without ``intervals`` the figures are point values (a simulation's, compared
    with the data's) and the concentration of revenue is not estimated."""
    end = np.datetime64(as_of, "D")
    first = deals["created"].min().to_datetime64().astype("datetime64[D]")
    start = max(first, np.busday_offset(end, -5 * WINDOW_WEEKS, roll="backward"))
    manager = (
        is_manager(deals["role"]).to_numpy() if "role" in deals else np.zeros(len(deals), bool)
    )
    resamples = RESAMPLES if intervals else 0
    created = deals["created"].to_numpy(dtype="datetime64[D]")
    rep_deals = deals[~manager]
    leads = _estimate(
        lambda: lead_rate(
            rep_deals["owner"].to_numpy(), created[~manager], start, end, seed, resamples
        )
    )
    managers = int(deals.loc[manager, "owner"].nunique())
    inside = (created >= start) & (created < end)
    weeks = np.busday_count(start, end) / 5
    manager_rate = float((manager & inside).sum() / (managers * weeks)) if managers else math.nan
    ended = closes(deals)
    spells = stage_spells(history, ended, stages, end)
    skips = skipped_spells(history, ended, stages)
    conv, to_adv, in_stage = [], [], []
    for name in stages:
        (days, outcome), skipped = spells[name], skips[name]
        if len(days) < MIN_DEALS:
            c = a = d = replace(NONE, n=len(days))
        else:
            c, a, d = stage_estimates(days, outcome, seed, resamples)
            if skipped.any() and (~skipped).sum() >= MIN_DEALS:
                # Days from the spells whose end the history shows; conversion from all.
                _, a, d = stage_estimates(days[~skipped], outcome[~skipped], seed, resamples)
        conv.append(c)
        to_adv.append(a)
        in_stage.append(d)
    won_rows = is_won(deals)
    won = deals[won_rows]
    mean, cv = _estimates(lambda: deal_size(won["amount"].to_numpy(), seed, resamples))
    top, seen = NONE, math.nan
    won_reps = deals[won_rows & ~manager]
    if won_reps["owner"].nunique() >= 3:
        seen = top20_share(won_reps.groupby("owner")["amount"].sum().to_numpy())
        if intervals:
            top, _ = concentration(won_reps["owner"].to_numpy(), won_reps["amount"].to_numpy())
    later = [c.value for c in conv[1:]]
    return Figures(
        stages=list(stages),
        conversion=conv,
        days_in_stage=in_stage,
        days_to_advance=to_adv,
        leads_per_rep_per_week=leads,
        deal_mean_usd=mean,
        deal_cv=cv,
        top20_share=top,
        top20_share_seen=seen,
        reps=int(rep_deals.loc[inside[~manager], "owner"].nunique()),
        managers=managers,
        manager_leads_per_week=manager_rate,
        deals=len(deals),
        win_rate=float(np.prod(later)) if later else math.nan,
        cycle_days=median_cycle(won),
    )


def is_won(deals: pd.DataFrame) -> np.ndarray:
    """The won deals with an amount (a blank amount is not a deal's size)."""
    return np.asarray(deals["won"].to_numpy() & (deals["amount"] > 0).to_numpy())  # NaN > 0: no


def median_cycle(won: pd.DataFrame) -> float:
    """The median working days from creation to close of ``won`` deals (nan for none)."""
    cycle = np.busday_count(
        won["created"].to_numpy(dtype="datetime64[D]"),
        won["closed"].to_numpy(dtype="datetime64[D]"),
    )
    return float(np.median(cycle)) if len(cycle) else math.nan


def _estimate(make: Callable[[], Estimate]) -> Estimate:
    """The estimate ``make()`` gives, or none if the data are too few for it."""
    try:
        return make()
    except ValueError:
        return NONE


def _estimates(make: Callable[[], tuple[Estimate, Estimate]]) -> tuple[Estimate, Estimate]:
    """The estimates ``make()`` gives, or none if the data are too few for them."""
    try:
        return make()
    except ValueError:
        return NONE, NONE


ITERATIONS = 6
"""Most rounds of simulate, compare, move. Each round's simulations use the same random
numbers, so the gaps shrink steadily, about threefold a round from the data's own figures."""
TOLERANCE = 0.01
"""Gap left between the simulated and the data's figures: 1% of an amount, or 0.01 in the logit
of a conversion (about 0.0025 of a share near 0.5), well inside a year of a team's data's
interval."""
SIMULATED_REPS = 96
"""Reps simulated per round at least (replications of the team pooled, at most
:data:`MAX_REPLICATIONS`): each replication draws its reps' abilities afresh, so a small team's
one draw would move the fitted conversions by its own luck; a large team takes one run."""
MAX_REPLICATIONS = 6
REPS_PER_MANAGER = 6
"""The reference's span of control, when the export does not say who manages."""


@dataclass(frozen=True)
class Fitted:
    """A scenario whose simulated CRM shows what the team's does."""

    scenario: Scenario
    data: Figures
    simulated: Figures
    """What the fitted scenario's own simulated export shows (the last round's)."""
    settings: dict[str, Estimate]
    """Each fitted setting by path, with the data's interval carried to it and its records."""
    shown: dict[str, Estimate]
    """What the data show for each fitted setting (the comment beside it)."""
    kept: list[str]
    """Settings left at the base scenario's value: too few records to estimate them."""
    simulated_deals: pd.DataFrame
    """The deals of the last round's simulated teams (``replications`` of them, pooled; a
    large team's part, see :func:`fit_figures`)."""
    replications: int
    rounds: int
    """Rounds of simulation the fit took."""
    gap: float
    """The largest gap left (see :data:`TOLERANCE`)."""


TOP20 = "team.top20_revenue_share"


def _stage_paths(k: int) -> tuple[str, str]:
    return f"stages[{k}].base_conversion", f"stages[{k}].duration_mean_days"


def _targets(fig: Figures) -> dict[str, tuple[Estimate, bool]]:
    """Setting path: (the data's figure for it, whether it moves on the logit scale)."""
    out: dict[str, tuple[Estimate, bool]] = {
        "leads.per_rep_per_week": (fig.leads_per_rep_per_week, False),
        "deal_value.mean_usd": (fig.deal_mean_usd, False),
        "deal_value.cv": (fig.deal_cv, False),
    }
    for k in range(len(fig.stages)):
        conv, days = _stage_paths(k)
        out[conv] = (fig.conversion[k], True)
        out[days] = (fig.days_in_stage[k], False)
    if fig.managers:
        n = 0 if math.isnan(fig.manager_leads_per_week) else fig.deals
        out["managers.own_leads_per_week"] = (
            Estimate(fig.manager_leads_per_week, math.nan, math.nan, n),
            False,
        )
    return out


def _get(scenario: Scenario, path: str) -> float:
    values = value_at(scenario, path)
    assert values is not None, path  # every fitted path is a section every scenario has
    return values[0]


def _usable(e: Estimate, logit_scale: bool) -> bool:
    if not (math.isfinite(e.value) and e.n > 0):
        return False
    return 0.0 < e.value < 1.0 if logit_scale else e.value > 0.0


def _moved(x: float, to: float, by: float, logit_scale: bool) -> float:
    """``x`` moved as far as ``by`` is from ``to`` (on the logit scale, or in proportion)."""
    if logit_scale:
        z = logit(x) + logit(to) - logit(min(max(by, 1e-4), 1 - 1e-4))
        return 1.0 / (1.0 + math.exp(-z))
    return x * to / by


def _gap(target: float, seen: float, logit_scale: bool) -> float:
    """How far a simulated figure is from the data's (inf if the simulation has none)."""
    if not (math.isfinite(seen) and (0.0 < seen < 1.0 if logit_scale else seen > 0.0)):
        return math.inf
    return abs(logit(target) - logit(seen)) if logit_scale else abs(target / seen - 1.0)


def start_scenario(fig: Figures, base: Scenario, name: str) -> Scenario:
    """``base`` with the team, stages and figures of the data as first guesses."""
    data = base.model_dump()
    managers = fig.managers or max(1, math.ceil(fig.reps / REPS_PER_MANAGER))
    data["name"], data["description"] = name, ""
    data["team"]["managers"] = managers
    data["team"]["reps_per_manager"] = max(1, round(fig.reps / managers))
    if math.isfinite(fig.top20_share.value):
        data["team"]["top20_revenue_share"] = round(fig.top20_share.value, 3)
    template = data["stages"]
    data["stages"] = [
        {**template[min(k, len(template) - 1)], "name": slug(s)} for k, s in enumerate(fig.stages)
    ]
    start = Scenario.model_validate(data)
    values = {path: e.value for path, (e, lg) in _targets(fig).items() if _usable(e, lg)}
    return apply_draw(start, values)


def fit(
    deals: pd.DataFrame,
    history: pd.DataFrame,
    stages: Sequence[str],
    as_of: date,
    base: Scenario,
    name: str,
    seed: int = 1,
) -> Fitted:
    """The settings of ``base`` that make its simulated CRM show what ``deals`` show."""
    data = figures(deals, history, stages, as_of, intervals=True, seed=seed)
    return fit_figures(data, base, name, first_day(deals), as_of, seed)


def fit_figures(
    data: Figures, base: Scenario, name: str, start: date, as_of: date, seed: int = 1
) -> Fitted:
    """The settings of ``base`` that make its simulated CRM, run from ``start`` to ``as_of``,
    show ``data`` (a CRM's figures, or a sales leader's, :mod:`sim.calibration.init`)."""
    scenario = start_scenario(data, base, name)
    targets = {p: t for p, t in _targets(data).items() if _usable(*t)}
    per = scenario.team.reps_per_manager
    # The figures are per rep and per deal: a large team is fitted on a part of it of the same
    # shape (whole managers' teams, at least SIMULATED_REPS reps), a small one on several runs.
    managers = min(scenario.team.managers, math.ceil(SIMULATED_REPS / per))
    replications = min(MAX_REPLICATIONS, math.ceil(SIMULATED_REPS / (managers * per)))
    sim: Figures | None = None
    gaps: dict[str, float] = {}
    rounds = 0
    for rounds in range(1, ITERATIONS + 1):  # noqa: B007 (the count is reported)
        exports = simulate_span(scenario, start, as_of, seed, replications, managers)
        sim_deals, sim_history = _pooled(exports)
        sim = figures(sim_deals, sim_history, data.stages, exports[0].as_of, intervals=False)
        seen = _targets(sim)
        gaps = {p: _gap(e.value, seen[p][0].value, lg) for p, (e, lg) in targets.items()}
        if max(gaps.values(), default=0.0) < TOLERANCE:
            break
        moved = {
            p: _moved(_get(scenario, p), e.value, seen[p][0].value, lg)
            for p, (e, lg) in targets.items()
            if _usable(seen[p][0], lg)
        }
        scenario = apply_draw(scenario, moved)
    assert sim is not None
    # Four significant digits: far finer than any interval, and a file a person can read.
    scenario = apply_draw(scenario, {p: float(f"{_get(scenario, p):.4g}") for p in targets})
    settings = {}
    for p, (e, lg) in targets.items():
        x = _get(scenario, p)
        lo, hi = (
            (_moved(x, b, e.value, lg) if math.isfinite(b) else math.nan) for b in (e.low, e.high)
        )
        settings[p] = Estimate(x, lo, hi, e.n)
    if math.isfinite(data.top20_share.value):  # estimated from the data, luck taken out
        settings[TOP20] = data.top20_share
    kept = [p for p, t in _targets(data).items() if not _usable(*t)]
    shown = {p: t[0] for p, t in targets.items()}
    gap = max(gaps.values(), default=0.0)
    return Fitted(scenario, data, sim, settings, shown, kept, sim_deals, replications, rounds, gap)


def first_day(deals: pd.DataFrame) -> date:
    """The first working day of the export: the day its first deal was created, or the next
    working day."""
    first = deals["created"].min().to_datetime64().astype("datetime64[D]")
    return pd.Timestamp(np.busday_offset(first, 0, roll="forward")).date()


def simulate_span(
    scenario: Scenario,
    start: date,
    end: date,
    seed: int,
    replications: int,
    managers: int | None = None,
) -> list[Export]:
    """``replications`` simulated exports of ``scenario`` (with ``managers`` and their teams, if
    given) run from ``start`` (empty, as a new CRM is) to ``end``: the data's working days."""
    weeks = int(np.clip(math.ceil(np.busday_count(start, end) / 5), 13, 520))
    trial = scenario.model_copy(update={"weeks": weeks, "warmup_weeks": 0})
    if managers is not None:
        team = trial.team.model_copy(update={"managers": managers})
        trial = trial.model_copy(update={"team": team})
    return [simulated_export(trial, seed, r, start) for r in range(replications)]


def _pooled(exports: Sequence[Export]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deals and history of several simulated exports as one team's (ids made distinct)."""
    deals, history = [], []
    for r, e in enumerate(exports):
        d, h = as_tables(e)
        deals.append(d.assign(deal=f"{r}-" + d["deal"], owner=f"{r}-" + d["owner"]))
        history.append(h.assign(deal=f"{r}-" + h["deal"]))
    return pd.concat(deals, ignore_index=True), pd.concat(history, ignore_index=True)
