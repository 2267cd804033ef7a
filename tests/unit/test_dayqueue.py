"""The deals' calendar queue hands every item over at its own time, in SimPy's order."""

from __future__ import annotations

import simpy
from hypothesis import given
from hypothesis import strategies as st

from sim.dayqueue import DayQueue

delays = st.floats(min_value=0.0, max_value=12.0, allow_nan=False)


@given(
    st.lists(delays, min_size=1, max_size=40),
    st.lists(st.lists(delays, max_size=3), max_size=40),
    st.lists(delays, max_size=10),
)
def test_items_are_handled_at_their_due_time_in_due_then_added_order(
    first: list[float], follow_ups: list[list[float]], timeouts: list[float]
) -> None:
    env = simpy.Environment()
    handled: list[tuple[float, float, int]] = []
    added: list[tuple[float, int]] = []

    def add(due: float) -> None:
        label = len(added)
        added.append((due, label))
        queue.add(due, label)

    def handler(label: int) -> None:
        due = added[label][0]
        handled.append((env.now, due, label))
        # Handling an item queues more, some due the same day, some at once.
        for d in follow_ups[label] if label < len(follow_ups) else []:
            add(env.now + d)

    queue = DayQueue(env, handler)
    for d in first:
        add(d)
    # Plain SimPy events in between must not disturb the order.
    for d in timeouts:
        env.timeout(d)
    env.run()
    assert len(queue) == 0
    assert [(t, due) for t, due, _ in handled] == [(due, due) for _, due, _ in handled]
    assert [label for _, _, label in handled] == [
        label for _, label in sorted(added, key=lambda a: (a[0], a[1]))
    ]


def test_an_item_added_before_the_armed_time_runs_first() -> None:
    env = simpy.Environment()
    seen: list[tuple[float, str]] = []
    queue = DayQueue(env, lambda item: seen.append((env.now, item)))
    queue.add(7.5, "late")
    env.timeout(1.0).callbacks.append(lambda _e: queue.add(3.25, "early"))
    env.run()
    assert seen == [(3.25, "early"), (7.5, "late")]
