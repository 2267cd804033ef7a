"""The figure builders of the run and comparison reports (sim.report.charts), on small made-up
weekly statistics: one meaning per colour, the outside coach beside the managers, sessions with
no printed labels, skill in percentage points."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from hypothesis import given
from hypothesis import strategies as st

from sim.experiment.streaming import WeeklyStats, tracked_columns
from sim.report.charts import (
    ACTIVITY_COLOURS,
    MANAGERS_BAR,
    OUTSIDE_BAR,
    OUTSIDE_TRAVEL,
    SCENARIO_DASHES,
    sessions_figure,
    skill_figure,
    time_split_figure,
    win_chance_points,
)
from sim.report.compare import BASELINE_COLOUR, scenario_colours
from sim.report.page import PALETTE

STAGES = {"prospecting": 0.5, "closing": 0.9}
WEEKS = 3


def _stats(**weekly: float) -> WeeklyStats:
    """Statistics of one replication whose every week has the given values (others 0)."""
    cols = tracked_columns(list(STAGES))
    st = WeeklyStats(cols, WEEKS)
    values = np.zeros((1, len(cols), WEEKS))
    for col, v in weekly.items():
        values[0, cols.index(col), :] = v
    st.update(values)
    return st


MANAGER_WEEK = {
    "mgr_admin_hours": 2.0 * 13,
    "mgr_meeting_hours": 2.0 * 7.5,
    "mgr_selling_hours": 2.0 * 10,
    "mgr_coaching_hours": 2.0 * 9.5,
    "mgr_other_hours": 2.0 * 10,
}
"""Two managers' weeks, summed over the team as the weekly tables have them."""


def _bars(fig: go.Figure) -> dict[str, dict[tuple[str, str], float]]:
    """{trace name: {(scenario, whose hours): hours}} of the time chart."""
    out = {}
    for trace in fig.data:
        scenarios, whose = trace.x
        out[trace.name] = dict(zip(zip(scenarios, whose, strict=True), trace.y, strict=True))
    return out


def test_activity_colours_share_none_with_the_scenario_colours() -> None:
    scenario = {c.lower() for c in (*PALETTE, BASELINE_COLOUR)}
    scenario |= {c.lower() for c in scenario_colours("base", [f"s{i}" for i in range(12)]).values()}
    activity = {c.lower() for c in ACTIVITY_COLOURS.values()}
    assert activity.isdisjoint(scenario)


def test_a_colour_means_the_same_in_the_time_and_sessions_charts() -> None:
    assert ACTIVITY_COLOURS["held"] == ACTIVITY_COLOURS["coaching"]
    assert ACTIVITY_COLOURS["cancelled"] == ACTIVITY_COLOURS["meetings"]
    own = {k: v for k, v in ACTIVITY_COLOURS.items() if k not in ("held", "cancelled")}
    assert len(set(own.values())) == len(own)  # otherwise one colour per activity


def test_the_charts_draw_activities_in_activity_colours_only() -> None:
    stats = {
        "base": _stats(**MANAGER_WEEK, sessions_held=5, sessions_cancelled=1),
        "coach": _stats(
            **MANAGER_WEEK,
            outside_session_hours=10,
            outside_coach_hours=20,
            sessions_unscheduled=2,
        ),
    }
    scenario = {c.lower() for c in (*PALETTE, BASELINE_COLOUR)}
    for fig in (time_split_figure(stats, {"base": 2, "coach": 2}), sessions_figure(stats)):
        for trace in fig.data:
            assert trace.marker.color in ACTIVITY_COLOURS.values()
            assert trace.marker.color.lower() not in scenario


def test_the_outside_coach_has_its_own_bar_beside_the_managers() -> None:
    stats = {
        "base": _stats(**MANAGER_WEEK),
        "coach": _stats(**MANAGER_WEEK, outside_session_hours=10, outside_coach_hours=16),
    }
    fig = time_split_figure(stats, {"base": 2, "coach": 2})
    bars = _bars(fig)
    assert bars["coaching"] == {
        ("base", MANAGERS_BAR): 9.5,
        ("coach", MANAGERS_BAR): 9.5,
        ("coach", OUTSIDE_BAR): 10.0,
    }
    assert bars[OUTSIDE_TRAVEL][("coach", OUTSIDE_BAR)] == 6.0
    assert bars["other work"][("coach", OUTSIDE_BAR)] == 0.0
    week = sum(bars[k][("base", MANAGERS_BAR)] for k in bars)
    assert week == 50.0  # a manager's bar is the whole working week
    other = next(t for t in fig.data if t.name == "other work")
    assert "idle" in other.customdata[0]  # the hover says what the rest of the week is


def test_no_outside_coach_no_outside_bar() -> None:
    fig = time_split_figure({"base": _stats(**MANAGER_WEEK)}, {"base": 2})
    assert {whose for trace in fig.data for whose in trace.x[1]} == {MANAGERS_BAR}
    assert OUTSIDE_TRAVEL not in {trace.name for trace in fig.data}


def test_session_bars_carry_no_printed_numbers_and_say_what_unscheduled_is() -> None:
    fig = sessions_figure({"base": _stats(sessions_held=5, sessions_unscheduled=0.2)})
    assert [t.name.split(":")[0] for t in fig.data] == [
        "held",
        "cancelled by a meeting",
        "unscheduled",
    ]
    for trace in fig.data:
        assert trace.text is None
        assert trace.texttemplate is None
    assert "no free hours left" in fig.data[2].hovertemplate


def test_win_chance_points_at_known_values() -> None:
    # logit(0.5) + ln 3 is logit(0.75): 25 points more
    assert np.allclose(win_chance_points(np.array([0.0, math.log(3.0)]), 0.5), [0.0, 25.0])
    # the same skill is worth fewer points on a stage most deals pass already
    assert win_chance_points(np.array([1.0]), 0.9)[0] < win_chance_points(np.array([1.0]), 0.5)[0]


@given(
    st.floats(-50.0, 50.0),
    st.floats(0.001, 0.999),
)
def test_win_chance_points_stay_within_a_hundred(skill: float, base: float) -> None:
    points = float(win_chance_points(np.array([skill]), base)[0])
    assert -100.0 <= points <= 100.0
    assert (points >= 0.0) == (skill >= 0.0) or abs(points) < 1e-9


def test_skill_chart_is_in_points_with_a_line_style_per_scenario() -> None:
    stats = {
        "base": _stats(skill_prospecting=math.log(3.0), skill_closing=0.0),
        "coach": _stats(skill_prospecting=math.log(3.0), skill_closing=0.5),
    }
    fig = skill_figure(stats, STAGES, {"base": BASELINE_COLOUR, "coach": PALETTE[0]})
    ys = {(t.name, t.xaxis): list(t.y) for t in fig.data}
    assert np.allclose(ys[("base", "x")], [25.0] * WEEKS)  # prospecting, base 50%
    assert np.allclose(ys[("base", "x2")], [0.0] * WEEKS)
    for y in ys.values():
        assert all(-100.0 <= v <= 100.0 for v in y)
    # lines that coincide (both scenarios on prospecting) are still told apart by their style
    dashes = {t.name: t.line.dash for t in fig.data}
    assert dashes == {"base": SCENARIO_DASHES[0], "coach": SCENARIO_DASHES[1]}
    assert "points" in fig.layout.yaxis.title.text
    assert "logit" not in fig.layout.yaxis.title.text
