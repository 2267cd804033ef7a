"""The documentation holds together: every relative link of README.md and docs/*.md reaches a
file (and heading), no section of the README before its split was lost, the README keeps the
commands CI relies on, docs/cli.md is the commands' current help, and every example in a
command's help stays a whole, copyable command in a terminal 80 columns wide."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

from tests.conftest import ROOT


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REFERENCE = _load(ROOT / "docs" / "cli_reference.py")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

OLD_README_HEADINGS = (
    "coachsim",
    "Quick start",
    "Using it",
    "Scenario files",
    "Comparing scenarios: the business case",
    "How sure are we? Uncertain inputs, value of information, break-even",
    "Your own team: calibrate from a CRM export",
    "Outputs",
    "The model in plain words",
    "What the articles claim, and what the model says",
    "Running many replications",
    "Nothing lost",
    "Running on a cluster",
    "Speed",
    "Development",
)
"""Every heading of README.md before it was split into the README and docs/ pages (issue 15)."""

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def _headings(text: str) -> list[str]:
    return re.findall(r"^#{1,6} (.+?)\s*$", _without_code_blocks(text), flags=re.MULTILINE)


def _anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a page (and any HTML ids in it)."""
    found: set[str] = set(re.findall(r'<a (?:id|name)="([^"]+)"', text))
    seen: dict[str, int] = {}
    for heading in _headings(text):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def _link_problems(page: Path) -> list[str]:
    """One line per relative link of ``page`` (outside code) whose file or heading is missing."""
    prose = re.sub(r"`[^`\n]*`", "", _without_code_blocks(page.read_text(encoding="utf-8")))
    problems = []
    for target in LINK.findall(prose):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        shown = file.relative_to(ROOT).as_posix() if file.is_relative_to(ROOT) else str(file)
        if not file.exists():
            problems.append(f"{page.name}: {target}: no file {shown}")
        elif (
            fragment
            and file.suffix == ".md"
            and fragment not in _anchors(file.read_text(encoding="utf-8"))
        ):
            problems.append(f"{page.name}: {target}: no heading #{fragment} in {shown}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_heading(page: Path) -> None:
    problems = _link_problems(page)
    assert not problems, "\n".join(problems)


def test_the_link_check_sees_a_missing_file_or_heading(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## Its part\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Top\n\n[ok](#top) [ok](other.md#its-part) [web](https://example.com) `[no](x.md)`\n"
        "[gone](missing.md) [no part](other.md#gone) [no heading](#nowhere)\n"
        "```sh\n[not a link](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert [p.split(": ")[1] for p in _link_problems(page)] == [
        "missing.md",
        "other.md#gone",
        "#nowhere",
    ]


def test_the_anchors_are_githubs() -> None:
    text = "# How sure are we? Uncertain inputs, break-even\n## `skill.ceiling`\n"
    assert _anchors(text + "## Outputs\n## Outputs\n") == {
        "how-sure-are-we-uncertain-inputs-break-even",
        "skillceiling",
        "outputs",
        "outputs-1",
    }


def test_every_heading_of_the_old_readme_lands_somewhere() -> None:
    headings = {h for page in PAGES for h in _headings(page.read_text(encoding="utf-8"))}
    missing = [h for h in OLD_README_HEADINGS if h not in headings]
    assert not missing, f"sections lost from the README and docs/: {missing}"


def test_readme_quick_start_is_make_demo_and_make_test_as_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, flags=re.S)
    assert block, "the quick start has no ```sh block"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    assert commands == ["make demo", "make test"]
    ci = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert ci[-1] == "make test", "CI runs the README's test command"
    assert "](docs/img/report.png)" in readme, "the README shows the report's screenshot"


def test_cli_reference_is_current() -> None:
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == REFERENCE.cli_reference(), (
        f"docs/cli.md is out of date: run `make docs` (or `{REFERENCE.REGENERATE}`)"
    )


def test_cli_reference_has_every_command() -> None:
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for path, _ in REFERENCE.commands():
        assert f"\n## {' '.join(('coachsim', *path))}\n" in written
    assert len(REFERENCE.commands()) >= 8  # the group and its seven commands


COMMANDS: dict[tuple[str, ...], click.Command] = dict(REFERENCE.commands())


def _example_paragraphs(help_text: str) -> list[tuple[str, list[str]]]:
    """Each indented paragraph of a help text (its examples), with the line before it."""
    lines = help_text.splitlines()
    found: list[tuple[str, list[str]]] = []
    for i, line in enumerate(lines):
        if line.startswith("    ") and line.strip():
            if i == 0 or not lines[i - 1].startswith("    ") or not lines[i - 1].strip():
                found.append((lines[i - 1].strip() if i else "", []))
            found[-1][1].append(line.strip())
    return found


def _example_problems(help_text: str, rendered: str) -> list[str]:
    r"""What keeps the examples of a command's help (its indented paragraphs) from being
    copyable: each must be a \b block (click then keeps its lines as written), start with
    ``coachsim``, continue a command only after a trailing backslash, and show intact, within 80
    columns, in ``rendered`` (its ``--help`` 80 columns wide)."""
    paragraphs = _example_paragraphs(inspect.cleandoc(help_text))
    if not paragraphs:
        return ["no examples"]
    shown_lines = [line.rstrip() for line in rendered.splitlines()]
    problems = []
    for before, lines in paragraphs:
        if before != "\b":
            problems.append(f"no \\b line before the example {lines[0]!r}")
        for k, line in enumerate(lines):
            if (k == 0 or not lines[k - 1].endswith("\\")) and not line.startswith("coachsim "):
                problems.append(f"not a whole command: {line!r}")
            shown = [r for r in shown_lines if r.strip() == line]
            if not shown:
                problems.append(f"rewrapped in --help at 80 columns: {line!r}")
            elif any(len(r) > 80 for r in shown):
                problems.append(f"wider than 80 columns in --help: {line!r}")
        if lines[-1].endswith("\\"):
            problems.append(f"example ends in a backslash: {lines[-1]!r}")
    return problems


@pytest.mark.parametrize(
    "path", list(COMMANDS), ids=lambda p: " ".join(("coachsim", *p)) if p else "coachsim"
)
def test_help_examples_stay_whole_commands_at_80_columns(path: tuple[str, ...]) -> None:
    rendered = REFERENCE.help_text(path, width=80)
    problems = _example_problems(COMMANDS[path].help or "", rendered)
    assert not problems, "\n".join(problems)


def _demo(doc: str) -> tuple[str, str]:
    command = click.Command("demo", help=doc)
    rendered = CliRunner().invoke(command, ["--help"], terminal_width=80).output
    return command.help or "", rendered


EXAMPLE = "    coachsim run scenarios/reference.yaml \\\n        -n 50 --seed 7\n"


def test_the_example_check_passes_a_b_block() -> None:
    assert _example_problems(*_demo("Demo.\n\nExamples:\n\n\b\n" + EXAMPLE)) == []


def test_the_example_check_sees_a_rewrapped_example() -> None:
    problems = _example_problems(*_demo("Demo.\n\nExamples:\n\n" + EXAMPLE))
    assert any("no \\b" in p for p in problems)
    assert any("rewrapped" in p for p in problems)


def test_the_example_check_sees_a_command_split_without_a_backslash() -> None:
    doc = "Demo.\n\nExamples:\n\n\b\n" + EXAMPLE.replace(" \\\n", "\n")
    assert _example_problems(*_demo(doc)) == ["not a whole command: '-n 50 --seed 7'"]


def test_the_example_check_sees_a_line_too_wide() -> None:
    doc = "Demo.\n\nExample:\n\n\b\n    coachsim run " + "x" * 80 + ".yaml\n"
    assert _example_problems(*_demo(doc)) == [
        f"wider than 80 columns in --help: 'coachsim run {'x' * 80}.yaml'"
    ]
