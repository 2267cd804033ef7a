"""The validation suite runs, its calibration rows hold, and docs/validation.md is current."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from validation import dose
from validation.run import OUT, page
from validation.studies import STUDIES

pytestmark = pytest.mark.slow  # about a minute of simulation


def test_the_validation_page_is_what_the_suite_gives_today() -> None:
    rows = [study() for study in STUDIES]
    for row in rows:
        if row.role.startswith("calibration"):
            assert row.reproduced, f"a calibration no longer holds: {row.study}"
    written = OUT.read_text(encoding="utf-8")
    assert written == page(rows, dose.table(dose.curves())), "run: make validate-model"
    assert (ROOT / "docs" / "dose-response.html").exists()
