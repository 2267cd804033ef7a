"""Block draws: sample moments against analytic values, and stable rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.random.draws import (
    DealDraws,
    deal_uniforms,
    deals_from_uniforms,
    lognormal_from_uniform,
    poisson_arrivals,
)
from sim.random.streams import Purpose, UniformBlock, stream


def test_poisson_count_and_gaps_match_theory() -> None:
    rate, horizon = 0.6, 520.0
    counts = []
    gaps = []
    for r in range(300):
        t, extra = poisson_arrivals(stream(1, r, Purpose.REP_LEADS), rate, horizon)
        counts.append(len(t))
        gaps.extend(np.diff(t))
        assert extra.shape == (len(t), 1)
        assert np.all((t >= 0) & (t < horizon))
    mean = rate * horizon
    # mean of 300 Poisson(312) counts: sd of the mean is ~1.02
    assert np.mean(counts) == pytest.approx(mean, abs=4.0)
    assert np.var(counts) == pytest.approx(mean, rel=0.25)
    assert np.mean(gaps) == pytest.approx(1 / rate, rel=0.02)


def test_lognormal_moments() -> None:
    u = np.random.default_rng(3).random(400_000)
    x = lognormal_from_uniform(u, 25_000.0, 0.8)
    assert x.mean() == pytest.approx(25_000.0, rel=0.01)
    assert x.std() / x.mean() == pytest.approx(0.8, rel=0.03)
    assert np.all(lognormal_from_uniform(u[:10], 5.0, 0.0) == 5.0)


def test_rows_do_not_depend_on_how_many_are_drawn() -> None:
    def draws(n: int) -> DealDraws:
        u = deal_uniforms(stream(9, 0, Purpose.REP_DEALS, 3), n, 2)
        return deals_from_uniforms(u, [10.0, 20.0], [0.5, 0.5], 1e4, 0.8)

    a, b = draws(10), draws(50)
    assert np.array_equal(a.durations_days, b.durations_days[:10])
    assert np.array_equal(a.stage_u, b.stage_u[:10])
    assert np.array_equal(a.value_usd, b.value_usd[:10])


def test_streams_are_independent_of_each_other() -> None:
    x = stream(5, 2, Purpose.MEETINGS, 1).random(3)
    stream(5, 2, Purpose.MEETINGS, 0).random(1000)  # drawing elsewhere changes nothing
    assert np.array_equal(x, stream(5, 2, Purpose.MEETINGS, 1).random(3))
    assert not np.array_equal(x, stream(5, 3, Purpose.MEETINGS, 1).random(3))
    assert not np.array_equal(x, stream(6, 2, Purpose.MEETINGS, 1).random(3))


def test_uniform_block_gives_python_floats_in_stream_order() -> None:
    block = UniformBlock((1, 0, Purpose.OUTSIDE_COACHING, 3), size=4)
    got = [block.next() for _ in range(10)]
    assert all(type(u) is float for u in got)
    gen = stream(1, 0, Purpose.OUTSIDE_COACHING, 3)
    expected = np.concatenate([gen.random(4) for _ in range(3)])
    assert got == expected[:10].tolist()
    assert not math.isnan(sum(got))
