"""Write docs/cli.md, the command-line reference: the ``--help`` of every command and
subcommand as a terminal 80 columns wide shows it (``make docs``, or ``.venv/bin/python
docs/cli_reference.py``; tests/unit/test_docs.py fails when the page is out of date)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli import main  # noqa: E402

WIDTH = 80
"""The terminal width the help is rendered at: the narrowest a user is likely to have."""

OUT = ROOT / "docs" / "cli.md"
REGENERATE = ".venv/bin/python docs/cli_reference.py"
"""The command that rewrites docs/cli.md (``make docs`` runs it too)."""


def commands(
    group: click.Group = main, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every visible command below ``group`` with its path of names, the group itself first,
    each group's commands in the order its ``--help`` lists them."""
    found: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    ctx = click.Context(group, info_name=" ".join(("coachsim", *path)))
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        if isinstance(cmd, click.Group):
            found += commands(cmd, (*path, name))
        else:
            found.append(((*path, name), cmd))
    return found


def help_text(path: tuple[str, ...], width: int = WIDTH) -> str:
    """What ``coachsim PATH --help`` prints in a terminal ``width`` columns wide."""
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="coachsim", terminal_width=width)
    if result.exit_code != 0:
        raise RuntimeError(f"coachsim {' '.join(path)} --help failed: {result.output}")
    return result.output


def anchor(title: str) -> str:
    """The anchor GitHub gives a heading such as ``coachsim export-crm``."""
    return title.lower().replace(" ", "-")


def cli_reference() -> str:
    """The whole of docs/cli.md."""
    titles = [" ".join(("coachsim", *path)) for path, _ in commands()]
    lines = [
        "# Command-line reference",
        "",
        "Every command's `--help`, as it prints in a terminal 80 columns wide. This page is",
        "generated from the commands themselves: do not edit it; after changing a command's",
        f"help, run `make docs` (or `{REGENERATE}`).",
        "",
        "Files and folders are relative to the folder you run coachsim in; the examples use the",
        "repository's `scenarios/` and `examples/`. How to use the commands together is in the",
        "[user guide](user-guide.md).",
        "",
        *(f"- [`{t}`](#{anchor(t)})" for t in titles),
    ]
    for title, (path, _) in zip(titles, commands(), strict=True):
        text = "\n".join(line.rstrip() for line in help_text(path).strip("\n").splitlines())
        lines += ["", f"## {title}", "", "```text", text, "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUT.write_text(cli_reference(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
