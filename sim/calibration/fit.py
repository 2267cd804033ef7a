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
from dataclasses import dataclass, field, replace
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
from sim.analysis.stages import ADVANCED, LOST, OPEN, skipped_spells, stage_spells
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
    win_rate_all: Estimate = NONE
    """Share of new opportunities that are won, open ones counted as undecided (the whole
    funnel as one stage: :func:`sim.analysis.crm.stage_estimates`); deals a CRM migration
    created in bulk are left out, as they were not new then."""
    cycle: Estimate = NONE
    """Median working days from creation to a won close, with its interval."""
    with_history: bool = True
    """Whether the stages' figures come from a stage history (else from the base scenario's
    shape, scaled to the win rate and the cycle)."""


def slug(name: str) -> str:
    """A CRM stage name as a scenario's stage name (lower case letters, digits and _)."""
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return s if s and s[0].isalpha() else f"stage_{s}"


def is_manager(role: pd.Series) -> pd.Series:
    """Owners whose role (an ``OwnerRole`` or ``role`` column) names a manager."""
    return role.fillna("").str.lower().str.contains("manager", regex=False)


def figures(
    deals: pd.DataFrame,
    history: pd.DataFrame | None,
    stages: Sequence[str],
    as_of: date,
    intervals: bool = True,
    seed: int = 0,
) -> Figures:
    """The :class:`Figures` of ``deals`` (with ``history``, stages in ``stages``' order) as of
    ``as_of``. Without a history the stages' figures are left empty (see :func:`shaped`).
    Without ``intervals`` the figures are point values (a simulation's, compared with the
    data's) and the concentration of revenue is not estimated. Deals marked ``migrated`` (a
    CRM's go-live) are not new opportunities: they count for the stages they were seen in,
    not for the rate of new opportunities, the win rate of new ones or the cycle."""
    end = np.datetime64(as_of, "D")
    first = deals["created"].min().to_datetime64().astype("datetime64[D]")
    start = max(first, np.busday_offset(end, -5 * WINDOW_WEEKS, roll="backward"))
    manager = (
        is_manager(deals["role"]).to_numpy() if "role" in deals else np.zeros(len(deals), bool)
    )
    migrated = (
        deals["migrated"].to_numpy(dtype=bool)
        if "migrated" in deals
        else np.zeros(len(deals), bool)
    )
    resamples = RESAMPLES if intervals else 0
    created = deals["created"].to_numpy(dtype="datetime64[D]")
    new = ~manager & ~migrated
    leads = _estimate(
        lambda: lead_rate(
            deals.loc[new, "owner"].to_numpy(), created[new], start, end, seed, resamples
        )
    )
    managers = int(deals.loc[manager, "owner"].nunique())
    inside = (created >= start) & (created < end)
    weeks = np.busday_count(start, end) / 5
    manager_rate = (
        float((manager & inside & ~migrated).sum() / (managers * weeks)) if managers else math.nan
    )
    conv, to_adv, in_stage = [], [], []
    if history is not None:
        ended = closes(deals)
        spells = stage_spells(history, ended, stages, end)
        skips = skipped_spells(history, ended, stages)
    for name in stages:
        if history is None:
            c = a = d = NONE
        else:
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
    win_all, cycle = funnel(deals[~migrated], end, seed, resamples)
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
        reps=int(deals.loc[~manager & inside, "owner"].nunique()),
        managers=managers,
        manager_leads_per_week=manager_rate,
        deals=len(deals),
        win_rate=float(np.prod(later)) if later else math.nan,
        cycle_days=median_cycle(won),
        win_rate_all=win_all,
        cycle=cycle,
        with_history=history is not None,
    )


def funnel(
    deals: pd.DataFrame, as_of: np.datetime64, seed: int, resamples: int
) -> tuple[Estimate, Estimate]:
    """The share of new opportunities won (from creation to the outcome as one stage, open ones
    censored at ``as_of``) and the median working days to a won close, with intervals."""
    created = deals["created"].to_numpy(dtype="datetime64[D]")
    closed = deals["closed"].to_numpy(dtype="datetime64[D]")
    done = ~np.isnat(closed)
    stop = np.where(done, closed, as_of)
    days = np.busday_count(created, np.maximum(stop, created)).astype(float)
    won = deals["won"].to_numpy(dtype=bool)
    outcome = np.where(~done, OPEN, np.where(won, ADVANCED, LOST))
    win = NONE
    if len(days) >= MIN_DEALS and done.any():
        win, _, _ = stage_estimates(days, outcome, seed + 2, resamples)
    cycle = days[done & won]
    if len(cycle) < 2:
        return win, NONE
    rng = np.random.default_rng(seed + 3)
    boot = [
        float(np.median(cycle[rng.integers(0, len(cycle), len(cycle))])) for _ in range(resamples)
    ]
    low, high = np.quantile(boot, [0.025, 0.975]) if boot else (math.nan, math.nan)
    return win, Estimate(float(np.median(cycle)), float(low), float(high), len(cycle))


def shape_stages(
    base: Scenario, win_rate: float, working_cycle_days: float
) -> tuple[list[float], list[float]]:
    """The conversions and days of ``base``'s stages that give ``win_rate`` of new
    opportunities and a ``working_cycle_days`` cycle: each conversion raised to one power (the
    stages keep their order), each stage's days scaled by one factor."""
    conversions = [st.base_conversion for st in base.stages]
    power = math.log(win_rate) / sum(math.log(c) for c in conversions)
    days = [st.duration_mean_days for st in base.stages]
    scale = working_cycle_days / sum(days)
    return [c**power for c in conversions], [d * scale for d in days]


def shaped(fig: Figures, base: Scenario) -> Figures:
    """The figures of an export without a stage history, its stages given the base
    scenario's shape (as ``init`` does) scaled to the export's win rate of new opportunities
    and its cycle. Those stage figures are derived, not estimated: they have no interval."""
    win, cycle = fig.win_rate_all, fig.cycle
    if not (0.0 < win.value < 1.0) or not (cycle.value > 0):
        return fig
    conv, days = shape_stages(base, win.value, cycle.value)
    n = win.n
    return replace(
        fig,
        stages=base.stage_names(),
        conversion=[Estimate(c, math.nan, math.nan, n) for c in conv],
        days_in_stage=[Estimate(d, math.nan, math.nan, n) for d in days],
        days_to_advance=[Estimate(d, math.nan, math.nan, n) for d in days],
        win_rate=math.prod(conv[1:]),
        with_history=False,
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
class Miss:
    """A figure of the export the fitted team does not show within the figure's own 95%
    interval, and its likely cause."""

    label: str
    crm: Estimate
    simulated: float
    cause: str


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
    misses: list[Miss] = field(default_factory=list)
    """The export's figures the fitted team does not show within their intervals."""


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


def _inside(p: float) -> float:
    """A share kept off 0 and 1 (an interval's end may reach them), for its logit."""
    return min(max(p, 1e-4), 1 - 1e-4)


def _moved(x: float, to: float, by: float, logit_scale: bool) -> float:
    """``x`` moved as far as ``by`` is from ``to`` (on the logit scale, or in proportion)."""
    if logit_scale:
        z = logit(x) + logit(_inside(to)) - logit(_inside(by))
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
        {**template[min(k, len(template) - 1)], "name": s} for k, s in enumerate(fig.stages)
    ]
    start = Scenario.model_validate(data)
    values = {path: e.value for path, (e, lg) in _targets(fig).items() if _usable(e, lg)}
    return apply_draw(start, values)


def fit(
    deals: pd.DataFrame,
    history: pd.DataFrame | None,
    stages: Sequence[str],
    as_of: date,
    base: Scenario,
    name: str,
    seed: int = 1,
) -> Fitted:
    """The settings of ``base`` that make its simulated CRM show what ``deals`` show (without a
    ``history``, on ``base``'s stages shaped to the win rate and cycle: :func:`shaped`)."""
    data = figures(deals, history, stages, as_of, intervals=True, seed=seed)
    if history is None:
        data = shaped(data, base)
    data = replace(data, top20_share=shrunk_top20(data.top20_share, base))
    return fit_figures(data, base, name, first_day(deals), as_of, seed)


def shrunk_top20(e: Estimate, base: Scenario) -> Estimate:
    """The top 20%'s share estimated from a team, shrunk toward the base scenario's by the two
    precisions (the data's interval against the published range of the share): a team of eight
    cannot tell the share apart from luck, and its wide interval leaves it near the base; a
    large team's narrow one moves it to the data. Without an interval, the estimate as it is."""
    if not (math.isfinite(e.low) and math.isfinite(e.high) and e.high > e.low):
        return e
    from sim.scenario.evidence import evidence

    prior = evidence()[TOP20]
    m0, s0 = base.team.top20_revenue_share, (prior.high - prior.low) / 4
    s1 = (e.high - e.low) / (2 * 1.959964)
    w0, w1 = 1 / s0**2, 1 / s1**2
    mean = (w0 * m0 + w1 * e.value) / (w0 + w1)
    sd = (w0 + w1) ** -0.5
    low, high = max(prior.low, mean - 1.959964 * sd), min(prior.high, mean + 1.959964 * sd)
    return Estimate(min(max(mean, low), high), low, high, e.n)


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
        exports = simulate_span(scenario, start, as_of, seed, replications, managers, data.stages)
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
    fitted = Fitted(
        scenario, data, sim, settings, shown, kept, sim_deals, replications, rounds, gap
    )
    return replace(fitted, misses=misses(fitted))


def checked_figures(fig: Figures) -> dict[str, tuple[str, Estimate, str | None, bool]]:
    """The figures a fit must match: label, estimate, the setting that moves it, logit scale."""
    out: dict[str, tuple[str, Estimate, str | None, bool]] = {}
    for k, stage in enumerate(fig.stages):
        conv, days = _stage_paths(k)
        out[f"c{k}"] = (f"{stage}: conversion", fig.conversion[k], conv, True)
        out[f"d{k}"] = (f"{stage}: working days", fig.days_in_stage[k], days, False)
    out["leads"] = (
        "new opportunities per rep a week",
        fig.leads_per_rep_per_week,
        "leads.per_rep_per_week",
        False,
    )
    out["deal"] = ("booked deal, USD", fig.deal_mean_usd, "deal_value.mean_usd", False)
    out["win"] = ("win rate of new opportunities", fig.win_rate_all, None, True)
    out["cycle"] = ("sales cycle, median working days", fig.cycle, None, False)
    return out


def misses(fitted: Fitted) -> list[Miss]:
    """The export's figures (each with an interval) the fitted team's simulated CRM does not
    show within that interval, each with its likely cause (see :class:`Miss`): every figure the
    fit moves a setting by, and the win rate of new opportunities; the cycle too when the
    stages' days are derived from it (an export without a stage history)."""
    from sim.scenario.uncertain import field_bounds

    data, sim = checked_figures(fitted.data), checked_figures(fitted.simulated)
    out = []
    for key, (label, e, path, _) in data.items():
        if not (math.isfinite(e.low) and math.isfinite(e.high)):
            continue
        if key == "cycle" and fitted.data.with_history:
            continue  # shown, not fitted: the stages' days are, and its median is theirs' sum
        seen = sim[key][1].value
        if math.isfinite(seen) and e.low <= seen <= e.high:
            continue
        cause = "the simulated team has no such figure (too few of its deals)"
        if math.isfinite(seen):
            cause = (
                (
                    f"the fit stopped after {fitted.rounds} rounds still {fitted.gap:.3g} away"
                    if math.isfinite(fitted.gap)
                    else f"the fit stopped after {fitted.rounds} rounds: the simulated team "
                    "never shows one of the figures"
                )
                if fitted.gap >= TOLERANCE
                else "the model does not show it with the base scenario's other settings "
                "(skill, coaching, the stages' shape)"
            )
        if path is not None and path in fitted.settings:
            low, high = field_bounds(re.sub(r"\[\d+\]", "", path))
            x = fitted.settings[path].value
            if x <= low * 1.01 + 1e-9 or x >= high * 0.99:
                cause = f"its setting {path} is at its bound ({x:g})"
        out.append(Miss(label, e, seen, cause))
    return out


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
    labels: Sequence[str] | None = None,
) -> list[Export]:
    """``replications`` simulated exports of ``scenario`` (with ``managers`` and their teams, if
    given) run from ``start`` (empty, as a new CRM is) to ``end``: the data's working days; the
    stages written as ``labels`` (the export's own names) if given."""
    weeks = int(np.clip(math.ceil(np.busday_count(start, end) / 5), 13, 520))
    trial = scenario.model_copy(update={"weeks": weeks, "warmup_weeks": 0})
    if managers is not None:
        team = trial.team.model_copy(update={"managers": managers})
        trial = trial.model_copy(update={"team": team})
    return [simulated_export(trial, seed, r, start, labels=labels) for r in range(replications)]


def _pooled(exports: Sequence[Export]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deals and history of several simulated exports as one team's (ids made distinct)."""
    deals, history = [], []
    for r, e in enumerate(exports):
        d, h = as_tables(e)
        deals.append(d.assign(deal=f"{r}-" + d["deal"], owner=f"{r}-" + d["owner"]))
        history.append(h.assign(deal=f"{r}-" + h["deal"]))
    return pd.concat(deals, ignore_index=True), pd.concat(history, ignore_index=True)


def miss_table(fitted: Fitted) -> list[str]:
    """The figures the fitted team does not show within their intervals, as a table."""
    lines = [f"{'figure':<40}{'CRM (95% interval)':>30}{'simulated':>12}  likely cause"]
    for m in fitted.misses:
        e = m.crm
        big = max(abs(e.value), abs(m.simulated) if math.isfinite(m.simulated) else 0) >= 100
        fmt = ",.0f" if big else ".3f"
        crm = f"{format(e.value, fmt)} ({format(e.low, fmt)} to {format(e.high, fmt)})"
        sim = format(m.simulated, fmt) if math.isfinite(m.simulated) else "-"
        lines.append(f"{m.label[:39]:<40}{crm:>30}{sim:>12}  {m.cause}")
    return lines
