"""A calibrated scenario file: valid, commented, and carrying the data's uncertainty."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sim.analysis.crm import Estimate
from sim.calibration.scenario import Calibration, StageEstimate, scenario_text, slug
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

CAL = Calibration(
    source="opportunities.csv",
    as_of=date(2026, 3, 31),
    reps=21,
    deals=2_400,
    leads_per_rep_per_week=Estimate(2.6, 2.2, 3.1, 21),
    deal_mean_usd=Estimate(45_000, 41_000, 49_500, 700),
    deal_cv=Estimate(0.85, 0.74, 0.97, 700),
    top20_share=Estimate(0.47, 0.40, 0.55, 21),
    stages=[
        StageEstimate(
            "Qualification", Estimate(0.52, 0.49, 0.55, 2_400), Estimate(8.0, 7.2, 8.9, 2_400)
        ),
        StageEstimate(
            "Proposal/Price Quote", Estimate(0.985, 0.90, 1.0, 40), Estimate(12.5, 10.0, 15.5, 40)
        ),
        StageEstimate(
            "Negotiation",
            Estimate(0.64, float("nan"), float("nan"), 3),
            Estimate(9.0, 6.0, 12.0, 3),
        ),
    ],
)


def test_the_written_scenario_loads_with_every_estimate_and_its_uncertainty(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(
        scenario_text(CAL, "acme", extends=str((SCENARIOS / "reference.yaml").resolve()))
    )
    s = load_scenario(str(path))
    assert s.name == "acme"
    assert (s.team.managers, s.team.reps_per_manager) == (4, 5)  # 21 reps: about 6 a manager
    assert s.leads.per_rep_per_week == pytest.approx(2.6)
    assert s.deal_value.mean_usd == pytest.approx(45_000)
    assert [st.name for st in s.stages] == ["qualification", "proposal_price_quote", "negotiation"]
    assert isinstance(s.uncertain, dict)
    assert "stages[0].base_conversion" in s.uncertain
    assert "deal_value.mean_usd" in s.uncertain
    # a share too close to 1 for its interval, and an estimate with no interval, stay fixed
    assert "stages[1].base_conversion" not in s.uncertain
    assert "stages[2].base_conversion" not in s.uncertain
    text = path.read_text()
    assert (
        "# estimate 0.52 (95% interval 0.49 to 0.55) from 2400 deals, open ones as censored" in text
    )
    assert "too few to give an interval" in text
    assert "Left at their estimates" in text
    assert "stages[1].base_conversion" in text.splitlines()[-1]


def test_crm_stage_names_become_scenario_stage_names() -> None:
    assert slug("Proposal/Price Quote") == "proposal_price_quote"
    assert slug("1. Discovery") == "stage_1_discovery"
