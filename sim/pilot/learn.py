"""Learning from a pilot's data: the uncertain inputs updated by what the real pilot showed.

The real pilot's export is reduced to the summary the simulated pilots were reduced to
(:mod:`sim.pilot.measure`: the coached teams' change in stage progress, win rate and bookings
against the other teams', each team against its own baseline period). The prior's draws, each
with a pilot of the same shape simulated in it (the same teams coached, the same weeks), are the
reference table of approximate Bayesian computation with regression adjustment (Beaumont, Zhang
and Balding 2002, Genetics 162:2025):

1. the distance of each draw's simulated summary from the observed one, each summary scaled by
   its median absolute deviation over the draws;
2. the nearest ``accept`` share of draws kept, weighted by the Epanechnikov kernel;
3. each input regressed (weighted least squares) on the kept draws' summaries, and each kept
   draw's value moved along the fitted slope to where its summary would be the observed one,
   then held within the prior's range.

Why this and not a Gaussian regression posterior: the decisive inputs are bounded (a quality
between 0 and 1, skewed ranges), the summary moves with them nonlinearly, and the kernel keeps
only draws whose pilots looked like this one; the adjustment recovers most of what a narrow
kernel would lose with a few hundred draws. It is checked by simulation-based calibration
(Talts et al. 2018): :func:`pit` of truths drawn from the prior, each with its own simulated
pilot, is uniform, and 90% intervals cover about 90% (tests/sim/test_learn_calibration.py).

The posterior is written back as the scenario's ``uncertain:`` block: each input the pilot
taught about as 50 equally likely values (its weighted quantiles), the others as their prior.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.special import ndtri

from sim.calibration.command import latest_date
from sim.calibration.exports import Options, read_export
from sim.calibration.history import hubspot_history, read_history
from sim.calibration.ledger import Ledger
from sim.calibration.reading import LINE, ExportError, read_table
from sim.experiment.executors import Executor
from sim.pilot.design import Plan, pilot_runs, simulate_pilots
from sim.pilot.measure import LABELS, METRICS, Period, compare_arms, in_words, team_events
from sim.scenario import Scenario
from sim.scenario.designs import Design
from sim.scenario.distributions import Dist

ACCEPT = 0.3
"""Share of the prior's draws kept (the nearest), before weighting."""
NULL_SHUFFLES = 100
"""Shuffles of the prior's draws against the summaries that show how far chance moves an input
the pilot cannot inform."""
QUANTILES = 50
"""Values a learnt input's posterior is written as."""
TAUGHT = 0.05
"""An input is written as learnt when the pilot narrowed its spread by at least this share or
moved its mean by at least this share of its prior spread; otherwise its prior is kept."""

FAMILY_ERROR = 0.05
"""The chance, over all the inputs, of calling one learnt that the pilot cannot inform: each of
an input's two tests (its mean moved, its spread narrowed) is held to ``FAMILY_ERROR / (2 x
inputs)``, two-sided for the mean (Bonferroni; about 3.3 of chance's standard deviations with 29
inputs). With three, a pilot far in the tail of the simulated ones narrowed the reps' hourly cost,
which no pilot can inform, by 17.5% and passed: the regression extrapolated a chance correlation
of 0.08 in the reference table."""


def chance_multiple(inputs: int) -> float:
    """Standard deviations of chance a change must exceed (see :data:`FAMILY_ERROR`)."""
    return float(ndtri(1.0 - FAMILY_ERROR / (4.0 * max(1, inputs))))


@dataclass(frozen=True)
class Coached:
    """Who is in the pilot: each owner's team, the coached teams, and when coaching began."""

    teams: dict[str, str]
    """OwnerId -> team."""
    coached: frozenset[str]
    start: date
    """The pilot's first day: the earliest coached_from."""
    notes: tuple[str, ...] = ()

    @property
    def reps_per_team(self) -> int:
        """Owners per team, rounded (the simulated pilots' team size)."""
        counts = pd.Series(list(self.teams.values())).value_counts()
        return max(1, round(float(counts.mean())))

    @property
    def team_count(self) -> int:
        """Teams in the pilot, coached or not."""
        return len(set(self.teams.values()))


OWNER_COLUMNS = ("owner", "ownerid", "owner_id", "hubspot_owner_id", "deal owner")
TEAM_COLUMNS = ("team", "manager", "managerid", "manager_id")
START_COLUMNS = ("coached_from", "start", "coached", "pilot_start")


def _column(header: Sequence[str], names: Sequence[str]) -> str | None:
    lower = {h.strip().lower(): h for h in header}
    return next((lower[n] for n in names if n in lower), None)


def read_coached(path: str, encoding: str | None = None) -> Coached:
    """The pilot's teams from a CSV with an ``owner`` column (the export's OwnerId), a ``team``
    column, and a ``coached_from`` date (YYYY-MM-DD) on the coached teams' rows, blank on the
    others'; read as an export is (:func:`sim.calibration.reading.read_table`: any common
    encoding and delimiter). Problems are one line each, with the file and line."""
    read = read_table(path, encoding)
    table, path = read.rows, read.name
    header = read.columns
    owner = _column(header, OWNER_COLUMNS)
    team = _column(header, TEAM_COLUMNS)
    start = _column(header, START_COLUMNS)
    missing = [
        f"{path}:1: no {what} column (one of: {', '.join(names)})"
        for what, col, names in (
            ("owner", owner, OWNER_COLUMNS),
            ("team", team, TEAM_COLUMNS),
            ("coached_from", start, START_COLUMNS),
        )
        if col is None
    ]
    if missing:
        raise ExportError(missing)
    assert owner is not None
    assert team is not None
    assert start is not None
    problems: list[str] = []
    teams: dict[str, str] = {}
    starts: dict[str, date] = {}
    rows = table[[LINE, owner, team, start]].itertuples(index=False, name=None)
    for i, o_raw, t_raw, s_raw in rows:
        o, t, s = str(o_raw).strip(), str(t_raw).strip(), str(s_raw).strip()
        if not o or not t:
            problems.append(f"{path}:{i}: an owner and a team are both needed")
            continue
        if o in teams and teams[o] != t:
            problems.append(f"{path}:{i}: owner {o} is in team {teams[o]} already")
            continue
        teams[o] = t
        if s:
            try:
                d = date.fromisoformat(s)
            except ValueError:
                problems.append(f"{path}:{i}: coached_from {s!r} is not a date (YYYY-MM-DD)")
                continue
            if t in starts and starts[t] != d:
                problems.append(
                    f"{path}:{i}: team {t} starts on {starts[t]} and on {d}; one date per team"
                )
                continue
            starts[t] = d
    if problems:
        raise ExportError(problems)
    names = set(teams.values())
    if not starts:
        raise ExportError([f"{path}: no team has a coached_from date: which teams were coached?"])
    if len(starts) == len(names):
        raise ExportError([f"{path}: every team was coached: a pilot needs teams without it"])
    notes: list[str] = []
    first = min(starts.values())
    if len(set(starts.values())) > 1:
        notes.append(
            f"{path}: the coached teams started on {len(set(starts.values()))} dates; the pilot "
            f"is counted from the first, {first}"
        )
    return Coached(teams, frozenset(starts), first, tuple(notes))


def observed_summary(
    deals: pd.DataFrame, history: pd.DataFrame, coached: Coached, baseline_weeks: int, end: date
) -> tuple[np.ndarray, pd.DataFrame]:
    """The real pilot's summary (one value per :data:`~sim.pilot.measure.METRICS`) and each
    team's outcomes in both periods (for the report)."""
    start = np.datetime64(coached.start, "D")
    before = np.busday_offset(start, -5 * baseline_weeks, roll="backward")
    baseline = Period(before, start)
    pilot = Period(start, np.datetime64(end, "D"))
    events = team_events(deals, history, coached.teams)
    base, during = events.outcomes(baseline), events.outcomes(pilot)
    summary = np.array(
        [compare_arms(base, during, set(coached.coached), m).effect for m in METRICS]
    )
    teams = base.add_suffix("_baseline").join(during.add_suffix("_pilot"))
    teams.insert(0, "coached", [t in coached.coached for t in teams.index])
    return summary, teams


@dataclass(frozen=True)
class Posterior:
    """The regression-adjusted draws of the uncertain inputs and their weights."""

    paths: tuple[str, ...]
    prior: np.ndarray
    """(draws x inputs): the prior's draws."""
    values: np.ndarray
    """(kept x inputs): the adjusted draws."""
    weights: np.ndarray
    """(kept,): kernel weights, summing to 1."""
    chance_shift: np.ndarray
    """(inputs,): how far chance moves each posterior mean at most: :func:`chance_multiple`
    times the root mean square shift over the prior's draws shuffled against the summaries (so
    that they tell nothing)."""
    chance_narrowing: np.ndarray
    """(inputs,): how much chance narrows each input's spread at most (the mean narrowing under
    the same shuffles plus :func:`chance_multiple` of their standard deviations), as a share."""

    def quantiles(self, j: int, q: np.ndarray) -> np.ndarray:
        """Weighted quantiles ``q`` of input ``j``."""
        return weighted_quantiles(self.values[:, j], self.weights, q)

    def mean(self, j: int) -> float:
        """Posterior mean of input ``j``."""
        return float(np.sum(self.weights * self.values[:, j]))

    def sd(self, j: int) -> float:
        """Posterior standard deviation of input ``j``."""
        m = self.mean(j)
        return float(math.sqrt(max(0.0, np.sum(self.weights * (self.values[:, j] - m) ** 2))))

    def pit(self, j: int, truth: float) -> float:
        """The posterior's probability below ``truth``: uniform over truths drawn from the prior
        when the posterior is calibrated (simulation-based calibration's rank, as a share)."""
        below = np.sum(self.weights[self.values[:, j] < truth])
        tie = np.sum(self.weights[self.values[:, j] == truth])
        return float(below + 0.5 * tie)

    def taught(self, j: int) -> float:
        """How much the pilot narrowed input ``j``'s spread: 1 - posterior sd / prior sd."""
        prior_sd = float(np.std(self.prior[:, j]))
        return 1.0 - self.sd(j) / prior_sd if prior_sd > 0 else 0.0

    def shift(self, j: int) -> float:
        """How far the pilot moved input ``j``'s mean, in prior standard deviations."""
        prior_sd = float(np.std(self.prior[:, j]))
        return (self.mean(j) - float(np.mean(self.prior[:, j]))) / prior_sd if prior_sd > 0 else 0.0


def weighted_quantiles(x: np.ndarray, w: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles ``q`` of values ``x`` with weights ``w`` (the weighted empirical distribution,
    interpolated between the midpoints of each value's weight)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order] / w.sum()
    mid = np.cumsum(ws) - 0.5 * ws
    return np.asarray(np.interp(q, mid, xs), dtype=float)


def abc_posterior(
    prior: np.ndarray,
    summaries: np.ndarray,
    observed: np.ndarray,
    paths: Sequence[str],
    bounds: np.ndarray,
    accept: float = ACCEPT,
) -> Posterior:
    """Rejection with an Epanechnikov kernel and linear regression adjustment (see the module
    docstring). ``summaries`` (draws x q) and ``observed`` (q,) may hold nan: a summary the
    real pilot lacks is left out, and so are draws lacking one the real pilot has. ``bounds``
    (inputs x 2) hold the adjusted values inside the prior's range."""
    prior = np.asarray(prior, dtype=float)
    s = np.asarray(summaries, dtype=float)
    obs = np.asarray(observed, dtype=float)
    use = np.isfinite(obs)
    if not use.any():
        raise ValueError("the pilot's data give no summary to learn from")
    s, obs = s[:, use], obs[use]
    ok = np.all(np.isfinite(s), axis=1)
    theta, s = prior[ok], s[ok]
    scale = np.median(np.abs(s - np.median(s, axis=0)), axis=0) * 1.4826
    scale[scale <= 0] = 1.0
    d = np.sqrt((((s - obs) / scale) ** 2).sum(axis=1))
    h = float(np.quantile(d, accept))
    if h <= 0:
        h = float(d[d > 0].min()) if (d > 0).any() else 1.0
    keep = d <= h
    w = 1.0 - (d[keep] / h) ** 2
    w = np.where(w > 0, w, 1e-12)
    x = np.column_stack([np.ones(keep.sum()), s[keep] - obs])
    kept_s = s[keep]

    def adjust(values: np.ndarray) -> np.ndarray:
        """The kept draws of ``values`` (draws x inputs), moved along their regression."""
        sw = np.sqrt(w)
        beta, *_ = np.linalg.lstsq(x * sw[:, None], values * sw[:, None], rcond=None)
        moved = values - (kept_s - obs) @ beta[1:]
        return np.asarray(np.clip(moved, bounds[:, 0], bounds[:, 1]), dtype=float)

    weights = w / w.sum()
    adjusted = adjust(theta[keep])
    # What the same steps do to inputs the pilot cannot inform: the prior's draws shuffled
    # against the summaries, so that any relation left is chance. A pilot far in the tail of
    # the simulated ones makes the regression extrapolate, and chance correlations in the
    # reference table then move such inputs too; an input counts as learnt only beyond this.
    rng = np.random.default_rng(0)
    means, sds = [], []
    for _ in range(NULL_SHUFFLES):
        moved = adjust(theta[rng.permutation(len(theta))][keep])
        m = weights @ moved
        means.append(m - theta.mean(axis=0))
        sds.append(np.sqrt(np.maximum(weights @ (moved - m) ** 2, 0.0)))
    prior_sd = np.where(theta.std(axis=0) > 0, theta.std(axis=0), 1.0)
    narrowed = 1.0 - np.array(sds) / prior_sd
    z = chance_multiple(len(paths))
    return Posterior(
        tuple(paths),
        prior,
        adjusted,
        weights,
        z * np.sqrt(np.mean(np.square(means), axis=0)),
        narrowed.mean(axis=0) + z * narrowed.std(axis=0),
    )


def prior_bounds(dists: Sequence[Dist]) -> np.ndarray:
    """Each distribution's range (its most extreme draws), inputs x 2."""
    u = np.array([1e-12, 1.0 - 1e-12])
    return np.array([d.ppf(u) for d in dists], dtype=float)


def pilot_shape(option: Scenario, coached: Coached) -> tuple[Scenario, Scenario]:
    """The baseline and option the reference table's pilots run: the option's scenario without
    its coach, and with it, both with the real pilot's number and size of teams."""
    team = option.team.model_copy(
        update={"managers": coached.team_count, "reps_per_manager": coached.reps_per_team}
    )
    base = option.model_copy(
        update={"name": f"{option.name}-without-coach", "outside_coach": None, "team": team}
    )
    return base, option.model_copy(update={"team": team})


def summaries(pilots: pd.DataFrame, draws: int) -> np.ndarray:
    """(draws x metrics) of :func:`sim.pilot.design.simulate_pilots` for one design."""
    table = pilots.set_index("draw").reindex(range(draws))
    return table[list(METRICS)].to_numpy(dtype=float)


def _flow(value: object) -> str:
    """A distribution's mapping as one line of YAML flow style."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _interval(x: np.ndarray) -> str:
    return f"{x[0]:.4g} to {x[1]:.4g}"


def learnt(posterior: Posterior, j: int) -> bool:
    """Whether the pilot taught enough about input ``j`` to write its posterior: its spread
    narrowed, or its mean moved, by at least :data:`TAUGHT` of its prior spread and by more than
    chance does to an input the pilot cannot inform (:attr:`Posterior.chance_shift`,
    :attr:`Posterior.chance_narrowing`)."""
    prior_sd = float(np.std(posterior.prior[:, j]))
    if prior_sd <= 0:
        return False
    taught, shift = posterior.taught(j), abs(posterior.shift(j))
    narrowed = taught >= TAUGHT and taught > posterior.chance_narrowing[j]
    moved = shift >= TAUGHT and shift * prior_sd > posterior.chance_shift[j]
    return bool(narrowed or moved)


def uncertain_block(posterior: Posterior, dists: Sequence[Dist]) -> list[str]:
    """The ``uncertain:`` block's lines: each input with its prior and posterior side by side in
    a comment, then the posterior (or the prior, if the pilot taught little about it)."""
    lines = ["uncertain:"]
    q90 = np.array([0.05, 0.95])
    grid = (np.arange(QUANTILES) + 0.5) / QUANTILES
    for j, (path, dist) in enumerate(zip(posterior.paths, dists, strict=True)):
        prior = posterior.prior[:, j]
        before = np.quantile(prior, q90)
        after = posterior.quantiles(j, q90)
        lines.append(
            f"  # {path}: before the pilot mean {np.mean(prior):.4g} (90%: {_interval(before)}); "
            f"after it {posterior.mean(j):.4g} ({_interval(after)}); spread narrowed "
            f"{max(0.0, posterior.taught(j)):.0%}"
        )
        if learnt(posterior, j):
            values = [float(f"{v:.5g}") for v in posterior.quantiles(j, grid)]
            lines.append(f"  {path}: {_flow({'choice': values})}")
        else:
            lines.append("  # no more than chance would do: the prior is kept")
            lines.append(f"  {path}: {_flow(dist.model_dump())}")
    return lines


@dataclass(frozen=True)
class Learning:
    """What ``coachsim learn`` found."""

    option: Scenario
    coached: Coached
    weeks: int
    """The pilot's length: whole working weeks from its start to the export's end."""
    baseline_weeks: int
    observed: np.ndarray
    """The real pilot's summary, one value per metric."""
    teams: pd.DataFrame
    """Each team's outcomes before and during the pilot."""
    design: Design
    reference: np.ndarray
    """(draws x metrics): the simulated pilots' summaries."""
    posterior: Posterior

    @property
    def taught_little(self) -> bool:
        """Whether no input's spread narrowed, nor its mean moved, by :data:`TAUGHT`."""
        return not any(learnt(self.posterior, j) for j in range(len(self.posterior.paths)))


def pilot_weeks(start: date, end: date) -> int:
    """Whole working weeks from ``start`` to ``end``."""
    return int(np.busday_count(np.datetime64(start, "D"), np.datetime64(end, "D"))) // 5


def learn(
    option: Scenario,
    deals: pd.DataFrame,
    history: pd.DataFrame,
    coached: Coached,
    baseline_weeks: int,
    end: date,
    design: Design,
    seed: int,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> Learning:
    """Measure the real pilot, simulate a pilot of its shape in every draw of ``design``, and
    update the uncertain inputs (:func:`abc_posterior`)."""
    weeks = pilot_weeks(coached.start, end)
    observed, teams = observed_summary(deals, history, coached, baseline_weeks, end)
    base, opt = pilot_shape(option, coached)
    plan = Plan(sizes=(len(coached.coached),), lengths=(weeks,), baseline_weeks=baseline_weeks)
    pilots = simulate_pilots(pilot_runs(base, opt, design, plan, seed), executor, progress)
    reference = summaries(pilots, design.draws)
    posterior = abc_posterior(
        design.values, reference, observed, design.paths, prior_bounds(design.dists)
    )
    return Learning(
        option, coached, weeks, baseline_weeks, observed, teams, design, reference, posterior
    )


def findings_lines(result: Learning) -> list[str]:
    """What the pilot showed and taught, in plain words (the terminal and the file's head)."""
    c = result.coached
    shown = "; ".join(
        f"{LABELS[m]} {in_words(m, x)}" for m, x in zip(METRICS, result.observed, strict=True)
    )
    lines = [
        f"The pilot: {len(c.coached)} of {c.team_count} teams coached from {c.start} for "
        f"{result.weeks} weeks, each team against its own {result.baseline_weeks}-week baseline.",
        f"The coached teams' change against the others': {shown}.",
    ]
    p = result.posterior
    moved = [(p.paths[j], p.taught(j), p.shift(j)) for j in range(len(p.paths)) if learnt(p, j)]
    if not moved:
        lines.append(
            "The pilot taught little: no uncertain input's spread narrowed, or its mean moved, "
            "by more than chance would; the business case stands as it was."
        )
        return lines
    moved.sort(key=lambda m: -max(m[1], abs(m[2])))
    for path, taught, shift in moved[:5]:
        j = p.paths.index(path)
        lines.append(
            f"{path}: mean {float(np.mean(p.prior[:, j])):.3g} before, {p.mean(j):.3g} after "
            f"({shift:+.2f} prior sd); spread narrowed {max(0.0, taught):.0%}."
        )
    if len(moved) > 5:
        lines.append(f"... and {len(moved) - 5} more inputs (see the file's comments).")
    return lines


def scenario_text(
    result: Learning, extends: str, export_name: str, ledger_lines: Sequence[str], when: date
) -> str:
    """The posterior scenario: it extends the option's file and replaces its ``uncertain:``
    block with the posterior, with what the pilot showed as the head comment."""
    head = [
        f"# {result.option.name} after its pilot: written by coachsim learn on {when} from "
        f"{export_name}.",
        *(f"# {line}" for line in findings_lines(result)),
        "# Each input below: before and after the pilot side by side; run coachsim compare on",
        "# this file (--uncertainty) for the business case after the pilot.",
        *(f"# {line}" for line in ledger_lines),
        f"extends: {extends}",
        f"name: {result.option.name}_after_pilot",
        f"description: {result.option.name}, its uncertain inputs updated by the pilot's data.",
    ]
    return "\n".join([*head, *uncertain_block(result.posterior, result.design.dists)]) + "\n"


@dataclass(frozen=True)
class PilotData:
    """A real pilot's export as read: its deals and stage history, who was in it, when it
    ended, and what was done with each row (the ledger)."""

    deals: pd.DataFrame
    history: pd.DataFrame
    coached: Coached
    end: date
    """The day after the pilot's last day (the export's latest date, or ``--end``)."""
    ledger: Ledger
    export_name: str
    notes: tuple[str, ...]


def read_pilot(
    opportunities: str,
    history_path: str | None,
    coached_path: str,
    options: Options,
    baseline_weeks: int,
    end: date | None = None,
) -> PilotData:
    """Read a pilot's export as calibrate reads one (:func:`sim.calibration.exports.
    read_export`, the same ledger), and who was in it (:func:`read_coached`). Raises
    :class:`~sim.calibration.reading.ExportError`, one line per problem, when the pilot cannot
    be measured: no week of pilot, too short a baseline, owners that match nobody."""
    coached = read_coached(coached_path, options.encoding)
    ledger = Ledger()
    export = read_export(opportunities, options, ledger)
    shown = export.table.name
    if history_path is not None:
        history: pd.DataFrame | None = read_history(history_path, export, options, ledger)
    else:
        history = hubspot_history(export, options, ledger)
    notes = list(coached.notes)
    if history is None:
        history = pd.DataFrame({"deal": [], "stage": [], "date": pd.to_datetime([])})
        notes.append(
            f"{shown}: no stage history (no --history, no 'Date entered' columns): stage "
            "progress cannot be measured; the pilot is judged by its win rate and bookings"
        )
    deals = export.deals
    # The pilot's last day, and the day after it, where its period ends (exclusive).
    last = end or latest_date(deals, history)
    after = (pd.Timestamp(last) + pd.Timedelta(days=1)).date()
    problems = []
    if pilot_weeks(coached.start, after) < 1:
        problems.append(
            f"{coached_path}: the pilot starts on {coached.start}, less than a week before the "
            f"export ends ({last}); give --end"
        )
    first = deals["created"].min()
    if not pd.isna(first) and pilot_weeks(first.date(), coached.start) < baseline_weeks:
        problems.append(
            f"{shown}: starts on {first.date()}, less than {baseline_weeks} weeks before the "
            f"pilot ({coached.start}); give a shorter --baseline-weeks"
        )
    owners = set(deals["owner"].astype(str))
    missing = sorted(set(coached.teams) - owners)
    if len(missing) == len(coached.teams):
        problems.append(
            f"{coached_path}: none of its owners has a deal in {shown} (owners are matched on "
            "the export's OwnerId)"
        )
    elif missing:
        notes.append(f"{coached_path}: {len(missing)} of its owners have no deal in {shown}")
    if problems:
        raise ExportError(problems)
    return PilotData(deals, history, coached, after, ledger, shown, tuple(notes))
