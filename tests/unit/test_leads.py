"""The lead table's ordering of candidates."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.model.candidates import week_major


@given(st.lists(st.lists(st.integers(0, 12), max_size=30), min_size=1, max_size=20))
def test_week_major_order_is_the_stable_sort_by_week_then_seller(weeks: list[list[int]]) -> None:
    """Rows drawn seller by seller, each seller's in week order, are put in (week, seller) order
    with ties in drawn order, as a stable sort would."""
    week = np.concatenate([np.sort(np.array(w, dtype=np.intp)) for w in weeks])
    owner = np.concatenate([np.full(len(w), s, dtype=np.intp) for s, w in enumerate(weeks)])
    expected = np.argsort(week * len(weeks) + owner, kind="stable")
    assert np.array_equal(week_major(week, owner, len(weeks)), expected)
