"""Bad scenario input: one located line per problem, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import ROOT, SCENARIOS

REFERENCE = (SCENARIOS / "reference.yaml").resolve()


def bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


CASES: dict[str, tuple[str | bytes, list[str]]] = {
    "syntax": ("weeks: [1, 2\nteam: {}\n", ["bad.yaml:2:5: YAML error"]),
    "empty": ("", ["bad.yaml:1:1: file is empty"]),
    "only_comments": ("# nothing here\n\n", ["bad.yaml:1:1: file is empty"]),
    "top_level_list": ("- a\n- b\n", ["bad.yaml:1:1: top level must be a mapping", "a list"]),
    "top_level_scalar": ("just words\n", ["bad.yaml:1:1: top level must be a mapping"]),
    "unknown_key": (
        "team:\n  managerz: 3\nfoo: 1\n",
        [
            "bad.yaml:2:3: team.managerz: unknown key; did you mean 'managers'?",
            "bad.yaml:3:1: foo: unknown key; allowed keys:",
        ],
    ),
    "wrong_types": (
        "weeks: ten\nteam:\n  managers: 2.5\ncoaching:\n  tailored: maybe\n",
        [
            "bad.yaml:1:8: weeks: must be a whole number (got 'ten')",
            "bad.yaml:3:13: team.managers: must be a whole number (got 2.5)",
            "bad.yaml:5:13: coaching.tailored: must be true or false",
        ],
    ),
    "out_of_range": (
        "managers:\n  coaching_protection: 1.5\n  admin_hours_per_week: -3\n"
        "stages:\n  - {name: only, base_conversion: 1.2, duration_mean_days: 5}\n",
        [
            "bad.yaml:2:24: managers.coaching_protection: must be at most 1",
            "bad.yaml:3:25: managers.admin_hours_per_week: must be at least 0 (got -3)",
            "bad.yaml:5:35: stages[0].base_conversion: must be at most 0.9999 (got 1.2)",
        ],
    ),
    "time_budget": (
        "managers:\n  admin_hours_per_week: 30\n  selling_hours_per_week: 20\n",
        [
            "bad.yaml:2:25: managers.admin_hours_per_week: admin (30 h) + own selling (20 h) + "
            "other work (5 h) + expected meetings (7.5 h) = 62.5 h exceeds the 50-hour week"
        ],
    ),
    "unknown_stage": (
        "coaching:\n  scope: [closing, negotiation]\n",
        [
            "bad.yaml:2:20: coaching.scope[1]: no stage named 'negotiation'; stages are "
            "prospecting, discovery, proposal, closing"
        ],
    ),
    "missing_extends": (
        "extends: nowhere.yaml\n",
        ["bad.yaml:1:10: extends: no such file 'nowhere.yaml'"],
    ),
    "not_text": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["bad.yaml:1:1: not a text file"]),
    "nul_bytes": ("weeks: 3\n\x00\n", ["bad.yaml:1:1: not a text file (contains NUL bytes)"]),
    "alias_bomb": (bomb(), ["bad.yaml:1:1: document expands to more than 100,000 values"]),
    "duplicate_key": ("weeks: 1\nweeks: 2\n", ["bad.yaml:2:1: YAML error", "duplicate key"]),
    "error_in_merged_value": (
        f"extends: {REFERENCE}\nmanagers:\n  quality_trained: 2\n",
        ["bad.yaml:3:20: managers.quality_trained: must be at most 1"],
    ),
    "two_fees": (
        "outside_coach:\n  fee_per_rep_per_month_usd: 400\n  fee_per_hour_usd: 100\n",
        ["bad.yaml:3:21: outside_coach.fee_per_hour_usd: set exactly one of fee_per_hour_usd"],
    ),
    # Nothing lost, item 4: a stage listed twice would count twice.
    "duplicate_training_stage": (
        "training:\n  - stages: [closing, closing]\n",
        ["bad.yaml:2:23: training[0].stages[1]: stage 'closing' is listed twice"],
    ),
    "duplicate_scope_stage": (
        "coaching:\n  scope: [proposal, closing, proposal]\n",
        ["bad.yaml:2:30: coaching.scope[2]: stage 'proposal' is listed twice"],
    ),
    "duplicate_outside_scope_stage": (
        "outside_coach:\n  scope:\n    - closing\n    - closing\n",
        ["bad.yaml:4:7: outside_coach.scope[1]: stage 'closing' is listed twice"],
    ),
    # Item 5: every number finite and bounded.
    "infinite": (
        "deal_value:\n  mean_usd: .inf\nleads:\n  per_rep_per_week: .nan\n",
        [
            "bad.yaml:2:13: deal_value.mean_usd: must be a finite number (got inf)",
            "bad.yaml:4:21: leads.per_rep_per_week: must be a finite number (got nan)",
        ],
    ),
    "huge": (
        "deal_value:\n  mean_usd: 1e308\nfocus_typo: 1\n",
        ["bad.yaml:2:13: deal_value.mean_usd: must be at most 1000000000"],
    ),
    # Item 6: validated scenarios that crashed the model.
    "tiny_session": (
        "coaching:\n  minutes_per_session: 1e-12\n",
        ["bad.yaml:2:24: coaching.minutes_per_session: must be at least 1"],
    ),
    "huge_tier_weight": (
        "coaching:\n  focus:\n    tier_weights: {A: 1.7e308}\n",
        ["bad.yaml:3:23: coaching.focus.tier_weights.A: must be at most 1000"],
    ),
    "own_leads": (
        "managers:\n  own_leads_per_week: 100000\n",
        ["bad.yaml:2:23: managers.own_leads_per_week: must be at most 500"],
    ),
    "tiny_conversion": (
        "stages:\n  - {name: a, base_conversion: 1e-300, duration_mean_days: 5}\n",
        ["bad.yaml:2:32: stages[0].base_conversion: must be at least"],
    ),
    # Item 11: validator tracebacks.
    "tag_int": ("weeks: !!int abc\n", ["bad.yaml:1:8: YAML tags such as '!!int' are not"]),
    "tag_bool": ("weeks: !!bool maybe\n", ["bad.yaml:1:8: YAML tags such as '!!bool'"]),
    "tag_float": ("weeks: !!float .e\n", ["bad.yaml:1:8: YAML tags such as '!!float'"]),
    "tag_omap": ("weeks: !!omap 75\n", ["bad.yaml:1:8: YAML tags such as '!!omap'"]),
    "tag_set": ("weeks: !!set 5\n", ["bad.yaml:1:8: YAML tags such as '!!set'"]),
    "tag_python": ("weeks: !!python/object:os.system x\n", ["bad.yaml:1:8: YAML tags"]),
    "sequence_key": ("weeks: 3\n? [[1]]\n: 3\n", ["bad.yaml:2:3: a key must be a plain word"]),
    # Item 14: one line per problem, control characters escaped, long values cut.
    "form_feed": ("weeks: 3\n\x0c: 1\n", ["bad.yaml:2:1: YAML error: U+000C is not allowed"]),
    "escape_in_key": (
        'weeks: 3\n"\\e[31mred": 1\n',
        ["bad.yaml:2:1: \\x1b[31mred: unknown key"],
    ),
    "line_separator_in_key": (
        'weeks: 3\n"a\\u2028b": 1\n',
        ["bad.yaml:2:1: a\\u2028b: unknown key"],
    ),
    "long_value": (
        "weeks: " + "x" * 990_000 + "\n",
        ["bad.yaml:1:8: weeks: must be a whole number"],
    ),
    "control_in_name": ('name: "a\\x1bb"\n', ["bad.yaml:1:7: name: control character U+001B"]),
    "not_a_scenario": (
        "root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n",
        ["bad.yaml:1:1: not a scenario file: none of its top-level keys is a setting"],
    ),
    "extends_not_yaml": ("extends: /etc/passwd\n", ["bad.yaml:1:10: extends: must name a .yaml"]),
    "extends_long_path": (
        "extends: " + "ab/" * 2000 + "x.yaml\n",
        ["bad.yaml:1:10: extends: cannot use this path: the path is too long"],
    ),
    "deep_flow": (
        "weeks: " + "[" * 10_000 + "]" * 10_000 + "\n",
        ["bad.yaml:1:72: YAML nests deeper than 64 levels"],
    ),
    "unknown_key_among_many": (
        "outside_coach:\n  Weekz: 1\n",
        ["bad.yaml:2:3: outside_coach.Weekz: unknown key; 23 keys are allowed here, among them"],
    ),
    "extends_directory": (f"extends: {SCENARIOS.resolve()}/.yaml\n", ["bad.yaml:1:10: extends:"]),
}


def _write(tmp: Path, content: str | bytes) -> Path:
    path = tmp / "bad.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_input(
    case: str, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content, expected = CASES[case]
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, content)
    args = [command, "bad.yaml"] + (["-n", "1", "-o", "out"] if command == "run" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    for text in expected:
        assert text in result.output, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert all(ln.startswith("bad.yaml:") for ln in lines), lines
    assert all(len(ln) < 400 and ln.isprintable() for ln in lines), lines
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "outputs").exists()


def test_yaml_warnings_do_not_reach_the_terminal(tmp_path: Path) -> None:
    """Ruamel warns in paragraphs about YAML 1.1 floats without a dot; the value is read."""
    path = tmp_path / "old.yaml"
    path.write_text("%YAML 1.1\n---\nskill:\n  spacing_gain: 1e-1\n")
    # A real process: pytest would capture the warning before the command line printed it.
    result = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].endswith("old.yaml: ok")  # then its figures
    assert result.stderr == "", result.stderr


def test_extends_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "a.yaml")])
    assert result.exit_code == 2
    assert "extends: cycle:" in result.output
    assert "a.yaml -> " in result.output
    assert "Traceback" not in result.output


def test_self_extends(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: a.yaml\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "a.yaml")])
    assert result.exit_code == 2
    assert "cycle" in result.output


def test_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_validate_reports_each_file(tmp_path: Path) -> None:
    bad = _write(tmp_path, "weeks: -1\n")
    result = CliRunner().invoke(main, ["validate", str(SCENARIOS / "reference.yaml"), str(bad)])
    assert result.exit_code == 2
    assert "reference.yaml: ok" in result.output
    assert "bad.yaml:1:8: weeks: must be at least 1" in result.output


def test_bad_option_values(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(SCENARIOS / "reference.yaml"), "-n", "0"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "-n" in result.output or "replications" in result.output
