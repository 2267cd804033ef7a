"""Scenario discovery against planted boxes, pure noise, and the sentences it writes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.discovery import Box, Discovery, Limit, _peel, prim, sentence, sentences

PAYS = "it pays"


def uniform_draws(seed: int, n: int = 1000, inputs: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(size=(n, inputs)), columns=[f"x{i}" for i in range(inputs)])


def noisy(truth: np.ndarray, seed: int, flip: float = 0.05) -> np.ndarray:
    """``truth`` with a share ``flip`` of its labels turned over."""
    return truth ^ (np.random.default_rng(seed + 10_000).uniform(size=len(truth)) < flip)


def planted(seed: int, n: int = 1000, inputs: int = 6) -> tuple[pd.DataFrame, np.ndarray]:
    """The outcome holds where x0 > 0.6 and x3 < 0.3, 5% of labels flipped: inside the box it
    holds in 95% of draws; the base rate is 0.12 * 0.95 + 0.88 * 0.05 = 0.158, so the box's
    coverage is 0.114 / 0.158 = 0.72 and its mass 0.12."""
    x = uniform_draws(seed, n, inputs)
    return x, noisy((x["x0"].to_numpy() > 0.6) & (x["x3"].to_numpy() < 0.3), seed)


def limits_of(box: Box) -> dict[str, Limit]:
    return {limit.path: limit for limit in box.limits}


def near_planted(box: Box) -> bool:
    limits = limits_of(box)
    if set(limits) != {"x0", "x3"}:
        return False
    x0, x3 = limits["x0"], limits["x3"]
    return (
        x0.high is None
        and x3.low is None
        and x0.low is not None
        and x3.high is not None
        and abs(x0.low - 0.6) < 0.05
        and abs(x3.high - 0.3) < 0.05
    )


def test_a_planted_box_is_found_with_its_limits_and_shares() -> None:
    x, y = planted(1)
    found = prim(x, y)
    assert len(found.stated) == 1
    box = found.stated[0]
    assert near_planted(box), box.limits
    # Measured on the 333 held-out draws: about 40 in the box, 55 where the outcome holds.
    assert box.density == pytest.approx(0.95, abs=0.1)
    assert box.coverage == pytest.approx(0.72, abs=0.15)
    assert box.mass == pytest.approx(0.12, abs=0.04)
    assert not box.in_sample
    assert abs(box.draws - 1000 / 3) <= 1  # a third of each outcome held out
    assert box.p_value < 1e-10
    assert found.why_none == ""


def test_the_planted_box_is_found_in_nearly_every_data_set_and_measured_without_bias() -> None:
    boxes = [prim(*planted(seed), seed=seed).boxes[0] for seed in range(20)]
    assert sum(near_planted(box) for box in boxes) >= 18
    # Found on two thirds and measured on the third: on average the true shares.
    assert np.mean([box.density for box in boxes]) == pytest.approx(0.95, abs=0.03)
    assert np.mean([box.coverage for box in boxes]) == pytest.approx(0.72, abs=0.04)


def test_the_planted_box_is_found_among_thirty_inputs_in_512_draws() -> None:
    x, y = planted(2, n=512, inputs=30)
    (box,) = prim(x, y).stated
    assert set(limits_of(box)) == {"x0", "x3"}


def test_an_outcome_unrelated_to_the_inputs_gives_no_box_worth_stating() -> None:
    x = uniform_draws(3)
    y = np.random.default_rng(4).uniform(size=1000) < 0.4
    found = prim(x, y)
    assert found.stated == ()
    assert len(found.boxes) == 1  # the best box found, to say how close it came
    assert "not clearly more" in found.why_none
    (said,) = sentences(found, PAYS)
    assert said.startswith(
        "No simple condition on one or two inputs tells the cases where it pays from the "
        "others: where x"
    )


def test_noise_gets_a_box_worth_stating_at_most_about_five_times_in_a_hundred() -> None:
    stated = 0
    for seed in range(40):
        y = np.random.default_rng(seed).uniform(size=400) < 0.3
        stated += bool(prim(uniform_draws(seed, 400), y, seed=seed).stated)
    assert stated <= 4


def test_shares_measured_where_the_box_was_found_flatter_it_and_held_out_ones_do_not() -> None:
    held_out: list[float] = []
    in_sample: list[float] = []
    for seed in range(10):
        x = uniform_draws(seed, n=512, inputs=30)
        y = np.random.default_rng(seed).uniform(size=512) < 0.5  # a coin toss
        for holdout, lifts in ((1 / 3, held_out), (0.0, in_sample)):
            box = prim(x, y, holdout=holdout, seed=seed).boxes[0]
            lifts.append(box.density - box.base_rate)
    assert np.mean(in_sample) > 0.15
    assert abs(np.mean(held_out)) < 0.08


def test_a_one_input_threshold_gives_one_limit() -> None:
    x = uniform_draws(5)
    found = prim(x, noisy(x["x1"].to_numpy() < 0.4, 5))
    (box,) = found.stated
    (limit,) = box.limits
    assert limit.path == "x1"
    assert limit.low is None
    assert limit.high == pytest.approx(0.4, abs=0.03)
    assert box.density == pytest.approx(0.95, abs=0.07)  # about 140 held-out draws in the box


def test_an_input_with_three_values_is_cut_between_whole_values() -> None:
    x = uniform_draws(6)
    x["x2"] = np.random.default_rng(7).integers(1, 4, size=1000).astype(float)
    (box,) = prim(x, noisy(x["x2"].to_numpy() == 2, 6)).stated
    assert box.limits == (Limit("x2", 2.0, 3.0),)
    assert "where x2 is at least 2 but below 3;" in sentence(box, PAYS)


def test_two_separate_regions_give_two_boxes() -> None:
    x = uniform_draws(8)
    y = noisy((x["x0"].to_numpy() > 0.8) | (x["x1"].to_numpy() < 0.2), 8)
    first, second = prim(x, y).stated
    by_input = {b.limits[0].path: b.limits for b in (first, second)}
    assert set(by_input) == {"x0", "x1"}
    ((x0,), (x1,)) = by_input["x0"], by_input["x1"]
    assert x0.low == pytest.approx(0.8, abs=0.04)
    assert x0.high is None
    assert x1.high == pytest.approx(0.2, abs=0.04)
    assert x1.low is None


def test_a_looser_copy_of_the_first_box_is_not_stated_as_a_second() -> None:
    for seed in range(5):
        x = uniform_draws(seed)
        y = np.random.default_rng(seed + 1).uniform(size=1000) < x["x0"].to_numpy()
        (box,) = prim(x, y, seed=seed).stated  # covering would find x0 at least ~0.2 next
        assert [limit.path for limit in box.limits] == ["x0"]


def test_max_restricted_caps_the_inputs_a_box_limits() -> None:
    x, y = planted(9)
    found = prim(x, y, max_restricted=1)
    assert found.boxes
    assert all(len(box.limits) == 1 for box in found.boxes)
    assert found.boxes[0].limits[0].path in {"x0", "x3"}


def test_in_sample_shares_are_those_of_the_box_on_all_draws() -> None:
    x, y = planted(10)
    box = prim(x, y, holdout=0).boxes[0]
    assert box.in_sample
    assert box.draws == 1000
    inside = box.contains(x)
    assert box.mass == pytest.approx(inside.mean())
    assert box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(inside[y].mean())


def test_too_few_draws_or_cases_give_no_box_and_say_why() -> None:
    x = uniform_draws(11, n=200)
    few = prim(x.iloc[:40], np.arange(40) % 2 == 0)
    assert few.boxes == ()
    assert few.why_none == "there are only 40 draws, and at least 50 are needed"
    rare = prim(x, np.arange(200) < 3)
    assert rare.why_none == "it holds in only 3 of the 200 draws, and at least 5 are needed"
    common = prim(x, np.arange(200) >= 4)
    assert "fails to hold in only 4 of the 200 draws" in common.why_none
    assert sentences(rare, PAYS) == [
        "No simple condition on one or two inputs tells the cases where it pays from the "
        "others: it holds in only 3 of the 200 draws, and at least 5 are needed."
    ]


def test_the_same_seed_gives_the_same_answer_and_another_seed_another_split() -> None:
    x, y = planted(12)
    assert prim(x, y, seed=3) == prim(x, y, seed=3)
    assert prim(x, y, seed=3).boxes[0].coverage != prim(x, y, seed=4).boxes[0].coverage


def test_bad_arguments_are_refused_in_plain_words() -> None:
    x, y = planted(13, n=100)
    with pytest.raises(ValueError, match="boolean"):
        prim(x, y.astype(float))
    with pytest.raises(ValueError, match="99 values but there are 100 draws"):
        prim(x, y[:99])
    bad = x.copy()
    bad.iloc[0, 0] = math.nan
    with pytest.raises(ValueError, match="finite"):
        prim(bad, y)
    with pytest.raises(ValueError, match="peel"):
        prim(x, y, peel=0.6)


def box_of(*limits: Limit, density: float = 0.95, mass: float = 0.4, coverage: float = 0.46) -> Box:
    return Box(limits, coverage, density, mass, 0.3, 1e-6, 300, in_sample=False)


def test_the_sentence_says_at_least_below_and_the_three_shares() -> None:
    box = box_of(
        Limit("outside_coach.quality", 0.62345, None),
        Limit("skill.initial_stability_days", None, 120.0),
    )
    assert sentence(box, PAYS) == (
        "It pays in 95% of the cases where outside_coach.quality is at least 0.623 and "
        "skill.initial_stability_days is below 120; those are 40% of the plausible cases and "
        "hold 46% of the cases where it pays."
    )


def test_the_sentence_for_a_failure_and_a_limit_on_both_sides() -> None:
    box = box_of(Limit("fee_usd", 12345.0, 40000.0), density=0.714, mass=0.123, coverage=0.8)
    assert sentence(box, "it fails to pay") == (
        "It fails to pay in 71% of the cases where fee_usd is at least 12,345 but below 40,000; "
        "those are 12% of the plausible cases and hold 80% of the cases where it fails to pay."
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [(0.000123456, "0.000123"), (3.14159, "3.14"), (1234.5, "1,230"), (7.0, "7"), (-0.5, "-0.5")],
)
def test_limits_have_three_significant_figures_and_whole_numbers_none(
    value: float, words: str
) -> None:
    assert f"x is at least {words};" in sentence(box_of(Limit("x", value, None)), PAYS)


@pytest.mark.parametrize(
    ("share", "words"), [(0.954, "95%"), (0.996, "over 99%"), (1.0, "100%"), (0.003, "under 1%")]
)
def test_shares_are_whole_percentages_never_rounded_to_all_or_none(
    share: float, words: str
) -> None:
    assert sentence(box_of(Limit("x", 1.5, None), density=share), PAYS).startswith(
        f"It pays in {words} of the cases"
    )


def test_sentences_state_only_boxes_worth_stating() -> None:
    stated = box_of(Limit("x", 0.5, None))
    unclear = Box((Limit("y", None, 0.5),), 0.5, 0.35, 0.4, 0.3, 0.2, 300, in_sample=False)
    assert sentences(Discovery((stated, unclear), 0.3, 900, 2, ""), PAYS) == [
        sentence(stated, PAYS)
    ]
    nothing = Discovery((unclear,), 0.3, 900, 1, "why")
    assert sentences(nothing, PAYS) == [
        "No simple condition on one input tells the cases where it pays from the others: why."
    ]


def plain_peel(
    x: np.ndarray, y: np.ndarray, peel: float, min_count: int
) -> list[tuple[list[float], list[float], int, int]]:
    """One box peeled as the module docstring says, input by input in a loop: the reference
    the batched peel stands in for."""
    n, r = x.shape
    low, high = [-np.inf] * r, [np.inf] * r
    inside = np.ones(n, dtype=bool)
    steps = [(low.copy(), high.copy(), n, int(y.sum()))]
    while inside.sum() >= 2:
        xb, yb, m = x[inside], y[inside], int(inside.sum())
        k = max(1, int(peel * m))
        lows, highs = [], []
        for j in range(r):
            v = xb[:, j]
            values = np.unique(v)
            if len(values) < 2:
                continue
            # Remove as many of the k lowest draws as whole values allow, at least one value.
            fits = [d for d in values[1:] if (v < d).sum() <= k]
            lows.append((j, max(fits) if fits else values[1]))
            fits = [d for d in values[1:] if (v >= d).sum() <= k]
            highs.append((j, min(fits) if fits else values[-1]))
        options = [(j, "low", c, v >= c) for j, c in lows for v in [xb[:, j]]]
        options += [(j, "high", c, v < c) for j, c in highs for v in [xb[:, j]]]
        options.sort(key=lambda o: (o[1] == "high", o[0]))  # lows first, as the batch orders
        best, best_share = None, -np.inf
        for j, side, cut, keep in options:
            if min_count <= keep.sum() < m and yb[keep].mean() > best_share:
                best, best_share = (j, side, cut, keep), yb[keep].mean()
        if best is None:
            break
        j, side, cut, keep = best
        (low if side == "low" else high)[j] = cut
        inside[np.flatnonzero(inside)] = keep
        steps.append((low.copy(), high.copy(), int(inside.sum()), int(y[inside].sum())))
    return steps


def test_the_batched_peel_leaves_each_box_as_a_plain_peel_does() -> None:
    rng = np.random.default_rng(14)
    x = np.column_stack(
        [rng.uniform(size=300), rng.integers(0, 3, 300), rng.uniform(size=300).round(1)]
    ).astype(float)
    y = noisy((x[:, 0] > 0.5) & (x[:, 1] >= 1), 14, flip=0.1)
    columns = np.array([[0, 1], [1, 2], [2, 0]])
    batch = _peel(x, y, columns, 0.05, 15)
    for b, cols in enumerate(columns):
        plain = plain_peel(x[:, cols], y, 0.05, 15)
        assert len(plain) > 10
        for step, (low, high, count, hits) in enumerate(plain):
            assert batch.low[step, b].tolist() == low
            assert batch.high[step, b].tolist() == high
            assert (batch.count[step, b], batch.hits[step, b]) == (count, hits)
        # A box that can peel no more stays as it is to the batch's last step.
        assert (batch.count[len(plain) - 1 :, b] == plain[-1][2]).all()


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(50, 300),
    inputs=st.integers(1, 4),
    rate=st.floats(0.05, 0.95),
    max_restricted=st.integers(1, 3),
)
@settings(max_examples=40, deadline=None)
def test_any_answer_keeps_its_promises(
    seed: int, n: int, inputs: int, rate: float, max_restricted: int
) -> None:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, inputs)), columns=[f"in.put{i}" for i in range(inputs)])
    x["few"] = rng.integers(0, 3, n).astype(float)
    y = rng.uniform(size=n) < rate * (0.5 + x["in.put0"].to_numpy())
    found = prim(x, y, max_restricted=max_restricted, seed=seed)
    assert len(found.boxes) <= 2
    assert (found.why_none == "") == bool(found.stated)
    for box in found.boxes:
        assert 1 <= len(box.limits) <= max_restricted
        assert len({limit.path for limit in box.limits}) == len(box.limits)
        for limit in box.limits:
            assert limit.low is not None or limit.high is not None
            if limit.low is not None and limit.high is not None:
                assert limit.low < limit.high
        for share in (box.coverage, box.mass):
            assert 0.0 <= share <= 1.0
        assert math.isnan(box.density) or 0.0 <= box.density <= 1.0
        assert box.worth_stating == (box.p_value < 0.05)
    assert found.boxes[:-1] == found.stated[: len(found.boxes) - 1]  # only the last may fail


def test_what_must_be_true_names_the_condition_under_which_a_mostly_paying_option_fails() -> None:
    """sim.experiment.findings.what_must_be_true: the less common outcome, in sentences. An
    option that pays unless quality is low: the sentence says it fails where quality is below
    the planted edge; the same draws with the sign turned say where it pays."""
    from sim.experiment.findings import what_must_be_true

    rng = np.random.default_rng(5)
    inputs = pd.DataFrame(
        {
            "outside_coach.quality": rng.uniform(0.4, 0.9, 600),
            "skill.ceiling": rng.uniform(0, 1, 600),
        }
    )
    npv = np.where(inputs["outside_coach.quality"] < 0.5, -1.0, 1.0) * rng.uniform(0.5, 2.0, 600)
    (line,) = what_must_be_true(inputs, npv)
    assert line.startswith("It fails to pay in ")
    assert "outside_coach.quality is below 0.5" in line
    assert "skill.ceiling" not in line
    (turned,) = what_must_be_true(inputs, -npv)
    assert turned.startswith("It pays in ")
    assert what_must_be_true(inputs, np.abs(npv)) == ("It pays in all 600 worlds drawn.",)
    assert what_must_be_true(inputs, -np.abs(npv)) == ("It fails to pay in all 600 worlds drawn.",)
    rare = what_must_be_true(inputs, np.abs(npv) + (np.arange(600) < 3) * -10.0)
    assert rare == (
        "It fails to pay in only 3 of the 600 worlds drawn: too few to say what must be true "
        "for that.",
    )
