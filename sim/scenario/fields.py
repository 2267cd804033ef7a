"""What every section of a scenario shares: strict parsing, finite bounded numbers, clean text.

Each section of the schema derives from :class:`Strict`: unknown keys are errors, numbers are
never parsed from strings, and every number must be finite (each numeric field also has an upper
bound, checked by tests/unit/test_scenarios.py, so no input overflows the model). Names are
:data:`Label` (one line, no control characters), descriptions :data:`Text`. The one text read as a
number is a percentage given for a share (a field bounded within 0 to 1): ``10%`` is 0.1.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

MAX_WEEKS = 2000
"""The longest horizon, weeks (about 38 years); programme weeks are bounded by it too."""
MIN_CONVERSION = 1e-4
"""Base conversions stay this far from 0 and 1, so logits and the ability spread's solve are
finite."""
MIN_HOURS = 1.0 / 60.0
"""The shortest meeting and the fewest outside-coach hours: one minute."""
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
"""A stage name written as an identifier (``needs_analysis``), as the shipped scenarios write
them: ``export-crm`` shows such a name as a CRM would ("Needs Analysis"), any other as it is."""
PERCENT = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*%\s*$")
"""A percentage as a file may give a share: ``10%``, ``12.5 %``."""


def as_share(value: Any) -> Any:
    """``value`` as the share it means if it is a percentage (``"10%"``: 0.1), else unchanged."""
    match = PERCENT.match(value) if isinstance(value, str) else None
    return float(match.group(1)) / 100.0 if match else value


def not_a_share(value: str, setting: str = "this setting") -> str:
    """What to say of a percentage given for a setting that is not a share."""
    return (
        f"{value.strip()!r} is a percentage, but {setting} is not a share from 0 to 1; "
        "write a plain number"
    )


def is_share(info: FieldInfo) -> bool:
    """Whether a field is a share: a number bounded within 0 to 1 on both sides."""
    low = high = None
    for m in info.metadata:
        for name in ("ge", "gt"):
            if getattr(m, name, None) is not None:
                low = getattr(m, name)
        for name in ("le", "lt"):
            if getattr(m, name, None) is not None:
                high = getattr(m, name)
    return low is not None and high is not None and low >= 0 and high <= 1


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


def _trimmed(value: str) -> str:
    if value != value.strip():
        raise ValueError("must not start or end with a space")
    return value


MAX_STAGE_NAME = 80
"""The longest stage name, characters."""
StageLabel = Annotated[
    str,
    Field(min_length=1, max_length=MAX_STAGE_NAME),
    AfterValidator(_control_characters),
    AfterValidator(_trimmed),
]
"""A stage's name as the team's CRM writes it, in any language and script ("Negociación",
"Reunião realizada (SQL)"): one line, no control characters, no space at either end."""


def label_key(name: str) -> str:
    """What two stage names must not share to be told apart: the name with compatible
    characters unified (NFKC), case folded and runs of spaces made one."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class Strict(BaseModel):
    """Base of every section: unknown keys are errors, numbers are not parsed from strings, and
    every number is finite (each field also has an upper bound, so no input overflows)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, validate_default=True, allow_inf_nan=False
    )

    @model_validator(mode="before")
    @classmethod
    def _percentages(cls, data: Any) -> Any:
        """A share given as a percentage (``10%``) as the number it means (0.1); a percentage
        anywhere else is left for validation to refuse (see sim.scenario.problems)."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, value in data.items():
            info = cls.model_fields.get(name) if isinstance(name, str) else None
            if info is None or not isinstance(value, str) or not is_share(info):
                continue
            out[name] = as_share(value)
        return out
