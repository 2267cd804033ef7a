"""Two-level runs: draws of the uncertain inputs, paired replications within each draw.

Draw ``d`` of a design sets every uncertain input to its value in that draw (one fact about the
world, the same in every scenario of the comparison), and runs replications ``d*k`` to
``(d+1)*k - 1`` of each scenario on common random numbers, so within a draw the scenarios differ
only by what they do, and between draws only by what we do not know. Each draw is one batch of the
:class:`~sim.experiment.batches.Engine` on any executor, so a run is the same serially, on
processes or on Dask, and resumes like any other. :mod:`sim.experiment.findings` turns the
per-replication metrics into what a decision needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from sim.experiment.batches import Engine
from sim.experiment.executors import Executor
from sim.scenario import Scenario, semantic_problems
from sim.scenario.checks import CALIBRATED, OVERFULL_WEEK
from sim.scenario.designs import Design, make_design, make_sobol_design
from sim.scenario.uncertain import DISTRIBUTION, comparison_block, is_whole_path

DEFAULT_DRAWS = 512
"""Draws when a scenario has an ``uncertain:`` block and no number is given."""
DEFAULT_REPS_PER_DRAW = 2
"""Replications per draw when none is given: the fewest that still separate luck from what
we do not know (the variance split needs two)."""


class PlanError(ValueError):
    """The uncertain inputs cannot be run as given: one line per problem."""


def plan(
    scenarios: Sequence[Scenario], draws: int, reps_per_draw: int, seed: int, sobol_n: int = 0
) -> tuple[Design, list[str]]:
    """The design of a comparison's uncertain inputs, and notes for the user (what
    ``uncertain: defaults`` left out); with ``sobol_n``, a Saltelli design of that base size
    (``draws`` is then ignored). Raises :class:`PlanError` when the scenarios disagree about an
    input or have none."""
    block = comparison_block(scenarios)
    if block.problems:
        raise PlanError("\n".join(block.problems))
    if not block.inputs:
        raise PlanError(
            "--uncertainty: the scenarios have no uncertain inputs; add an uncertain: block "
            "(or uncertain: defaults) to a scenario file, or leave out --uncertainty"
        )
    if sobol_n:
        if sobol_n < 8 or sobol_n & (sobol_n - 1):
            raise PlanError("--sobol: a power of two, at least 8 (64 or more for usable indices)")
        if block.correlated:
            raise PlanError(
                "--sobol needs independent inputs: leave out correlated: (Sobol indices of "
                "correlated inputs do not add up to a variance split)"
            )
        design = make_sobol_design(block.inputs, sobol_n, reps_per_draw, seed)
    elif draws < 2:
        raise PlanError("--uncertainty: at least 2 draws (512 is a good start)")
    else:
        try:
            design = make_design(block.inputs, draws, reps_per_draw, seed, block.correlated)
        except ValueError as exc:
            raise PlanError(f"correlated: {exc}") from None
    problems, notes = draw_problems(design, scenarios)
    if problems:
        raise PlanError("\n".join(problems))
    return design, block.notes + notes


def draw_problems(design: Design, scenarios: Sequence[Scenario]) -> tuple[list[str], list[str]]:
    """Problems of the drawn scenarios (one line each, the first draw showing it) and notes.

    Every draw gets the checks of a scenario file but two: a week too full for coaching is a
    world the model runs (the managers then have no time to coach), so it is counted in a note;
    and the ability spread's solve, which takes about 0.1 s a value, is checked at the draws with
    the smallest and largest value of each input it depends on."""
    problems: dict[str, str] = {}
    overfull = 0
    extremes: set[int] = set()
    for j, path in enumerate(design.paths):
        if path.startswith(CALIBRATED):
            extremes |= {int(design.values[:, j].argmin()), int(design.values[:, j].argmax())}
    for d in range(design.draws):
        drawn = design.scenarios(scenarios, d)
        full = False
        for s in drawn:
            for loc, msg in semantic_problems(s, spread=d in extremes):
                if loc == OVERFULL_WEEK:
                    full = True
                    continue
                field = ".".join(str(x) for x in loc)
                if field not in problems:
                    values = ", ".join(f"{p}={v:.4g}" for p, v in design.draw(d).items())
                    problems[field] = (
                        f"uncertain: draw {d} ({values}) makes {s.name} impossible: {field}: "
                        f"{msg}; narrow the distributions"
                    )
        overfull += full
    notes = []
    if not design.shared_seeds:
        for j, path in enumerate(design.paths):
            if is_whole_path(path):
                low, high = design.values[:, j].min(), design.values[:, j].max()
                notes.append(
                    f"{path} is a whole number: each draw of it is rounded to the nearest "
                    f"({low:g} to {high:g} in these draws)"
                )
    if overfull:
        notes.append(
            f"in {overfull} of {design.draws} draws the managers' week is too full for "
            "any coaching; those worlds are run as they are"
        )
    return list(problems.values()), notes


def design_record(design: Design) -> dict[str, object]:
    """What a run's record keeps of its design, to rebuild it on --resume."""
    inputs = {p: d.model_dump() for p, d in zip(design.paths, design.dists, strict=True)}
    return {
        "draws": design.draws,
        "reps_per_draw": design.reps_per_draw,
        "inputs": inputs,
        "sobol_n": design.sobol_n,
        "correlated": [[a, b, rho] for (a, b), rho in sorted(design.correlated.items())],
    }


def design_from_record(record: dict[str, object], seed: int) -> Design:
    """The design a run's record describes (the same draws: they depend on the seed alone)."""
    inputs = {p: DISTRIBUTION.validate_python(d) for p, d in record["inputs"].items()}  # type: ignore[attr-defined]
    reps = int(record["reps_per_draw"])  # type: ignore[call-overload]
    if record.get("sobol_n"):
        return make_sobol_design(inputs, int(record["sobol_n"]), reps, seed)  # type: ignore[call-overload]
    pairs = {(a, b): float(rho) for a, b, rho in record.get("correlated") or []}  # type: ignore[attr-defined]
    return make_design(inputs, int(record["draws"]), reps, seed, pairs)  # type: ignore[call-overload]


def draw_table(engine: Engine) -> pd.DataFrame:
    """One row per (draw, replication, alternative) of an engine run on a design: the paired
    metrics against the baseline, with the draw's input values."""
    design = engine.design
    assert design is not None
    table = pd.concat(engine.per_rep, ignore_index=True)
    draw = table["replication"].to_numpy() // design.reps_per_draw
    table.insert(0, "draw", draw)
    for j, p in enumerate(design.paths):
        table[p] = design.values[draw, j]
    return table


def run_uncertain(
    scenarios: Sequence[Scenario],
    design: Design,
    seed: int,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Run every draw of ``design`` (each one task of the executor) and return
    :func:`draw_table`."""
    engine = Engine(scenarios, seed, keep_weekly=False, design=design)
    engine.run(design.draws * design.reps_per_draw, executor, progress)
    return draw_table(engine)
