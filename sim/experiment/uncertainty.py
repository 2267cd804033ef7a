"""Two-level runs: draws of the uncertain inputs, paired replications within each draw.

Draw ``d`` of a design sets every uncertain input to its value in that draw (one fact about the
world, the same in every scenario of the comparison), and runs replications ``d*k`` to
``(d+1)*k - 1`` of each scenario on common random numbers, so within a draw the scenarios differ
only by what they do, and between draws only by what we do not know. Each draw is one task of
:func:`sim.experiment.batches.run_batch` on any executor, so a run is the same serially, on
processes or on Dask. :func:`analyse` turns the per-replication metrics into what a decision
needs (:mod:`sim.analysis.voi`).

Not yet wired to the command line or the report (issue 13).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis import economics as eco
from sim.analysis.paired import replication_metrics
from sim.analysis.voi import (
    VarianceSplit,
    acceptability,
    break_even,
    evpi,
    evppi,
    variance_split,
)
from sim.experiment.batches import BatchResult, BatchSpec, run_batch
from sim.experiment.executors import Executor, SerialExecutor
from sim.scenario import Scenario
from sim.scenario.uncertain import Dist, apply_draw, unit_design


@dataclass(frozen=True)
class Design:
    """The values of the uncertain inputs, draw by draw."""

    paths: tuple[str, ...]
    values: np.ndarray
    """(draws x paths)."""
    reps_per_draw: int

    @property
    def draws(self) -> int:
        """Number of draws."""
        return int(self.values.shape[0])

    def draw(self, d: int) -> dict[str, float]:
        """Draw ``d``'s value of each input."""
        return {p: float(v) for p, v in zip(self.paths, self.values[d], strict=True)}


def make_design(block: dict[str, Dist], draws: int, reps_per_draw: int, seed: int) -> Design:
    """``draws`` draws of ``block`` from a scrambled Sobol design seeded by ``seed``."""
    paths = tuple(sorted(block))
    u = unit_design(draws, max(1, len(paths)), seed)
    values = np.column_stack([block[p].ppf(u[:, i]) for i, p in enumerate(paths)])
    return Design(paths, values.reshape(draws, len(paths)), reps_per_draw)


def run_uncertain(
    scenarios: Sequence[Scenario],
    design: Design,
    seed: int,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """One row per (draw, replication, alternative): the paired metrics of each of
    ``scenarios[1:]`` against ``scenarios[0]``, with the draw's input values."""
    k = design.reps_per_draw
    specs = [
        BatchSpec(
            tuple(apply_draw(s, design.draw(d)) for s in scenarios),
            seed,
            range(d * k, (d + 1) * k),
        )
        for d in range(design.draws)
    ]
    results: dict[int, BatchResult] = {}
    ex = executor or SerialExecutor()
    for task, result in ex.run(run_batch, specs):
        results[task] = result
        if progress is not None:
            progress(len(results))
    rows = []
    for d in range(design.draws):
        base, *alts = results[d]
        s0 = specs[d].scenarios[0]
        for s, alt in zip(specs[d].scenarios[1:], alts, strict=True):
            m = replication_metrics(
                s.name or "scenario", base, alt, s0.weeks, s0.money.annual_discount_rate
            )
            m.insert(0, "draw", d)
            m["replication"] = list(specs[d].reps)
            m["fees_pv"] = _fees_pv(base[0], alt[0], s0.money.annual_discount_rate)
            for p, v in design.draw(d).items():
                m[p] = v
            rows.append(m)
    return pd.concat(rows, ignore_index=True)


def _fees_pv(base: pd.DataFrame, alt: pd.DataFrame, rate: float) -> list[float]:
    """Per replication, the present value of the outside coach's extra fees (alt - base)."""
    fees = []
    for (_, a), (_, b) in zip(alt.groupby("replication"), base.groupby("replication"), strict=True):
        diff = a.sort_values("week")["outside_fees_usd"].to_numpy(dtype=float) - b.sort_values(
            "week"
        )["outside_fees_usd"].to_numpy(dtype=float)
        fees.append(eco.npv(diff, rate))
    return fees


def _by_draw(table: pd.DataFrame, alternative: str, column: str) -> np.ndarray:
    """(draws x replications) of one column for ``alternative``."""
    rows = table[table["scenario"] == alternative]
    return np.stack(
        [
            g.sort_values("replication")[column].to_numpy(dtype=float)
            for _, g in rows.groupby("draw")
        ]
    )


def acceptability_curve(
    table: pd.DataFrame, alternative: str, fee: float, fees: Sequence[float]
) -> pd.DataFrame:
    """P(NPV > 0) (expected over luck) and expected NPV of ``alternative`` at each of ``fees``
    per hour, the runs having been made at ``fee`` (re-costed, not re-run)."""
    probs, means = acceptability(
        _by_draw(table, alternative, "npv"),
        _by_draw(table, alternative, "fees_pv"),
        fee,
        np.asarray(fees, dtype=float),
    )
    return pd.DataFrame({"fee_per_hour_usd": list(fees), "prob_npv_positive": probs, "npv": means})


def break_evens(
    table: pd.DataFrame, alternative: str, paths: Sequence[str]
) -> dict[str, float | None]:
    """Per uncertain input, where the expected NPV given it crosses zero (None: nowhere in the
    range drawn), the other inputs varying over their ranges (:func:`sim.analysis.voi.
    break_even`)."""
    rows = table[table["scenario"] == alternative].groupby("draw")
    net = rows["npv"].mean().to_numpy(dtype=float)
    params = rows[list(paths)].first()
    return {p: break_even(net, params[p].to_numpy(dtype=float)) for p in paths}


@dataclass(frozen=True)
class Findings:
    """What the draws say about one alternative against the baseline."""

    expected_npv: float
    prob_npv_positive_expected: float
    """Share of draws whose NPV, averaged over luck, is positive."""
    prob_npv_positive_one_team: float
    """Share of all (draw, replication) runs with a positive NPV: one team's chance."""
    evpi: float
    evppi: dict[str, float]
    variance: VarianceSplit


def analyse(table: pd.DataFrame, alternative: str, paths: Sequence[str]) -> Findings:
    """The findings for ``alternative`` (adopt it or keep the baseline, net benefit = NPV)."""
    rows = table[table["scenario"] == alternative]
    by_draw = rows.groupby("draw")
    mean_npv = by_draw["npv"].mean().to_numpy(dtype=float)
    net = np.column_stack([np.zeros_like(mean_npv), mean_npv])
    params = by_draw[list(paths)].first()
    npv = _by_draw(table, alternative, "npv")
    return Findings(
        expected_npv=float(mean_npv.mean()),
        prob_npv_positive_expected=float((mean_npv > 0).mean()),
        prob_npv_positive_one_team=float((rows["npv"] > 0).mean()),
        evpi=evpi(net),
        evppi={p: evppi(net, params[p].to_numpy(dtype=float)) for p in paths},
        variance=variance_split(npv),
    )
