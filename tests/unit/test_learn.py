"""Learning from a pilot (sim.pilot.learn): the regression-adjusted ABC held to a conjugate
normal model, the weighted quantiles, and who-was-in-the-pilot files as people write them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.calibration.reading import ExportError
from sim.pilot.learn import abc_posterior, read_coached, weighted_quantiles


def test_abc_recovers_the_conjugate_normal_posterior() -> None:
    """Theta ~ N(0, 1), the pilot shows theta + N(0, 0.5^2) and 1.0 was seen: the posterior is
    N(0.8, 0.2). An input the pilot does not see keeps its prior."""
    rng = np.random.default_rng(1)
    n = 20_000
    theta = rng.normal(0.0, 1.0, n)
    blind = rng.uniform(0.0, 1.0, n)
    s = theta + rng.normal(0.0, 0.5, n)
    summaries = np.column_stack([s, np.full(n, np.nan)])  # a second summary nobody measured
    prior = np.column_stack([theta, blind])
    bounds = np.array([[-np.inf, np.inf], [0.0, 1.0]])
    post = abc_posterior(prior, summaries, np.array([1.0, np.nan]), ["theta", "blind"], bounds)
    assert post.mean(0) == pytest.approx(0.8, abs=0.03)
    assert post.sd(0) == pytest.approx(np.sqrt(0.2), rel=0.08)
    assert post.mean(1) == pytest.approx(0.5, abs=0.02)
    assert post.taught(1) == pytest.approx(0.0, abs=0.05)
    low, high = post.quantiles(0, np.array([0.05, 0.95]))
    assert low == pytest.approx(0.8 - 1.645 * np.sqrt(0.2), abs=0.06)
    assert high == pytest.approx(0.8 + 1.645 * np.sqrt(0.2), abs=0.06)
    assert post.pit(0, 0.8) == pytest.approx(0.5, abs=0.03)


def test_abc_refuses_a_pilot_with_nothing_measured() -> None:
    with pytest.raises(ValueError, match="no summary"):
        abc_posterior(
            np.zeros((5, 1)), np.zeros((5, 1)), np.array([np.nan]), ["x"], np.array([[0, 1]])
        )


def test_weighted_quantiles_of_equal_weights_are_the_midpoint_quantiles() -> None:
    x = np.array([3.0, 1.0, 2.0, 4.0])
    q = weighted_quantiles(x, np.ones(4), np.array([0.125, 0.5, 0.875]))
    np.testing.assert_allclose(q, [1.0, 2.5, 4.0])
    heavy = weighted_quantiles(x, np.array([1.0, 1.0, 1.0, 97.0]), np.array([0.5]))
    # The midpoints of the weights are 0.025 (value 3) and 0.515 (value 4): the median lies
    # between them, nearly at 4.
    assert heavy[0] == pytest.approx(3.0 + (0.5 - 0.025) / (0.515 - 0.025))


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "coached.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_who_was_in_the_pilot_is_read_with_any_usual_header(tmp_path: Path) -> None:
    text = (
        "\ufeffOwnerId,Manager,Pilot_Start\n"
        "r1,Ana,2024-03-04\nr2,Ana,2024-03-04\nr3,Bo,\nr4,Bo,\nr5,Cy,2024-03-11\n"
    )
    c = read_coached(_file(tmp_path, text))
    assert c.teams == {"r1": "Ana", "r2": "Ana", "r3": "Bo", "r4": "Bo", "r5": "Cy"}
    assert c.coached == {"Ana", "Cy"}
    assert str(c.start) == "2024-03-04"
    assert c.team_count == 3
    assert c.reps_per_team == 2
    assert "started on 2 dates" in c.notes[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("owner,team\nr1,A\n", "coached.csv:1: no coached_from column"),
        ("owner,team,coached_from\nr1,A,4 March\nr2,B,\n", "coached.csv:2: coached_from '4 March'"),
        (
            "owner,team,coached_from\nr1,A,2024-03-04\nr1,B,\n",
            "coached.csv:3: owner r1 is in team A",
        ),
        ("owner,team,coached_from\nr1,,2024-03-04\nr2,B,\n", "coached.csv:2: an owner and a team"),
        ("owner,team,coached_from\nr1,A,2024-03-04\nr2,B,2024-03-04\n", "every team was coached"),
        ("owner,team,coached_from\nr1,A,\nr2,B,\n", "no team has a coached_from date"),
        (
            "owner,team,coached_from\nr1,A,2024-03-04\nr2,A,2024-03-11\nr3,B,\n",
            "coached.csv:3: team A starts on 2024-03-04 and on 2024-03-11",
        ),
    ],
)
def test_a_bad_pilot_file_is_one_line_per_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ExportError) as err:
        read_coached(_file(tmp_path, text))
    assert any(message in line for line in err.value.problems), err.value.problems


def test_only_what_the_pilot_informs_counts_as_learnt_even_from_the_tail() -> None:
    """A pilot far in the tail makes the regression extrapolate chance correlations: twenty
    inputs the pilot cannot see are never called learnt (a family-wise yardstick from the prior
    shuffled against the summaries), the one it sees is."""
    from sim.pilot.learn import learnt

    rng = np.random.default_rng(21)
    n = 512
    theta = rng.normal(0.0, 1.0, n)
    blind = rng.uniform(0.0, 1.0, (n, 20))
    s = theta + rng.normal(0.0, 0.3, n)
    prior = np.column_stack([theta, blind])
    bounds = np.array([[-np.inf, np.inf]] + [[0.0, 1.0]] * 20)
    paths = ["theta", *(f"blind{i}" for i in range(20))]
    for seen in (2.5, 3.5, -3.0):
        post = abc_posterior(prior, s[:, None], np.array([seen]), paths, bounds)
        assert learnt(post, 0)
        assert not any(learnt(post, j) for j in range(1, 21)), seen


def test_who_was_in_the_pilot_is_read_in_the_encodings_and_delimiters_exports_come_in(
    tmp_path: Path,
) -> None:
    """A Spanish spreadsheet's save: Windows-1252, semicolons, accented team names."""
    path = tmp_path / "equipos.csv"
    text = "OwnerId;Manager;Coached_From\r\nr1;Núñez;2024-03-04\r\nr2;Peña;\r\n"
    path.write_bytes(text.encode("cp1252"))
    c = read_coached(str(path))
    assert c.teams == {"r1": "Núñez", "r2": "Peña"}
    assert c.coached == {"Núñez"}
