"""What every section of a scenario shares: strict parsing, finite bounded numbers, clean text.

Each section of the schema derives from :class:`Strict`: unknown keys are errors, numbers are
never parsed from strings, and every number must be finite (each numeric field also has an upper
bound, checked by tests/unit/test_scenarios.py, so no input overflows the model). Names are
:data:`Label` (one line, no control characters), descriptions :data:`Text`.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

MAX_WEEKS = 2000
"""The longest horizon, weeks (about 38 years); programme weeks are bounded by it too."""
MIN_CONVERSION = 1e-4
"""Base conversions stay this far from 0 and 1, so logits and the ability calibration are finite."""
MIN_HOURS = 1.0 / 60.0
"""The shortest meeting and the fewest outside-coach hours: one minute."""


def _control_characters(value: str, allowed: str = "") -> str:
    """``value`` unchanged, or a ValueError naming the first control character in it."""
    for i, ch in enumerate(value):
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            raise ValueError(f"control character U+{ord(ch):04X} at position {i + 1}")
    return value


Label = Annotated[str, AfterValidator(_control_characters)]
"""A name shown on one line in tables, terminals and reports: no control characters."""
Text = Annotated[str, AfterValidator(lambda v: _control_characters(v, allowed="\n\t"))]
"""Free text: newlines and tabs, but no other control characters."""


class Strict(BaseModel):
    """Base of every section: unknown keys are errors, numbers are not parsed from strings, and
    every number is finite (each field also has an upper bound, so no input overflows)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, validate_default=True, allow_inf_nan=False
    )
