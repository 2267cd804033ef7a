"""Stage ends processed lazily per seller give the results of processing them on the global clock.

The engine keeps each seller's stage ends in the seller's own heap and each manager's calendar in
its own agenda, and processes them week by week (sim.model.pipeline.Pipeline,
sim.model.calendar.Manager). The reference here is the plain discrete-event order: every event of
every calendar and of SimPy in one time order, and before each, every seller's stage ends due before
it, so each happens at its own time with the whole team as it is then.
"""

from __future__ import annotations

from typing import Any

import pandas.testing as pdt
import pytest

from sim.model.candidates import LeadShelf
from sim.model.replication import Replication
from sim.model.twins import Calendars, calendar_key
from tests.sim.helpers import small


def run_on_the_global_clock(rep: Replication) -> tuple[Any, dict[str, Any]]:
    """Every event of the replication in one time order: the managers' calendar events and
    SimPy's (the week turns), with every seller advanced to each one's time first."""
    env = rep.env
    while not rep._weeks_done.processed:
        t = env.peek()
        manager = min(rep.managers, key=lambda m: m.next_time())
        if manager.next_time() < t:  # calendar events due at a week turn come after it
            t = manager.next_time()
        for seller in rep.sellers:
            seller.advance_to(t)
        if t < env.peek():
            manager.step()
        else:
            env.step()
    return rep.tables()


CASES = {
    "formal": {},
    "micro, scoped, outside coach": {
        "coaching": {"style": "micro", "scope": ["proposal", "closing"], "deal_boost": 1.0},
        "outside_coach": {"style": "micro", "hours_per_week": 10, "fee_per_hour_usd": 200},
    },
    "training then micro": {
        "coaching": {"style": "micro", "sessions_per_rep_per_week": 3, "minutes_per_session": 30},
        "training": [{"start_week": 2, "gain": 0.3, "dip_depth": 0.2, "stages": ["discovery"]}],
    },
}


@pytest.mark.parametrize("case", CASES)
def test_lazy_stage_ends_match_the_global_clock(case: str) -> None:
    s = small(**CASES[case])
    lazy_weekly, lazy_row = Replication(s, 5, 1).run()
    eager_weekly, eager_row = run_on_the_global_clock(Replication(s, 5, 1))
    # Counts are identical; money may differ in the last bits (sums taken in another order).
    pdt.assert_frame_equal(lazy_weekly, eager_weekly, check_exact=False, rtol=1e-12)
    assert lazy_weekly["stage_exits"].equals(eager_weekly["stage_exits"])
    assert lazy_weekly["deals_won"].equals(eager_weekly["deals_won"])
    assert lazy_row["top20_revenue_share"] == pytest.approx(eager_row["top20_revenue_share"])
    assert lazy_weekly["deals_won"].sum() > 0


SETTLE_CASES = {
    "formal": {},
    "training then formal, outside coach": {
        "training": [{"start_week": 2, "gain": 0.3, "dip_depth": 2.0, "dip_recovery_days": 40}],
        "outside_coach": {"style": "formal", "hours_per_week": 10, "fee_per_hour_usd": 200},
        "skill": {"ceiling": 1.0},
    },
    "busy calendars, half the clashes protected": {
        # Long meetings, some running over a week's end into the next week's first sessions.
        "managers": {
            "meetings_per_week": 6,
            "meeting_mean_hours": 4.0,
            "coaching_protection": 0.5,
            "admin_hours_per_week": 4,
            "selling_hours_per_week": 4,
        },
        "coaching": {"sessions_per_rep_per_week": 3, "minutes_per_session": 45},
    },
    # Poor coaching harms: skill falls below zero, so fewer stage ends are sure.
    "harmful managers (formal) and a poor outside coach (micro), training": {
        "weeks": 30,
        "skill": {"ceiling": 1.0, "harm_threshold": 0.6},
        "managers": {"quality_untrained": 0.1, "quality_trained": 0.7, "trained_share": 0.5},
        "training": [{"start_week": 2, "gain": 0.3, "dip_depth": 0.5, "dip_recovery_days": 20}],
        "outside_coach": {
            "style": "micro",
            "quality": 0.2,
            "hours_per_week": 10,
            "fee_per_hour_usd": 200,
            "deal_boost": 2.0,
        },
    },
    # Micro-sessions boost deals: sure falls are only doomed, and a boost can rescue them.
    "micro by managers and an outside coach, hard boosts, training": {
        "weeks": 40,
        "training": [{"start_week": 2, "gain": 0.3, "dip_depth": 1.0, "dip_recovery_days": 40}],
        "coaching": {
            "style": "micro",
            "sessions_per_rep_per_week": 3,
            "minutes_per_session": 30,
            "deal_boost": 5.0,
        },
        "outside_coach": {
            "style": "micro",
            "hours_per_week": 10,
            "fee_per_hour_usd": 200,
            "sessions_per_rep_per_week": 2,
            "minutes_per_session": 30,
            "deal_boost": 5.0,
        },
    },
    "micro on part of the stages": {
        "weeks": 40,
        "coaching": {
            "style": "micro",
            "sessions_per_rep_per_week": 3,
            "minutes_per_session": 30,
            "deal_boost": 5.0,
            "scope": ["discovery", "proposal"],
        },
        "outside_coach": {
            "style": "micro",
            "hours_per_week": 10,
            "fee_per_hour_usd": 200,
            "deal_boost": 2.0,
            "scope": ["closing"],
        },
    },
}


@pytest.mark.parametrize("case", SETTLE_CASES)
def test_settling_events_early_changes_nothing(case: str) -> None:
    """Events nothing can change are settled when scheduled (sure stage ends, sessions nothing
    can disturb, ends of meetings nothing waits for); processing every one at its own time
    gives exactly the same tables."""
    s = small(**SETTLE_CASES[case])
    early = Replication(s, 3, 0)
    early_weekly, early_row = early.run()
    at_time = Replication(s, 3, 0, settle=False)
    at_time_weekly, at_time_row = at_time.run()
    # Most events settled early instead of queued.
    assert early.settled_events > at_time.settled_events
    assert early.lazy_events < at_time.lazy_events
    assert early.calendar_events < at_time.calendar_events
    pdt.assert_frame_equal(early_weekly, at_time_weekly, check_exact=True)
    assert early_row == at_time_row


TWIN_CASES = {
    "an outside coach, micro": {
        "outside_coach": {"style": "micro", "hours_per_week": 10, "fee_per_hour_usd": 200}
    },
    "coach-the-coach and training": {
        "outside_coach": {"hours_per_week": 10, "fee_per_hour_usd": 200, "coach_the_coach": True},
        "training": [{"start_week": 2, "gain": 0.3}],
    },
}


@pytest.mark.parametrize("case", TWIN_CASES)
def test_twin_replays_calendars(case: str) -> None:
    """A scenario whose managers' calendars equal another's replays them from the other's
    replication (the same seed and replication) with the tables of running them itself."""
    busy = {"managers": {"meetings_per_week": 6, "coaching_protection": 0.5}}
    base = small(**busy)
    twin = small(**busy, **TWIN_CASES[case])
    assert calendar_key(base) == calendar_key(twin)
    calendars: Calendars = {}
    Replication(base, 3, 1, calendars=calendars).run()
    replayed = Replication(twin, 3, 1, calendars=calendars)
    assert replayed.replay is not None
    replayed_weekly, replayed_row = replayed.run()
    solo_weekly, solo_row = Replication(twin, 3, 1).run()
    pdt.assert_frame_equal(replayed_weekly, solo_weekly, check_exact=True)
    assert replayed_row == solo_row
    assert solo_weekly["sessions_held"].sum() > 0
    # Another replication, or other managers, are not replayed.
    assert Replication(twin, 3, 2, calendars=calendars).replay is None
    assert calendar_key(small(managers={"meetings_per_week": 7})) != calendar_key(base)


@pytest.mark.parametrize("case", TWIN_CASES)
def test_twins_share_their_candidate_leads(case: str) -> None:
    """The same replication of two scenarios draws the same candidate leads: the second takes
    them, converted, from the first's shelf (and prepares its own chunks where its sellers
    differ, as micro-coached reps' do) with the tables of drawing them itself."""
    base, twin = small(), small(**TWIN_CASES[case])
    shelf: LeadShelf = {}
    Replication(base, 3, 1, leads=shelf).run()
    assert len(shelf) == 2  # the reps' table and the managers'
    drawn = list(shelf.values())
    shared = Replication(twin, 3, 1, leads=shelf)
    assert list(shelf.values()) == drawn  # nothing drawn again
    assert shared.rep_leads._draws is drawn[0]
    assert shared.manager_leads._draws is drawn[1]
    weekly, row = shared.run()
    solo_weekly, solo_row = Replication(twin, 3, 1).run()
    pdt.assert_frame_equal(weekly, solo_weekly, check_exact=True)
    assert row == solo_row
    # Another replication, or another deal size, draws its own.
    Replication(twin, 3, 2, leads=shelf)
    Replication(small(deal_value={"mean_usd": 9000}), 3, 1, leads=shelf)
    assert len(shelf) == 6
