"""Bad scenario input: one located line per problem, exit code 2, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import SCENARIOS

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
            "bad.yaml:1:8: weeks: Input should be a valid integer (got 'ten')",
            "bad.yaml:3:13: team.managers: Input should be a valid integer (got 2.5)",
            "bad.yaml:5:13: coaching.tailored: Input should be a valid boolean",
        ],
    ),
    "out_of_range": (
        "managers:\n  coaching_protection: 1.5\n  admin_hours_per_week: -3\n"
        "stages:\n  - {name: only, base_conversion: 1.2, duration_mean_days: 5}\n",
        [
            "bad.yaml:2:24: managers.coaching_protection: Input should be less than or equal to 1",
            "bad.yaml:3:25: managers.admin_hours_per_week: Input should be greater than or equal "
            "to 0 (got -3)",
            "bad.yaml:5:35: stages[0].base_conversion: Input should be less than 1 (got 1.2)",
        ],
    ),
    "time_budget": (
        "managers:\n  admin_hours_per_week: 30\n  selling_hours_per_week: 20\n",
        [
            "bad.yaml:2:25: managers.admin_hours_per_week: admin (30 h) + own selling (20 h) + "
            "expected meetings (7.5 h) = 57.5 h exceeds the 50-hour week"
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
        ["bad.yaml:1:10: extends: extended file 'nowhere.yaml' not found"],
    ),
    "not_text": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["bad.yaml:1:1: not a text file"]),
    "nul_bytes": ("weeks: 3\n\x00\n", ["bad.yaml:1:1: not a text file (contains NUL bytes)"]),
    "alias_bomb": (bomb(), ["bad.yaml:1:1: document expands to more than 100,000 values"]),
    "duplicate_key": ("weeks: 1\nweeks: 2\n", ["bad.yaml:2:1: YAML error", "duplicate key"]),
    "error_in_merged_value": (
        f"extends: {REFERENCE}\nmanagers:\n  quality_trained: 2\n",
        ["bad.yaml:3:20: managers.quality_trained: Input should be less than or equal to 1"],
    ),
    "two_fees": (
        "outside_coach:\n  fee_per_rep_per_month_usd: 400\n",
        ["bad.yaml:2:3: outside_coach.fee_per_hour_usd: set exactly one of fee_per_hour_usd"],
    ),
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
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "outputs").exists()


def test_extends_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "a.yaml")])
    assert result.exit_code == 2
    assert "extends: cycle:" in result.output
    assert "a.yaml -> " in result.output and "Traceback" not in result.output


def test_self_extends(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: a.yaml\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "a.yaml")])
    assert result.exit_code == 2 and "cycle" in result.output


def test_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "file not found" in result.output


def test_validate_reports_each_file(tmp_path: Path) -> None:
    bad = _write(tmp_path, "weeks: -1\n")
    result = CliRunner().invoke(main, ["validate", str(SCENARIOS / "reference.yaml"), str(bad)])
    assert result.exit_code == 2
    assert "reference.yaml: ok" in result.output
    assert "bad.yaml:1:8: weeks: Input should be greater than or equal to 1" in result.output


def test_bad_option_values(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(SCENARIOS / "reference.yaml"), "-n", "0"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "-n" in result.output or "replications" in result.output
