"""A calibrated scenario file: valid, complete, commented, and carrying the data's uncertainty."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.crm import Estimate
from sim.calibration.fit import Figures, Fitted, slug
from sim.calibration.scenario import scenario_text
from sim.scenario import Scenario, load_scenario
from sim.scenario.uncertain import apply_draw

NAN = float("nan")
STAGES = ["Qualification", "Proposal/Price Quote", "Negotiation"]


def _fitted() -> Fitted:
    data = Scenario().model_dump()
    data["stages"] = [
        {**data["stages"][0], "name": slug(s), "base_conversion": 0.5} for s in STAGES
    ]
    data["team"].update(managers=4, reps_per_manager=5, top20_revenue_share=0.47)
    scenario = apply_draw(Scenario.model_validate(data), {"deal_value.mean_usd": 45_000.0})
    conv = [Estimate(0.52, 0.49, 0.55, 2_400), Estimate(0.985, 0.90, 1.0, 40), NONE3]
    days = [Estimate(8.0, 7.2, 8.9, 2_400), Estimate(12.5, 10.0, 15.5, 40), NONE3]
    figures = Figures(
        stages=STAGES,
        conversion=conv,
        days_in_stage=days,
        days_to_advance=days,
        leads_per_rep_per_week=Estimate(2.6, 2.2, 3.1, 21),
        deal_mean_usd=Estimate(45_000, 41_000, 49_500, 700),
        deal_cv=Estimate(0.85, 0.74, 0.97, 700),
        top20_share=Estimate(0.47, 0.40, 0.55, 21),
        top20_share_seen=0.52,
        reps=21,
        managers=0,
        manager_leads_per_week=NAN,
        deals=2_400,
        win_rate=0.4,
        cycle_days=60,
    )
    settings = {
        "stages[0].base_conversion": Estimate(0.5, 0.47, 0.53, 2_400),
        "stages[1].base_conversion": Estimate(0.98, 0.90, 1.0, 40),  # too near 1 for its width
        "deal_value.mean_usd": Estimate(45_000, 41_000, 49_500, 700),
        "team.top20_revenue_share": figures.top20_share,
    }
    shown = {
        "stages[0].base_conversion": conv[0],
        "stages[1].base_conversion": conv[1],
        "deal_value.mean_usd": figures.deal_mean_usd,
    }
    kept = ["stages[2].base_conversion", "stages[2].duration_mean_days"]
    return Fitted(scenario, figures, figures, settings, shown, kept, pd.DataFrame(), 1, 3, 0.004)


NONE3 = Estimate(NAN, NAN, NAN, 3)


def test_the_written_scenario_loads_with_every_estimate_and_its_uncertainty(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(scenario_text(_fitted(), "opportunities.csv", date(2026, 3, 31)))
    s = load_scenario(str(path))  # complete: extends nothing
    assert s.name == "acme"
    assert (s.team.managers, s.team.reps_per_manager) == (4, 5)
    assert s.deal_value.mean_usd == pytest.approx(45_000)
    assert [st.name for st in s.stages] == ["qualification", "proposal_price_quote", "negotiation"]
    assert isinstance(s.uncertain, dict)
    assert {"stages[0].base_conversion", "deal_value.mean_usd", "team.top20_revenue_share"} <= set(
        s.uncertain
    )
    # a share too close to 1 for its interval stays fixed, and the file says so
    assert "stages[1].base_conversion" not in s.uncertain
    text = path.read_text()
    assert "\nextends:" not in text
    assert "CRM: 0.520 (95% 0.490 to 0.550) deals that leave the stage forward" in text
    assert "the top 20% of reps booked 52% of won revenue" in text
    assert "too few records to estimate" in text
    assert "stages[1].base_conversion" in text.splitlines()[-1]
    assert "# Horizon, weeks." in text  # every setting keeps its description
    assert not math.isnan(s.team.top20_revenue_share)


def test_crm_stage_names_become_scenario_stage_names() -> None:
    assert slug("Proposal/Price Quote") == "proposal_price_quote"
    assert slug("1. Discovery") == "stage_1_discovery"
