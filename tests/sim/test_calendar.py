"""The manager's calendar: exact timelines of meetings and coaching, and the hours ledger."""

from __future__ import annotations

import pytest

from sim.model.replication import Replication
from tests.sim.helpers import small

# One manager, one rep, one 60-minute session a week: in a 10-hour day it lasts 0.1 day and is
# centred in the week, so the week-0 session runs from day 2.45 to 2.55.
ONE = {
    "warmup_weeks": 0,
    "weeks": 1,
    "team": {"managers": 1, "reps_per_manager": 1},
    "coaching": {"sessions_per_rep_per_week": 1, "minutes_per_session": 60},
    "managers": {"meetings_per_week": 0.001},
}


def timeline(
    meetings: list[tuple[float, float, float]],
    protection: float,
    weeks: int = 1,
    sessions: int = 1,
) -> list[tuple[str, float]]:
    s = small(
        **{
            **ONE,
            "weeks": weeks,
            "managers": {"meetings_per_week": 0.001, "coaching_protection": protection},
            "coaching": {**ONE["coaching"], "sessions_per_rep_per_week": sessions},
        }
    )
    rep = Replication(s, seed=0, replication=0)
    rep.managers[0].meetings = meetings  # (arrival day, length in days, protection uniform)
    rep.trace = []
    rep.run()
    return [(event, t) for event, _, t in rep.trace]


def test_meeting_preempts_unprotected_session() -> None:
    assert timeline([(2.47, 0.15, 0.5)], protection=0.0) == [
        ("session_start", 2.45),
        ("session_preempted", 2.47),
        ("meeting_start", 2.47),
        ("meeting_end", 2.62),
    ]


def test_protected_session_makes_the_meeting_wait() -> None:
    assert timeline([(2.47, 0.15, 0.5)], protection=1.0) == [
        ("session_start", 2.45),
        ("session_end", 2.55),
        ("meeting_start", 2.55),
        ("meeting_end", 2.7),
    ]


def test_session_waits_for_a_meeting_in_progress() -> None:
    assert timeline([(2.40, 0.10, 0.5)], protection=0.0) == [
        ("meeting_start", 2.4),
        ("meeting_end", 2.5),
        ("session_start", 2.5),
        ("session_end", 2.6),
    ]


def test_session_that_cannot_start_in_its_week_is_cancelled() -> None:
    assert timeline([(2.40, 2.7, 0.5)], protection=0.0, weeks=2) == [
        ("meeting_start", 2.4),
        ("session_not_started", 4.9),
        ("meeting_end", 5.1),
        ("session_start", 7.45),
        ("session_end", 7.55),
    ]


def test_a_session_pushed_late_does_not_spill_into_the_next_week() -> None:
    # Two sessions a week, due from days 1.2 and 3.7. A meeting holds the calendar until 4.85:
    # the first session runs 4.85 to 4.95; the second can no longer end in its week (it must
    # start by 4.9), so it is cancelled rather than held over the weekend boundary.
    assert timeline([(1.1, 3.75, 0.5)], protection=0.0, weeks=2, sessions=2) == [
        ("meeting_start", 1.1),
        ("meeting_end", 4.85),
        ("session_start", 4.85),
        ("session_end", 4.95),
        ("session_not_started", 4.95),
        ("session_start", 6.2),
        ("session_end", 6.3),
        ("session_start", 8.7),
        ("session_end", 8.8),
    ]


def test_preempted_session_counts() -> None:
    s = small(**ONE)
    late = Replication(s, 0, 0)
    late.managers[0].meetings = [(2.53, 0.1, 0.5)]  # 80% held: shortened, still held
    weekly, _ = late.run()
    assert weekly.loc[
        0, ["sessions_held", "sessions_shortened", "sessions_cancelled"]
    ].tolist() == [1, 1, 0]
    early = Replication(s, 0, 0)
    early.managers[0].meetings = [(2.47, 0.1, 0.5)]  # 20% held: cancelled
    weekly, _ = early.run()
    assert weekly.loc[
        0, ["sessions_held", "sessions_shortened", "sessions_cancelled"]
    ].tolist() == [0, 0, 1]
    assert weekly.loc[0, "meeting_clashes"] == 1
    assert weekly.loc[0, "mgr_coaching_hours"] == pytest.approx(0.2)
    assert weekly.loc[0, "mgr_meeting_hours"] == pytest.approx(1.0)


@pytest.mark.parametrize("protection", [0.0, 0.5, 1.0])
def test_every_hour_is_accounted_every_week(protection: float) -> None:
    s = small(
        managers={
            "meetings_per_week": 12,
            "meeting_mean_hours": 2.0,
            "coaching_protection": protection,
            "admin_hours_per_week": 10,
            "selling_hours_per_week": 8,
        },
        coaching={"sessions_per_rep_per_week": 4, "minutes_per_session": 45},
    )
    weekly, _ = Replication(s, 3, 0).run()
    cols = [
        "mgr_admin_hours",
        "mgr_meeting_hours",
        "mgr_selling_hours",
        "mgr_coaching_hours",
        "mgr_other_hours",
    ]
    total = weekly[cols].sum(axis=1)
    assert total.to_numpy() == pytest.approx(2 * 50.0, abs=1e-6)
    assert (weekly[cols] >= -1e-9).all().all()
    ledger = weekly[["sessions_held", "sessions_cancelled", "sessions_unscheduled"]].sum(axis=1)
    assert (ledger == weekly["sessions_planned"]).all()
    assert weekly["meeting_clashes"].sum() > 0
    if protection == 1.0:
        assert weekly["clashes_protected"].sum() == weekly["meeting_clashes"].sum()
    if protection == 0.0:
        assert weekly["clashes_protected"].sum() == 0


def test_sessions_that_do_not_fit_are_unscheduled() -> None:
    # 50 - 12 admin - 10 selling - 0 other - 7.5 meetings = 20.5 free hours: 20 one-hour
    # sessions fit.
    week = {"admin_hours_per_week": 12, "selling_hours_per_week": 10, "other_hours_per_week": 0}
    s = small(
        managers=week,
        coaching={
            "sessions_per_rep_per_week": 10,
            "minutes_per_session": 60,
            "max_sessions_per_rep_per_week": 10,
        },
    )
    weekly, _ = Replication(s, 0, 0).run()
    assert (weekly["sessions_planned"] == 2 * 3 * 10).all()
    assert (weekly["sessions_unscheduled"] == 2 * (30 - 20)).all()
    # With at most 5 sessions a rep, only 3 x 5 = 15 of the 20 that fit can be given.
    capped = small(
        managers=week, coaching={"sessions_per_rep_per_week": 10, "minutes_per_session": 60}
    )
    weekly, _ = Replication(capped, 0, 0).run()
    assert (weekly["sessions_unscheduled"] == 2 * (30 - 15)).all()


def test_a_session_takes_effect_when_it_ends() -> None:
    # The week-0 session runs from day 2.45 to 2.55; its effect reaches the rep at 2.55 whether it
    # ran as an event or waited in the rep's pipeline.
    for meetings in ([], [(2.47, 0.01, 0.5)]):  # undisturbed; a protected meeting waits
        s = small(**{**ONE, "managers": {"meetings_per_week": 0.001, "coaching_protection": 1.0}})
        rep = Replication(s, seed=0, replication=0)
        rep.managers[0].meetings = meetings
        rep.run()
        assert rep.reps[0].refreshed_days == pytest.approx([2.55] * 4)
        assert all(f > 0.0 for f in rep.reps[0].fresh)
