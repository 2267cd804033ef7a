"""The validation suite runs, its calibration rows hold, and docs/validation.md is current."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from validation import dose
from validation.run import OUT, page
from validation.studies import FITTED, STUDIES, criteria, judge

pytestmark = pytest.mark.slow  # about a minute of simulation


def test_the_validation_page_is_what_the_suite_gives_today() -> None:
    rows = [study() for study in STUDIES]
    for row in rows:
        if row.key in FITTED:
            assert row.reproduced, f"a calibration no longer holds: {row.study}"
    assert {r.key for r in rows} == set(criteria()), "every criterion has its row, and only one"
    written = OUT.read_text(encoding="utf-8")
    assert written == page(rows, dose.table(dose.curves())), "run: make validate-model"
    assert (ROOT / "docs" / "dose-response.html").exists()


def test_the_rules_judge_as_the_criteria_say() -> None:
    from validation.design import Estimate

    assert judge({"rule": "factor_two", "target": 4.5}, [2.3])
    assert not judge({"rule": "factor_two", "target": 4.5}, [1.5])  # Kerfoot: two-sided now
    assert not judge({"rule": "factor_two", "target": 4.5}, [9.1])
    assert not judge({"rule": "factor_two", "target": -8.0}, [8.0])
    assert judge({"rule": "factor_two_each", "targets": [9.0, -6.0]}, [5.0, -3.1])
    assert not judge({"rule": "factor_two_each", "targets": [9.0, -6.0]}, [5.0, -2.9])
    assert judge({"rule": "range", "low": 0.2, "high": 1.5}, [0.2])
    assert judge({"rule": "below_share", "share": 0.25}, [4.0, 0.9])
    assert not judge({"rule": "below_share", "share": 0.25}, [4.0, 1.1])
    up, down = Estimate(1.0, 0.1, 2.0), Estimate(-1.0, -2.0, -0.1)
    assert judge({"rule": "interval_above_zero_then_below"}, [up, down])
    assert not judge({"rule": "interval_above_zero"}, [Estimate(1.0, -0.1, 2.0)])
    with pytest.raises(ValueError, match="unknown rule"):
        judge({"rule": "close enough"}, [1.0])


def test_only_independent_validation_rows_count() -> None:
    for key, c in criteria().items():
        if not c["independent"]:
            assert c["role"] in ("calibration", "demonstration"), key
            assert c.get("sets"), f"{key}: say which default its data set"
