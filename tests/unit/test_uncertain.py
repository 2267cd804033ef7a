"""Distributions of uncertain inputs: quantiles as scipy.stats defines them, bad specs refused."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from sim.scenario.evidence import evidence
from sim.scenario.uncertain import DISTRIBUTION, from_evidence, unit_design

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
