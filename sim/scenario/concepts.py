"""Words a sales leader types for a setting the scenario spells otherwise, and the settings each
means.

An unknown key is answered by :func:`hint`: a word of :data:`CONCEPTS` says which real settings
carry that idea (``coaching_share`` is not a setting: the sessions and their length are); any
other word gets a suggestion only when it is a close spelling of a key allowed there
(:data:`SPELLING_CUTOFF`), never a different setting that shares a few letters with it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

SPELLING_CUTOFF = 0.8
"""Least similarity (difflib's ratio, 2 x matching characters / both lengths, compared in lower
case) for "did you mean". 0.8 allows about one wrong, missing or extra character in eight (two in
twenty): ``managerz``, ``quailty``, ``tailord`` and ``fee_per_hour`` (for ``fee_per_hour_usd``)
find their key, while a different setting that shares a suffix is not offered
(``coaching_share`` is 0.67 from ``trained_share``, ``focus_typo`` 0.67 from ``focus``)."""

_COACHING_TIME = (
    "the managers' coaching time is set by coaching.sessions_per_rep_per_week and "
    "coaching.minutes_per_session (capped by the hours a manager's week leaves); coachsim init "
    "--coaching-share 10% works them out from a share of the week"
)
_REPS = "the team is team.managers x team.reps_per_manager"
_DEAL = (
    "the average booked deal is deal_value.mean_usd (its spread deal_value.cv, the discount "
    "deal_value.base_discount)"
)
_WIN_RATE = (
    "the win rate follows from the stages' base_conversion (their product is an average rep's "
    "win rate of new opportunities before skill); coachsim init --win-rate 20% scales them to "
    "a win rate"
)
_CYCLE = (
    "the sales cycle is the sum of the stages' duration_mean_days (working days); coachsim init "
    "--cycle-days 90 scales them to a cycle"
)
_LEADS = (
    "new opportunities are leads.per_rep_per_week; coachsim init --opportunities-per-month 10 "
    "sets them from a monthly figure"
)
_COACH_FEE = (
    "the outside coach's fee is outside_coach.fee_per_hour_usd or "
    "outside_coach.fee_per_rep_per_month_usd (set one)"
)
_COACH_HOURS = "the outside coach's hours are outside_coach.hours_per_week"
_QUALITY = (
    "the managers' coaching quality is managers.quality_trained and managers.quality_untrained, "
    "with managers.trained_share trained; the outside coach's is outside_coach.quality"
)
_HORIZON = "the horizon is weeks (104 = two years)"
_RUNS = "not a scenario setting: give it to coachsim run or compare (-n, --seed)"

CONCEPTS: dict[str, str] = {
    "coaching_share": _COACHING_TIME,
    "coaching_time": _COACHING_TIME,
    "coaching_hours": _COACHING_TIME,
    "coaching_hours_per_week": _COACHING_TIME,
    "coaching_minutes": _COACHING_TIME,
    "quota": (
        "the model has no quota: a rep's revenue follows from leads.per_rep_per_week, the stages' "
        "base_conversion and deal_value.mean_usd"
    ),
    "win_rate": _WIN_RATE,
    "close_rate": _WIN_RATE,
    "conversion_rate": _WIN_RATE,
    "deal_size": _DEAL,
    "average_deal_size": _DEAL,
    "avg_deal_size": _DEAL,
    "deal_usd": _DEAL,
    "acv": _DEAL,
    "sales_cycle": _CYCLE,
    "sales_cycle_days": _CYCLE,
    "cycle_days": _CYCLE,
    "opportunities_per_month": _LEADS,
    "leads_per_week": _LEADS,
    "reps": _REPS,
    "team_size": _REPS,
    "headcount": _REPS,
    "coach_fee": _COACH_FEE,
    "coaching_fee": _COACH_FEE,
    "fee": _COACH_FEE,
    "hourly_fee": _COACH_FEE,
    "hourly_rate": _COACH_FEE,
    "monthly_fee": _COACH_FEE,
    "fee_per_month": _COACH_FEE,
    "coach_hours": _COACH_HOURS,
    "coach_quality": _QUALITY,
    "coaching_quality": _QUALITY,
    "manager_quality": _QUALITY,
    "months": _HORIZON,
    "horizon": _HORIZON,
    "years": _HORIZON,
    "margin": "the gross margin is money.gross_margin",
    "discount": "the discount given at close is deal_value.base_discount",
    "discount_rate": "the discount rate for NPV is money.annual_discount_rate",
    "replications": _RUNS,
    "seed": _RUNS,
}
"""Concept words (lower case, words joined by _) and the real settings each stands for."""


def _normal(word: str) -> str:
    return "_".join(word.strip().lower().replace("-", " ").split())


def hint(word: str, allowed: Sequence[str]) -> str | None:
    """What to say about unknown key ``word`` where ``allowed`` are the keys: the settings its
    concept means, or the one allowed key it is a close spelling of, or None."""
    key = _normal(word)
    if key in CONCEPTS and key not in allowed:
        return f"{CONCEPTS[key]}"
    by_normal = {_normal(a): a for a in allowed}
    close = difflib.get_close_matches(key, list(by_normal), n=1, cutoff=SPELLING_CUTOFF)
    return f"did you mean {by_normal[close[0]]!r}?" if close else None


__all__ = ["CONCEPTS", "SPELLING_CUTOFF", "hint"]
