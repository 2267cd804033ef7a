"""Distributions of uncertain inputs: quantiles as scipy.stats defines them, bad specs refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy import stats

from sim.scenario import Scenario
from sim.scenario.designs import iman_conover, make_design, unit_design
from sim.scenario.evidence import evidence
from sim.scenario.uncertain import (
    DISTRIBUTION,
    apply_draw,
    check_block,
    defaults_block,
    field_bounds,
    from_evidence,
)

U = np.linspace(0.01, 0.99, 99)


@pytest.mark.parametrize(
    ("spec", "frozen"),
    [
        ({"uniform": [2, 5]}, stats.uniform(2, 3)),
        ({"triangular": [1, 2, 5]}, stats.triang(0.25, loc=1, scale=4)),
        ({"normal": {"mean": 3, "sd": 2}}, stats.norm(3, 2)),
        ({"beta": {"mean": 0.8, "sd": 0.1}}, stats.beta(12, 3)),
        ({"range": [-1, 3]}, stats.norm(1, 2 / stats.norm.ppf(0.95))),
    ],
)
def test_quantiles_are_scipys(spec: dict[str, object], frozen: object) -> None:
    dist = DISTRIBUTION.validate_python(spec)
    assert dist.ppf(U) == pytest.approx(frozen.ppf(U), rel=1e-9, abs=1e-12)  # type: ignore[attr-defined]


def test_lognormal_has_the_mean_and_sd_asked_for() -> None:
    dist = DISTRIBUTION.validate_python({"lognormal": {"mean": 10, "sd": 4}})
    x = dist.ppf(np.random.default_rng(0).uniform(size=400_000))
    assert x.mean() == pytest.approx(10, rel=0.01)
    assert x.std() == pytest.approx(4, rel=0.02)


def test_a_positive_range_is_a_lognormal_90_percent_interval() -> None:
    dist = DISTRIBUTION.validate_python({"range": [3, 8]})
    assert dist.ppf(np.array([0.05, 0.95])) == pytest.approx([3, 8])
    assert dist.ppf(np.array([0.5]))[0] == pytest.approx(np.sqrt(24))


def test_choice_takes_each_value_equally_often() -> None:
    dist = DISTRIBUTION.validate_python({"choice": [1, 2, 4]})
    values = dist.ppf((np.arange(3000) + 0.5) / 3000)
    assert sorted(set(values.tolist())) == [1.0, 2.0, 4.0]
    assert np.bincount(values.astype(int))[[1, 2, 4]].tolist() == [1000, 1000, 1000]


@pytest.mark.parametrize(
    "spec",
    [
        {"uniform": [5, 2]},
        {"triangular": [1, 6, 5]},
        {"beta": {"mean": 0.5, "sd": 0.6}},
        {"lognormal": {"mean": -1, "sd": 1}},
        {"normal": {"mean": 1, "sd": 0}},
        {"range": [4, 4]},
        {"poisson": [3]},
        {"uniform": [1, 2], "normal": {"mean": 1, "sd": 1}},
    ],
)
def test_bad_distributions_are_refused(spec: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DISTRIBUTION.validate_python(spec)


def test_every_evidence_range_gives_a_default_distribution() -> None:
    for path, e in evidence().items():
        d = from_evidence(path)
        assert d.ppf(np.array([0.0, 1.0])) == pytest.approx([e.low, e.high])


def test_the_design_is_reproducible_and_balanced() -> None:
    a, b = unit_design(256, 3, seed=5), unit_design(256, 3, seed=5)
    assert (a == b).all()
    assert not (a == unit_design(256, 3, seed=6)).all()
    assert ((a > 0) & (a < 1)).all()
    # Each column is close to uniform: every eighth of (0, 1) holds 32 of the 256 points.
    for column in a.T:
        assert np.histogram(column, bins=8, range=(0, 1))[0].tolist() == [32] * 8


def test_paths_resolve_to_numeric_fields_and_their_bounds() -> None:
    assert field_bounds("skill.improvement") == (0.0, 20.0)
    assert field_bounds("stages[1].base_conversion") == pytest.approx((1e-4, 1 - 1e-4))
    for bad, why in (
        ("skill", "section.field"),
        ("nope.x", "no section"),
        ("skill.nope", "no field"),
        ("coaching.style", "not a number"),
    ):
        with pytest.raises(KeyError, match=why):
            field_bounds(bad)


def test_check_block_names_each_problem() -> None:
    s = Scenario(training=[{"gain": 0.2}])
    block = {
        "skill.improvement": DISTRIBUTION.validate_python({"triangular": [0.2, 0.5, 1.0]}),
        "training.gain": DISTRIBUTION.validate_python({"uniform": [0.1, 0.3]}),
        "managers.trained_share": DISTRIBUTION.validate_python({"normal": {"mean": 0.5, "sd": 1}}),
        "outside_coach.quality": DISTRIBUTION.validate_python({"uniform": [0.5, 1.0]}),
        "stages[9].base_conversion": DISTRIBUTION.validate_python({"uniform": [0.4, 0.5]}),
        "skill.nope": DISTRIBUTION.validate_python({"uniform": [0.4, 0.5]}),
    }
    problems = dict(check_block(block, s))
    assert set(problems) == {
        "managers.trained_share",
        "outside_coach.quality",
        "stages[9].base_conversion",
        "skill.nope",
    }
    assert "outside [0, 1]" in problems["managers.trained_share"]
    assert "nothing uses it" in problems["outside_coach.quality"]


def test_apply_draw_sets_every_item_or_one_and_clips_to_bounds() -> None:
    s = Scenario(training=[{"gain": 0.2}, {"gain": 0.3, "start_week": 20}])
    out = apply_draw(
        s,
        {
            "training.gain": 0.25,
            "stages[0].base_conversion": 0.5,
            "managers.trained_share": 1.7,
            "team.managers": 3.6,
        },
    )
    assert [t.gain for t in out.training] == [0.25, 0.25]
    assert [st.base_conversion for st in out.stages][:2] == [0.5, 0.7]
    assert out.managers.trained_share == 1.0
    assert out.team.managers == 4


def test_the_default_block_covers_what_the_scenario_uses_and_passes_its_own_checks() -> None:
    plain = defaults_block(Scenario())
    assert "skill.improvement" in plain
    assert "outside_coach.quality" not in plain  # no outside coach
    assert "training.gain" not in plain  # no training
    assert "stages.base_conversion" not in plain
    full = Scenario(training=[{}], outside_coach={"hours_per_week": 10})
    block = defaults_block(full)
    assert {"outside_coach.quality", "training.gain"} <= set(block)
    assert check_block(block, full) == []


def test_an_input_of_a_section_the_scenario_lacks_leaves_it_unchanged() -> None:
    s = Scenario()
    assert apply_draw(s, {"outside_coach.quality": 0.7, "training.gain": 0.2}) == s


def test_apply_draw_clips_to_exclusive_bounds_from_inside() -> None:
    out = apply_draw(Scenario(), {"team.top20_revenue_share": 5.0, "money.gross_margin": -1.0})
    assert out.team.top20_revenue_share < 0.99
    assert out.money.gross_margin > 0.0


def test_iman_conover_gives_the_rank_correlations_and_keeps_every_value() -> None:
    block = {
        "a": DISTRIBUTION.validate_python({"uniform": [0, 1]}),
        "b": DISTRIBUTION.validate_python({"beta": {"mean": 0.7, "sd": 0.1}}),
        "c": DISTRIBUTION.validate_python({"triangular": [0, 1, 5]}),
    }
    plain = make_design(block, 512, 2, seed=1)
    tied = make_design(block, 512, 2, seed=1, correlated={("a", "b"): 0.6, ("b", "c"): -0.3})
    ranks = pd.DataFrame(tied.values).corr(method="spearman").to_numpy()
    assert ranks[0, 1] == pytest.approx(0.6, abs=0.05)
    assert ranks[1, 2] == pytest.approx(-0.3, abs=0.05)
    assert ranks[0, 2] == pytest.approx(0.0, abs=0.08)
    for j in range(3):  # the same values, in another order: the marginals are untouched
        assert np.array_equal(np.sort(plain.values[:, j]), np.sort(tied.values[:, j]))
    again = make_design(block, 512, 2, seed=1, correlated={("a", "b"): 0.6, ("b", "c"): -0.3})
    assert np.array_equal(tied.values, again.values)


def test_correlations_no_joint_distribution_has_are_refused() -> None:
    u = np.random.default_rng(0).random((64, 3))
    impossible = np.array([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]])
    with pytest.raises(ValueError, match="cannot hold together"):
        iman_conover(u, impossible, seed=0)


_MAGNITUDE = st.floats(min_value=-1e13, max_value=1e13, allow_nan=False) | st.sampled_from(
    [0.0, 1e-300, -1e-300, 1e-12, 1e12, 1.0, 0.5]
)
_POSITIVE = st.floats(min_value=1e-320, max_value=1e13, allow_nan=False)


@given(
    kind=st.sampled_from(["normal", "lognormal", "beta", "range", "uniform", "triangular"]),
    a=_MAGNITUDE,
    b=_POSITIVE,
    c=_MAGNITUDE,
)
@settings(max_examples=400, deadline=None)
def test_a_distribution_that_validates_draws_finite_numbers(
    kind: str, a: float, b: float, c: float
) -> None:
    """Whatever parameters validate, every uniform a design may draw (clipped to 1e-12 from
    either end) gives a finite value; the rest are refused with a ValidationError, never
    another exception."""
    spec: dict[str, object] = {
        "normal": {"normal": {"mean": a, "sd": b}},
        "lognormal": {"lognormal": {"mean": abs(a), "sd": b}},
        "beta": {"beta": {"mean": abs(a) % 1.0, "sd": b}},
        "range": {"range": sorted([a, c])},
        "uniform": {"uniform": sorted([a, c])},
        "triangular": {"triangular": sorted([a, b, c])},
    }[kind]
    try:
        dist = DISTRIBUTION.validate_python(spec)
    except ValidationError:
        return
    u = np.array([1e-12, 1e-6, 0.001, 0.5, 0.999, 1 - 1e-6, 1 - 1e-12])
    with np.errstate(all="raise", under="ignore"):
        x = dist.ppf(u)
    assert np.all(np.isfinite(x)), (spec, x)
