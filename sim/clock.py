"""The clock: one unit of simulated time is one working day.

A week is :data:`DAYS_PER_WEEK` working days; hours are fractions of a day (a manager's day has
``managers.hours_per_day`` hours). Nothing ticks daily: the weeks turn as SimPy events and
everything within a week is computed at the times it happens.
"""

from __future__ import annotations

DAYS_PER_WEEK = 5
"""Working days in a week: the clock advances 5 units a week."""

DAYS = float(DAYS_PER_WEEK)
"""The week in clock units, as the float the simulation computes with."""

WEEKS_PER_YEAR = 52
"""Weeks in a year. Every simulated week is a working week (the model has no holidays), so a year
of the simulation is 52 of them: what "per year" and the annual discount rate mean everywhere."""

DAYS_PER_YEAR = WEEKS_PER_YEAR * DAYS_PER_WEEK
"""Working days in a simulated year (260)."""
