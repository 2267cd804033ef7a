"""What the case rests on, read from the scenarios: the assumptions list of a comparison report
(how the managers coach, how any outside coach does and where its settings favour it, the
money) and the baseline figures a sales leader checks against the real team.

Laid out on the page by :mod:`sim.report.compare`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.clock import WEEKS_PER_YEAR
from sim.report.uncertainty import usd
from sim.report.verdict import quoted
from sim.scenario import Scenario
from sim.scenario.programmes import Programme
from sim.scenario.uncertain import defaults_block

UNSURE = " (uncertain)"
"""Added after a value that the comparison draws over a range (``uncertain:``)."""


def uncertain_paths(scenarios: Sequence[Scenario]) -> set[str]:
    """The inputs a comparison of ``scenarios`` draws over ranges: every path of their
    ``uncertain:`` blocks (``defaults`` standing for every input with a published range)."""
    out: set[str] = set()
    for s in scenarios:
        out |= set(defaults_block(s) if s.uncertain == "defaults" else (s.uncertain or {}))
    return out


def _v(text: str, path: str, unsure: set[str]) -> str:
    return text + (UNSURE if path in unsure else "")


def _quality_of_managers(s: Scenario, unsure: set[str]) -> str:
    m = s.managers
    return (
        f"{_v(f'{m.quality_untrained:g}', 'managers.quality_untrained', unsure)} untrained, "
        f"{_v(f'{m.quality_trained:g}', 'managers.quality_trained', unsure)} trained "
        f"({_v(f'{m.trained_share:.0%}', 'managers.trained_share', unsure)} of managers are "
        "trained)"
    )


def _style(p: Programme) -> str:
    return (
        "micro-coaching on one live deal a session"
        if p.style == "micro"
        else "formal one-to-ones across the stages"
    )


def _fit(p: Programme, s: Scenario, unsure: set[str]) -> str:
    if p.tailored:
        return "tailored to the team's sales process"
    worth = _v(f"{s.skill.generic_fit:.0%}", "skill.generic_fit", unsure)
    return f"generic (worth {worth} of coaching tailored to the team's process)"


def _cadence(p: Programme) -> str:
    return f"{p.sessions_per_rep_per_week:g} x {p.minutes_per_session:g} min per rep a week"


def assumptions(base: Scenario, alternatives: Sequence[tuple[str, Scenario]]) -> list[str]:
    """The settings the case rests on, read from the scenarios: how the managers coach, how any
    outside coach does, the ways the outside coach is favoured, and the money.

    ``alternatives`` are (label, scenario). A value the comparison draws over a range is marked
    :data:`UNSURE`."""
    unsure = uncertain_paths([base, *(s for _, s in alternatives)])
    c = base.coaching
    lines = [
        f"Managers' own coaching (baseline): {_fit(c, base, unsure)}, {_style(c)}, "
        f"{_cadence(c)}, at quality {_quality_of_managers(base, unsure)}."
    ]
    said: dict[str, list[str]] = {}
    for label, s in alternatives:
        for text in _coach_assumptions(s, unsure):
            said.setdefault(text, []).append(label)
    for text, where in said.items():
        if len(where) == len(alternatives) > 1:
            who = "both options" if len(where) == 2 else f"all {len(where)} options"
        else:
            who = " and ".join(quoted(w) for w in where)
        lines.append(text.format(who=who))
    money = base.money
    lines.append(
        f"Money: gross margin {_v(f'{money.gross_margin:.0%}', 'money.gross_margin', unsure)}; "
        "a manager hour costs "
        f"{_v(usd(money.manager_hourly_cost_usd), 'money.manager_hourly_cost_usd', unsure)} "
        f"and a rep hour {_v(usd(money.rep_hourly_cost_usd), 'money.rep_hourly_cost_usd', unsure)}"
        f"; future gains are discounted at {money.annual_discount_rate:.0%} a year."
    )
    if any(UNSURE in line for line in lines):
        lines.append(
            f"Values marked{UNSURE} vary over their ranges in these runs (see How sure are we?); "
            "the value shown is the one the scenario file gives."
        )
    return lines


def _coach_assumptions(s: Scenario, unsure: set[str]) -> list[str]:
    """The outside coach of ``s`` and the ways its settings favour it over the managers, as
    sentences with a ``{who}`` slot for the options they apply to."""
    oc = s.outside_coach
    if oc is None:
        return []
    fee = (
        f"{usd(oc.fee_per_rep_per_month_usd)} per coached rep a month"
        if oc.fee_per_rep_per_month_usd is not None
        else f"{usd(oc.fee_per_hour_usd or 0.0)} an hour"
    )
    quality = _v(f"{oc.quality:g}", "outside_coach.quality", unsure)
    fee = _v(fee, "outside_coach.fee_per_hour_usd", unsure)
    lines = [
        f"Outside coach in {{who}}: quality {quality}, {_fit(oc, s, unsure)}, {_style(oc)}, "
        f"{_cadence(oc)}, {oc.hours_per_week:g} h a week at {fee}."
    ]
    favours = []
    m = s.managers
    if oc.quality > max(m.quality_trained, m.quality_untrained):
        favours.append(
            f"coaches at quality {quality} against the managers' {m.quality_untrained:g} to "
            f"{m.quality_trained:g}"
        )
    if oc.tailored and not s.coaching.tailored:
        favours.append(
            "is tailored to the team's sales process while the managers coach generically"
        )
    if oc.style == "micro" and s.coaching.style != "micro":
        favours.append(
            "works on live deals (micro-coaching) while the managers hold formal one-to-ones"
        )
    if favours:
        lines.append(
            "These settings favour the outside coach in {who}: it "
            + "; it ".join(favours)
            + ". Check them against what the coach you would hire really delivers."
        )
    return lines


def sales_cycle_days(s: Scenario) -> float:
    """Working days a won deal takes: the sum of the stages' mean durations, as ``coachsim
    validate`` states it (:func:`sim.analysis.workload.figures`)."""
    return float(sum(st.duration_mean_days for st in s.stages))


def baseline_panel(runs: Sequence[tuple[str, Scenario, pd.DataFrame]]) -> pd.DataFrame:
    """The figures a sales leader checks against the real team, one column per scenario.

    ``runs`` are (label, scenario, summary rows). Each figure is computed as ``coachsim run``'s
    report computes it (:mod:`sim.report.run`): means over replications of the summary rows, per
    year of the horizon."""
    measures = [
        "Average booked deal (USD)",
        "Win rate of qualified deals",
        "Sales cycle of a won deal (working days, as set in the scenario)",
        "Revenue per year (USD)",
        "Revenue per rep per year (USD, reps' own deals)",
        "Deals won per year",
    ]
    data: dict[str, list[str]] = {"measure": measures}
    for label, s, summary in runs:
        years = s.weeks / WEEKS_PER_YEAR
        reps = s.team.managers * s.team.reps_per_manager
        won = float(summary["deals_won"].mean())
        revenue = float(summary["revenue"].mean())
        rep_revenue = float((summary["revenue"] - summary["revenue_managers"]).mean())
        data[label] = [
            f"{revenue / won:,.0f}" if won else "n/a",
            f"{summary['win_rate_qualified'].mean():.1%}",
            f"{sales_cycle_days(s):.0f}",
            f"{revenue / years:,.0f}",
            f"{rep_revenue / years / reps:,.0f}" if reps else "n/a",
            f"{won / years:,.0f}",
        ]
    return pd.DataFrame(data)
