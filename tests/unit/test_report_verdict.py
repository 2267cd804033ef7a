"""The comparison report's verdict, horizon rule, assumptions, baseline check and key-measure
table, on hand-made tables and one tiny real comparison."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sim.experiment.comparison import Comparison, compare
from sim.report.assumptions import assumptions, baseline_panel
from sim.report.compare import compare_report, headline
from sim.report.measures import key_measures, payback_figure
from sim.report.verdict import (
    Option,
    option,
    pick,
    scenario_label,
    scenario_labels,
    still_rising,
    verdict_lines,
)
from sim.scenario import OutsideCoach, Scenario, Team


def _option(name: str, npv: float, **kw: object) -> Option:
    base: dict[str, object] = {
        "name": name,
        "label": name.title(),
        "reps": 48,
        "cost_usd": 480_000.0,
        "gain_usd": 1_200_000.0,
        "npv_usd": npv,
        "npv_ci": (npv - 1000.0, npv + 1000.0),
        "npv_p10_usd": npv / 2,
        "payback_week": 9.0,
        "share_paying_back": 1.0,
    }
    base.update(kw)
    return Option(**base)  # type: ignore[arg-type]


# --- labels ---------------------------------------------------------------------------------


def test_a_scenario_is_labelled_by_its_description_else_its_name() -> None:
    s = Scenario(name="outside_coach", description="An outside coach,  20 hours a week.\n")
    assert scenario_label(s) == "An outside coach, 20 hours a week"
    assert scenario_label(Scenario(name="outside_coach")) == "outside_coach"


def test_labels_that_would_be_the_same_get_their_names() -> None:
    a = Scenario(name="a", description="Same.")
    b = Scenario(name="b", description="Same.")
    c = Scenario(name="c", description="Other.")
    assert scenario_labels([a, b, c]) == ["Same (a)", "Same (b)", "Other"]


# --- the verdict ----------------------------------------------------------------------------


def test_the_verdict_picks_the_highest_expected_npv_that_pays() -> None:
    small, big, losing = _option("small", 1e5), _option("big", 9e5), _option("lose", -2e6)
    assert pick([small, losing, big]) is big
    lines = verdict_lines([small, losing, big], 104, "Status quo")
    assert lines[0] == "Recommendation: go ahead with \u201cBig\u201d."
    text = " ".join(lines)
    assert "costs $480k in all" in text
    assert "$10k per rep" in text
    assert "$1.20M of extra gross profit" in text
    assert "pays back in week 9 on average" in text
    assert "100% of runs pay back within 104 weeks" in text
    assert "Expected NPV (net gain in today's money) $900k" in text
    assert "1 run in 10 ends with an NPV below $450k" in text
    assert "How sure" not in text  # no uncertain inputs: no chance under uncertainty


def test_nothing_pays_so_keep_the_status_quo() -> None:
    a = _option("a", -5e4, npv_p10_usd=-3e5, share_paying_back=0.2)
    b = _option("b", -4e5)
    assert pick([a, b]) is None
    lines = verdict_lines([a, b], 52, "Status quo - informal coaching")
    assert (
        lines[0]
        == "Recommendation: keep the status quo (\u201cStatus quo - informal coaching\u201d)."
    )
    text = " ".join(lines)
    assert "None of the 2 options pays for itself within 52 weeks" in text
    assert "The closest is \u201cA\u201d" in text
    assert "only 20% of runs pay back within 52 weeks" in text
    assert "1 run in 10 loses more than $300k" in text
    assert "go ahead" not in text
    never = verdict_lines([_option("c", -1e5, share_paying_back=0.0)], 52, "Status quo")
    assert "and no run pays back within 52 weeks" in " ".join(never)


def test_the_verdict_gives_the_chance_under_uncertainty_and_the_horizon_warning() -> None:
    said = ("Allowing for what we do not know, it pays in 83% of the plausible worlds drawn.",)
    o = _option("a", 2e5, uncertain_notes=said, rising=True, npv_ci=(-1e4, 4e5))
    text = " ".join(verdict_lines([o], 104, "Status quo"))
    assert "it pays in 83% of the plausible worlds drawn" in text
    assert "The programme has not reached its full effect by week 104" in text
    assert "do not yet settle whether it pays" in text


def test_an_option_reads_its_numbers_and_downside_from_the_tables() -> None:
    metrics = {
        "incremental_cost": 100.0,
        "incremental_gross_profit": 300.0,
        "npv": 150.0,
        "payback_week": 7.0,
        "prob_payback": 0.75,
    }
    table = pd.DataFrame(
        [
            {"scenario": "x", "metric": m, "mean": v, "ci_low": v - 1, "ci_high": v + 1, "n": 4}
            for m, v in metrics.items()
        ]
    )
    per_rep = pd.DataFrame({"scenario": ["x"] * 11, "npv": np.arange(11.0) * 10})
    o = option(table, per_rep, "x", "Label", 10)
    assert (o.cost_usd, o.gain_usd, o.npv_usd, o.payback_week) == (100.0, 300.0, 150.0, 7.0)
    assert o.npv_ci == (149.0, 151.0)
    assert o.npv_p10_usd == pytest.approx(10.0)  # the 10th percentile of 0, 10, ..., 100
    assert o.share_paying_back == 0.75


# --- the horizon rule -----------------------------------------------------------------------


def test_the_horizon_rule_fires_on_a_rising_series_and_not_on_a_flat_one() -> None:
    weeks = np.arange(104.0)
    se = np.full(104, 0.1)
    assert still_rising(0.5 + 0.03 * weeks, se)  # still climbing at week 104
    assert not still_rising(np.full(104, 3.0), se)
    assert not still_rising(3 * (1 - np.exp(-weeks / 8)), se)  # levelled off long ago
    # a rise smaller than its noise is not called
    assert not still_rising(np.r_[np.full(91, 3.0), np.full(13, 3.2)], np.full(104, 0.5))
    assert still_rising(np.r_[np.full(91, 3.0), np.full(13, 3.2)], np.full(104, 0.01))


def test_the_horizon_rule_needs_two_quarters() -> None:
    assert not still_rising(np.arange(20.0), np.zeros(20))


# --- assumptions and the baseline check -----------------------------------------------------


def _coached(**coach: object) -> Scenario:
    return Scenario(name="coach", outside_coach=OutsideCoach(**coach))  # type: ignore[arg-type]


def test_assumptions_state_the_coach_s_advantages_from_the_scenarios() -> None:
    base = Scenario(name="base")
    lines = assumptions(base, [("Coach A", _coached(quality=0.85, tailored=True, style="micro"))])
    text = " ".join(lines)
    assert "generic (worth 50% of coaching tailored" in text
    assert "quality 0.5 untrained, 0.75 trained" in text
    assert "Outside coach in \u201cCoach A\u201d: quality 0.85, tailored" in text
    assert "These settings favour the outside coach" in text
    assert "coaches at quality 0.85 against the managers' 0.5 to 0.75" in text
    assert "micro-coaching" in text
    assert "Money: gross margin 60%" in text
    # a generic, formal coach no better than a trained manager is not favoured
    plain = _coached(quality=0.7, tailored=False, style="formal")
    assert not any("favour" in line for line in assumptions(base, [("Plain", plain)]))


def test_assumptions_mark_the_values_drawn_over_a_range() -> None:
    unsure = Scenario.model_validate(
        {
            "name": "coach",
            "outside_coach": {"quality": 0.9},
            "uncertain": {"outside_coach.quality": {"triangular": [0.5, 0.7, 0.9]}},
        }
    )
    text = " ".join(assumptions(Scenario(name="base"), [("Coach", unsure)]))
    assert "quality 0.9 (uncertain)" in text
    assert "Values marked (uncertain) vary over their ranges" in text
    assert "0.5 (uncertain)" not in text  # the managers' quality is not drawn
    plain = " ".join(assumptions(Scenario(name="base"), [("Coach", _coached())]))
    assert "(uncertain)" not in plain


def test_the_baseline_check_computes_as_the_run_report_does() -> None:
    s = Scenario(name="base", weeks=52, team=Team(managers=2, reps_per_manager=5))
    summary = pd.DataFrame(
        {
            "revenue": [1_000_000.0, 1_200_000.0],
            "revenue_managers": [100_000.0, 100_000.0],
            "deals_won": [40.0, 48.0],
            "win_rate_qualified": [0.3, 0.4],
        }
    )
    panel = baseline_panel([("Base", s, summary)]).set_index("measure")["Base"]
    assert panel["Average booked deal (USD)"] == "25,000"
    assert panel["Win rate of qualified deals"] == "35.0%"
    assert panel["Sales cycle of a won deal (working days, as set in the scenario)"] == "60"
    assert panel["Revenue per year (USD)"] == "1,100,000"
    assert panel["Revenue per rep per year (USD, reps' own deals)"] == "100,000"


# --- the key-measure table and the headline -------------------------------------------------


def _table() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for metric, (m, lo, hi) in {
        "revenue_uplift_pct": (2.0, 1.0, 3.0),
        "revenue_uplift": (1e6, 5e5, 1.5e6),
        "incremental_gross_profit": (6e5, 3e5, 9e5),
        "incremental_cash_cost": (1e5, 1e5, 1e5),
        "incremental_time_cost": (1e4, 1e4, 1e4),
        "incremental_cost": (1.1e5, 1.1e5, 1.1e5),
        "cost_share_of_gain": (11.0, 8.0, 14.0),
        "roi_pct": (400.0, 200.0, 600.0),
        "bcr": (5.0, 3.0, 7.0),
        "payback_week": (9.0, 7.0, 11.0),
        "prob_payback": (1.0, 0.84, 1.0),
        "npv": (4e5, 2e5, 6e5),
    }.items():
        rows.append(
            {"scenario": "x", "metric": metric, "mean": m, "ci_low": lo, "ci_high": hi, "n": 20}
        )
    per_rep = pd.DataFrame(
        {
            "scenario": "x",
            "roi_pct": np.linspace(25, 1000, 21),
            "npv": np.linspace(-1e5, 9e5, 21),
            "incremental_gross_profit": np.linspace(1e5, 1.1e6, 21),
        }
    )
    return pd.DataFrame(rows), per_rep


def test_shares_of_runs_read_as_percentages_in_the_table_and_the_sentence() -> None:
    table, per_rep = _table()
    km = key_measures(table, per_rep, ["x"], ["Option X"], 104).set_index(
        "measure: average (95% interval)"
    )["Option X"]
    assert km["Runs that pay back within 104 weeks"] == "100% (84% to 100%)"
    sentence = headline(table, "x", 104)
    assert "100% of runs pay back within 104 weeks" in sentence
    assert "1.00" not in sentence
    assert "1.00" not in km.to_string()


def test_money_rows_show_the_spread_of_single_runs() -> None:
    table, per_rep = _table()
    km = key_measures(table, per_rep, ["x"], ["Option X"], 104).set_index(
        "measure: average (95% interval)"
    )["Option X"]
    assert km["ROI (%)"] == "400 (200 to 600)"
    assert km["ROI (%): middle 80% of single runs"] == "122 to 902"
    assert km["NPV (USD): middle 80% of single runs"] == "0 to 800,000"
    assert "Extra gross profit (USD): middle 80% of single runs" in km.index


def test_one_run_gives_no_interval_spread_or_share_of_runs() -> None:
    table, per_rep = _table()
    table["n"] = 1
    one = per_rep.iloc[:1]
    sentence = headline(table, "x", 104)
    assert "one run" in sentence
    assert "CI" not in sentence
    assert "of runs" not in sentence
    km = key_measures(table, one, ["x"], ["Option X"], 104).set_index(
        "measure: average (95% interval)"
    )["Option X"]
    assert km["NPV (USD): middle 80% of single runs"] == "n/a (one run)"
    text = " ".join(verdict_lines([_option("x", 5e5, runs=1)], 104, "Base"))
    assert "one run" in text
    assert "Downside" not in text
    assert "% of runs" not in text
    assert "pays back in week 9" in text


# --- the payback chart ----------------------------------------------------------------------


def test_the_payback_chart_marks_the_week_and_zooms_on_the_crossing() -> None:
    net = np.r_[np.linspace(-50e3, 0, 11), np.linspace(10e3, 3e6, 93)]
    fig, shown = payback_figure([("A", "#1f77b4", net, 10.0), ("B", "#d62728", net, None)], 104)
    assert shown == 19  # half as long again as week 10, plus 4
    assert list(fig.layout.xaxis.range) == [0, 18]
    assert fig.layout.yaxis.range[0] < -50 < 0 < fig.layout.yaxis.range[1] < 1000
    assert [a.text for a in fig.layout.annotations] == ["pays back: week 10"]
    assert any(s.x0 == 10.0 and s.x1 == 10.0 for s in fig.layout.shapes)


def test_the_payback_chart_shows_the_whole_horizon_when_nothing_pays_back() -> None:
    fig, shown = payback_figure([("A", "#1f77b4", -np.arange(52.0), None)], 52)
    assert shown == 52
    assert fig.layout.xaxis.range is None
    assert not fig.layout.annotations


# --- the whole page on a tiny comparison ----------------------------------------------------


@pytest.fixture(scope="module")
def tiny() -> Comparison:
    team = Team(managers=1, reps_per_manager=3)
    base = Scenario(name="base", description="Status quo.", weeks=6, warmup_weeks=2, team=team)
    alt = Scenario(
        name="coach",
        description="An outside coach & <co>.",
        weeks=6,
        warmup_weeks=2,
        team=team,
        outside_coach=OutsideCoach(hours_per_week=4),
    )
    return compare(base, [alt], replications=2, seed=1)


def test_the_page_opens_with_the_verdict_and_labels_scenarios_by_description(
    tiny: Comparison,
) -> None:
    html = compare_report(tiny, {"replications": 2, "seed": 1, "version": "test"})
    body = html[html.index("<body>") :]
    first = re.search(r"</h1>\s*(<[^>]+>)", body)
    assert first is not None
    assert first.group(1) == '<section id="verdict" class="verdict">'
    assert "An outside coach &amp; &lt;co&gt;" in body
    assert "<th>An outside coach &amp; &lt;co&gt;</th>" in body
    assert "<th>coach</th>" not in body  # the name is not the label
    assert body.index('id="assumptions"') < body.index('id="key-measures"')
    assert body.index('id="baseline-check"') < body.index('id="fig-uplift"')


def test_statistical_names_are_only_in_the_end_note(tiny: Comparison) -> None:
    html = compare_report(tiny, {"replications": 2, "seed": 1, "version": "test"})
    body = html[html.index("<body>") :]
    before, end = body.split('<section id="how-to-read"')
    text = re.sub(r"<script.*?</script>", "", before, flags=re.S)
    for word in ("Phillips", "Wilson", "t-interval", "paired t", "paired differences"):
        assert word not in text, word
    for word in ("Phillips", "Wilson", "t-interval", "How to read this"):
        assert word in end, word


# --- the break-even quality against a trained manager's ---------------------------------------


def _with_quality_break_even(value: float | None, pays_above: bool, npv: float) -> object:
    from sim.experiment.findings import BreakEven, Findings, VarianceSplit

    b = BreakEven(
        "outside_coach.quality",
        value,
        None if value is None else (value - 0.05, value + 0.05),
        pays_above,
        0.5,
        0.95,
    )
    return Findings(
        name="coach",
        draws=256,
        reps_per_draw=1,
        npv=npv,
        npv_range=(npv - 1, npv + 1),
        roi_pct=0.0,
        roi_range=(0.0, 0.0),
        uplift_pct=0.0,
        uplift_range=(0.0, 0.0),
        prob_expected=float("nan"),
        prob_one_team=0.5,
        npv_se=1.0,
        quality_trained=0.75,
        variance=VarianceSplit(float("nan"), float("nan")),
        evpi=0.0,
        evpi_learnable=float("nan"),
        evppi={},
        spearman={},
        break_evens=[b],
        fees=None,
        hurdles=pd.DataFrame(),
    )


def test_the_quality_sentence_says_whether_the_case_rests_on_a_better_coach() -> None:
    from sim.report.uncertainty import quality_line, verdict

    above = quality_line(_with_quality_break_even(0.82, True, 1e5))  # type: ignore[arg-type]
    assert above is not None
    assert "rests on the outside coach coaching better than a trained manager" in above
    assert "at least 0.82 (95% interval 0.77 to 0.87), against a trained manager's 0.75" in above
    below = quality_line(_with_quality_break_even(0.6, True, 1e5))  # type: ignore[arg-type]
    assert below is not None
    assert "does not rest on the outside coach coaching better" in below
    everywhere = quality_line(_with_quality_break_even(None, True, 1e5))  # type: ignore[arg-type]
    assert everywhere is not None
    assert "at every quality drawn (0.50 to 0.95)" in everywhere
    never = quality_line(_with_quality_break_even(None, False, -1e5))  # type: ignore[arg-type]
    assert never is not None
    assert never.startswith("It does not pay on average at any quality drawn")
    lines = verdict(_with_quality_break_even(0.82, True, 1e5))  # type: ignore[arg-type]
    assert sum("outside_coach.quality" in x for x in lines) == 0  # said once, in words
    assert any("rests on the outside coach" in x for x in lines)
