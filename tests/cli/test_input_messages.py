"""What a sales leader reads about a scenario file (issue 15): suggestions that keep the meaning,
percentages for shares, plain words for every kind of wrong value, a missing file named as such,
an outside coach's fee, and the outside coach's favourable defaults stated.

Every refusal goes through the command line (validate and run): exit status 2, no traceback, one
``FILE...: `` line per problem, nothing written.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic import BaseModel

from cli import main
from sim.scenario import Scenario, load_scenario
from sim.scenario.concepts import CONCEPTS, SPELLING_CUTOFF
from sim.scenario.problems import _unwrap
from sim.scenario.programmes import FEES
from tests.conftest import SCENARIOS

JARGON = (
    "Input should",
    "valid dictionary",
    "instance of",
    "Field required",
    "List should",
    "Value should",
    "String should",
    "valid integer",
    "valid number",
    "valid boolean",
)


def _cli(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def _refused(tmp: Path, command: str, file: str, lines: int | None = None) -> list[str]:
    """Run ``command`` on ``file`` (in ``tmp``, the current directory) and check it is a clean
    refusal; the problem lines."""
    args = [command, file] + (["-n", "1", "-o", "out"] if command == "run" else [])
    result = _cli(args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    out = [ln for ln in result.output.splitlines() if ln.strip()]
    assert all(ln.startswith(file.split("/")[0]) for ln in out), out
    assert all(len(ln) < 400 and ln.isprintable() for ln in out), out
    if lines is not None:
        assert len(out) == lines, out
    assert not (tmp / "out").exists()
    assert not (tmp / "outputs").exists()
    return out


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A work folder, the current directory, with copies of the shipped scenarios."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SCENARIOS, tmp_path / "scenarios")
    return tmp_path


def _write(here: Path, text: str, name: str = "team.yaml") -> str:
    (here / name).write_text(text, encoding="utf-8")
    return name


COMMANDS = pytest.mark.parametrize("command", ["validate", "run"])


# 1. Did-you-mean keeps the meaning; concept words point at the real settings.


@COMMANDS
def test_a_concept_word_points_at_the_settings_that_carry_it(here: Path, command: str) -> None:
    f = _write(here, "managers:\n  coaching_share: 0.2\nquota: 900000\n")
    out = _refused(here, command, f, lines=2)
    assert out[0].startswith("team.yaml:2:3: managers.coaching_share: unknown key; ")
    assert "trained_share" not in out[0]  # a different concept, once suggested
    assert "coaching.sessions_per_rep_per_week" in out[0]
    assert "coaching.minutes_per_session" in out[0]
    assert "coachsim init" in out[0]
    assert out[1].startswith("team.yaml:3:1: quota: unknown key; the model has no quota")


@COMMANDS
def test_only_a_close_spelling_is_suggested(here: Path, command: str) -> None:
    f = _write(
        here,
        "team:\n  managerz: 3\noutside_coach:\n  quailty: 0.8\n  Fee_Per_Hour: 150\n"
        "  ramp_weeks: 4\nmanagers:\n  coaching_hours_per_rep: 2\n",
    )
    out = _refused(here, command, f, lines=5)
    assert "team.managerz: unknown key; did you mean 'managers'?" in out[0]
    assert "outside_coach.quailty: unknown key; did you mean 'quality'?" in out[1]
    assert "outside_coach.Fee_Per_Hour: unknown key; did you mean 'fee_per_hour_usd'?" in out[2]
    # Once offered: start_week (a different setting) and admin_hours_per_week (another concept).
    # Now no guess: the keys allowed there.
    assert "outside_coach.ramp_weeks: unknown key; " in out[3]
    assert "managers.coaching_hours_per_rep: unknown key; " in out[4]
    assert not any("did you mean" in ln for ln in out[3:]), out


def _settings(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every dotted path of the schema (list items without their index)."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        out.add(path)
        inner = _unwrap(info.annotation)
        if isinstance(inner, tuple):
            inner = _unwrap(inner[1])
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out |= _settings(inner, f"{path}.")
    return out


def test_every_concept_points_at_real_settings_and_is_not_one() -> None:
    paths = _settings(Scenario)
    leaves = {p.rsplit(".", 1)[-1] for p in paths}
    for word, text in CONCEPTS.items():
        assert word not in leaves, f"{word} is a setting: it needs no hint"
        dotted = re.findall(r"\b[a-z_0-9]+\.[a-z_0-9.]*[a-z]\b", text)
        assert all(ref in paths for ref in dotted), (word, dotted)
        words = [w for w in re.findall(r"\b[a-z_0-9]+\b", text) if w in leaves]
        assert dotted or words or "coachsim run" in text, word


def test_the_cutoff_keeps_other_concepts_out() -> None:
    import difflib

    assert difflib.SequenceMatcher(None, "coaching_share", "trained_share").ratio() < (
        SPELLING_CUTOFF
    )


# 2. A share may be a percentage; anything else may not.


def test_a_percentage_is_read_as_a_share(here: Path) -> None:
    f = _write(
        here,
        "managers:\n  trained_share: 10%\nmoney:\n  gross_margin: 62.5 %\n"
        "stages:\n  - {name: a, base_conversion: 40%, duration_mean_days: 10}\n",
    )
    result = _cli(["validate", "-q", f])
    assert result.exit_code == 0, result.output
    s = load_scenario(f)
    assert s.managers.trained_share == 0.1
    assert s.money.gross_margin == 0.625
    assert s.stages[0].base_conversion == 0.4


@COMMANDS
def test_a_percentage_where_no_share_is_expected_says_so(here: Path, command: str) -> None:
    f = _write(here, "weeks: 10%\nteam:\n  managers: 50%\nmanagers:\n  trained_share: 150%\n")
    out = _refused(here, command, f, lines=3)
    assert out[0] == (
        "team.yaml:1:8: weeks: '10%' is a percentage, but this setting is not a share from 0 to "
        "1; write a plain number"
    )
    assert out[1].startswith("team.yaml:3:13: team.managers: '50%' is a percentage")
    assert out[2] == "team.yaml:5:18: managers.trained_share: must be at most 1 (got 1.5)"


@COMMANDS
def test_a_share_swept_as_percentages_is_read_as_the_numbers(here: Path, command: str) -> None:
    """A share may be given as 10% (above); so may the values a sweep tries for it. A swept
    setting that is not a share is told so by its name (it used to be told "this setting is
    not a share" even of a share)."""
    f = _write(here, "sweep:\n  managers.trained_share: [50%, 0.9]\n")
    assert _cli(["validate", "-q", f]).exit_code == 0
    assert load_scenario(f).sweep == {"managers.trained_share": [0.5, 0.9]}
    g = _write(here, "sweep:\n  managers.meetings_per_week: [5, 50%]\n")
    out = _refused(here, command, g, lines=1)
    assert out[0] == (
        "team.yaml:2:35: sweep.managers.meetings_per_week[1]: '50%' is a percentage, but "
        "managers.meetings_per_week is not a share from 0 to 1; write a plain number"
    )


def test_a_share_set_as_percentages_on_the_command_line_is_read_as_the_numbers() -> None:
    from cli import _parse_set

    assert _parse_set("managers.trained_share=50%,0.9") == ("managers.trained_share", (0.5, 0.9))
    result = _cli(
        [
            "compare",
            str(SCENARIOS / "reference.yaml"),
            str(SCENARIOS / "outside_coach.yaml"),
            "--set",
            "outside_coach.hours_per_week=50%",
        ]
    )
    assert result.exit_code == 2
    assert (
        "'50%' is a percentage, but outside_coach.hours_per_week is not a share from 0 to 1"
        in result.output
    )


# 3. Plain words for every kind of wrong value a file can hold.

PLAIN = [
    ("team: 3\n", "team.yaml:1:7: team: must be a mapping of settings (name: value lines)"),
    ("team: [1, 2]\n", "team.yaml:1:7: team: must be a mapping of settings (name: value lines)"),
    ("sweep: 3\n", "team.yaml:1:8: sweep: must be a mapping of settings (name: value lines)"),
    ("weeks: ten\n", "team.yaml:1:8: weeks: must be a whole number (got 'ten')"),
    ("weeks: 2.5\n", "team.yaml:1:8: weeks: must be a whole number (got 2.5)"),
    ("deal_value:\n  mean_usd: lots\n", "team.yaml:2:13: deal_value.mean_usd: must be a number"),
    ("deal_value:\n  mean_usd: null\n", "deal_value.mean_usd: must be a number (got null)"),
    ("coaching:\n  tailored: maybe\n", "coaching.tailored: must be true or false (got 'maybe')"),
    ("coaching:\n  style: casual\n", "coaching.style: must be 'micro' or 'formal' (got 'casual')"),
    ("weeks: 0\n", "team.yaml:1:8: weeks: must be at least 1 (got 0)"),
    ("weeks: 5000\n", "team.yaml:1:8: weeks: must be at most 2000 (got 5000)"),
    ("money:\n  gross_margin: 0\n", "money.gross_margin: must be more than 0 (got 0)"),
    (
        "team:\n  top20_revenue_share: 0.99\n",
        "team.top20_revenue_share: must be less than 0.99 (got 0.99)",
    ),
    ("name: 3\n", "team.yaml:1:7: name: must be text (got 3)"),
    ("coaching:\n  scope: closing\n", "coaching.scope: must be a list"),
    ("stages: []\n", "team.yaml:1:9: stages: must not be empty"),
    (
        "stages:\n  - {name: a}\n",
        "team.yaml:2:5: stages[0]: required key 'base_conversion' is missing",
    ),
    (
        "stages:\n  - {name: ' Close', base_conversion: 0.5, duration_mean_days: 3}\n",
        "stages[0].name: must not start or end with a space",
    ),
    ("outside_coach:\n  hours_per_weak: 3\n", "did you mean 'hours_per_week'?"),
]


@pytest.mark.parametrize(("text", "expected"), PLAIN, ids=[t for t, _ in PLAIN])
def test_each_kind_of_wrong_value_reads_in_plain_words(
    here: Path, text: str, expected: str
) -> None:
    out = _refused(here, "validate", _write(here, text), lines=None)
    assert any(expected in ln for ln in out), out
    assert re.match(r"^team\.yaml:\d+:\d+: [\w.\[\]]+: ", out[0]), out
    assert not any(j in ln for ln in out for j in JARGON), out


def test_plain_words_through_run(here: Path) -> None:
    out = _refused(here, "run", _write(here, "team: 3\nweeks: ten\n"), lines=2)
    assert out == [
        "team.yaml:1:7: team: must be a mapping of settings (name: value lines) (got 3)",
        "team.yaml:2:8: weeks: must be a whole number (got 'ten')",
    ]


# 4. A missing file is named as such, with the scenario file probably meant.


@COMMANDS
def test_a_missing_file_says_no_such_file_and_suggests_a_close_name(
    here: Path, command: str
) -> None:
    out = _refused(here, command, "refrence.yaml", lines=1)
    assert out == ["refrence.yaml: no such file; did you mean 'scenarios/reference.yaml'?"]
    out = _refused(here, command, "scenarios/outside_coach_virtul.yaml", lines=1)
    assert out == [
        "scenarios/outside_coach_virtul.yaml: no such file; did you mean "
        "'scenarios/outside_coach_virtual.yaml'?"
    ]


@COMMANDS
def test_a_missing_file_with_no_close_name(here: Path, command: str) -> None:
    assert _refused(here, command, "budget.yaml", lines=1) == ["budget.yaml: no such file"]


@COMMANDS
def test_extends_naming_a_missing_file(here: Path, command: str) -> None:
    _write(here, "extends: outside_coch.yaml\nweeks: 52\n", "scenarios/mine.yaml")
    out = _refused(here, command, "scenarios/mine.yaml", lines=1)
    assert out[0].startswith("scenarios/mine.yaml:1:10: extends: no such file 'outside_coch.yaml'")
    assert out[0].endswith("; did you mean 'outside_coach.yaml'?")


# 5. One fee given alone is the coach's fee; the other default falls away.


def test_a_monthly_fee_alone_is_the_fee(here: Path) -> None:
    f = _write(here, "outside_coach:\n  fee_per_rep_per_month_usd: 400\n")
    result = _cli(["validate", "-q", f])
    assert result.exit_code == 0, result.output
    oc = load_scenario(f).outside_coach
    assert oc is not None
    assert (oc.fee_per_hour_usd, oc.fee_per_rep_per_month_usd) == (None, 400)


def test_a_monthly_fee_replaces_the_hourly_fee_it_extends(here: Path) -> None:
    f = _write(
        here,
        "extends: outside_coach.yaml\noutside_coach:\n  fee_per_rep_per_month_usd: 400\n",
        "scenarios/monthly.yaml",
    )
    result = _cli(["validate", "-q", f])
    assert result.exit_code == 0, result.output
    oc = load_scenario(f).outside_coach
    base = load_scenario("scenarios/outside_coach.yaml").outside_coach
    assert oc is not None
    assert base is not None
    assert (oc.fee_per_hour_usd, oc.fee_per_rep_per_month_usd) == (None, 400)
    assert oc.model_dump(exclude=set(FEES)) == (base.model_dump(exclude=set(FEES)))
    assert (base.fee_per_hour_usd, base.fee_per_rep_per_month_usd) == (297, None)


def test_an_hourly_fee_alone_is_unchanged(here: Path) -> None:
    oc = load_scenario(_write(here, "outside_coach:\n  fee_per_hour_usd: 150\n")).outside_coach
    assert oc is not None
    assert (oc.fee_per_hour_usd, oc.fee_per_rep_per_month_usd) == (150, None)


@COMMANDS
def test_two_fees_given_is_refused(here: Path, command: str) -> None:
    f = _write(here, "outside_coach:\n  fee_per_rep_per_month_usd: 400\n  fee_per_hour_usd: 100\n")
    out = _refused(here, command, f, lines=1)
    assert out[0].startswith(
        "team.yaml:3:21: outside_coach.fee_per_hour_usd: set exactly one of fee_per_hour_usd"
    )


# 6. The outside coach's defaults are a trained manager's coaching; a vendor's claims are the
# scenario's (issue 26: they used to favour the coach, and said so).


def test_the_descriptions_say_the_outside_coach_defaults_to_a_trained_managers_coaching() -> None:
    result = _cli(["schema"])
    assert result.exit_code == 0
    defs = json.loads(result.output)["$defs"]
    coach, managers = defs["OutsideCoach"]["properties"], defs["Programme"]["properties"]
    assert coach["quality"]["default"] == 0.75
    assert coach["tailored"]["default"] is False
    assert coach["style"]["default"] == "formal"
    assert "a trained manager's" in coach["quality"]["description"]
    assert "a vendor's claim" in coach["tailored"]["description"]
    assert "as the managers' coaching is" in coach["style"]["description"]
    assert "both default to generic" in managers["tailored"]["description"]
    assert "both default to formal" in managers["style"]["description"]
    top = json.loads(result.output)["properties"]["outside_coach"]["description"]
    assert "a vendor's claims" in top
