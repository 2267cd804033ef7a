"""The backtest's pieces: the data as they stood on a day, and a period's figures."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from sim.calibration.backtest import as_it_stood, period_figures

d = pd.Timestamp
DEALS = pd.DataFrame(
    {
        "deal": ["a", "b", "c", "d"],
        "owner": ["x", "x", "y", "y"],
        "stage": ["Closed Won", "Closed Lost", "Closed Won", "Propose"],
        "amount": [100.0, 50.0, 300.0, 70.0],
        "created": [d("2026-01-05"), d("2026-01-06"), d("2026-02-02"), d("2026-03-02")],
        "closed": [d("2026-01-30"), d("2026-02-20"), d("2026-03-06"), pd.NaT],
        "won": [True, False, True, False],
    }
)
HISTORY = pd.DataFrame(
    {
        "deal": ["a", "b", "b", "c", "c", "d"],
        "stage": ["Qualify", "Qualify", "Propose", "Qualify", "Propose", "Qualify"],
        "date": [
            d(x)
            for x in (
                "2026-01-05",
                "2026-01-06",
                "2026-02-16",
                "2026-02-02",
                "2026-02-27",
                "2026-03-02",
            )
        ],
    }
)


def test_the_data_as_they_stood_undo_what_came_later() -> None:
    deals, history = as_it_stood(DEALS, HISTORY, date(2026, 2, 18))
    assert deals["deal"].tolist() == ["a", "b", "c"]  # d was created later
    assert deals["closed"].notna().tolist() == [True, False, False]  # b closed on the 20th
    assert deals["won"].tolist() == [True, False, False]  # c was won later
    assert history["deal"].tolist() == ["a", "b", "b", "c"]  # c entered Propose on the 27th


def test_a_periods_figures_count_the_deals_closed_and_created_in_it() -> None:
    f = period_figures(DEALS, date(2026, 2, 1), date(2026, 3, 31))
    assert f["bookings_usd"] == 300.0
    assert f["win_rate"] == pytest.approx(0.5)  # b lost, c won
    assert f["cycle_days"] == 24.0  # c: Monday 2 Feb to Friday 6 Mar, in working days
    assert f["created"] == 2.0
