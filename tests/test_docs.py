"""Documentation keeps up with the code: every command has help with an example and is in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from vigie.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def all_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> dict[str, click.Command]:
    """Every sub-command by its full name ("ingest", or "db migrate" for a nested group)."""
    found: dict[str, click.Command] = {}
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found[" ".join(path)] = command
        if isinstance(command, click.Group):
            found.update(all_commands(command, path))
    return found


COMMANDS = all_commands()


def test_docs_finds_the_commands() -> None:
    assert {"ingest", "events", "show", "documents", "eval"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_docs_command_help_has_an_example(name: str) -> None:
    command = COMMANDS[name]

    result = CliRunner().invoke(cli, [*name.split(), "--help"])

    assert result.exit_code == 0, result.output
    assert command.help and command.help.strip(), f"`vigie {name}` has no docstring"
    example = re.search(r"Example:\s*(vigie .+)", command.help)
    assert example, f"`vigie {name}` docstring has no 'Example: vigie …' line"
    assert example.group(1).split()[1 : 1 + len(name.split())] == name.split()
    assert "Example:" in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_docs_every_option_has_help(name: str) -> None:
    undocumented = [
        param.opts[0]
        for param in COMMANDS[name].params
        if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip()
    ]
    assert undocumented == [], f"`vigie {name}` options without help: {undocumented}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_docs_readme_mentions_every_command(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert re.search(rf"\bvigie {re.escape(name)}\b", readme), f"README.md never shows `vigie {name}`"


def test_docs_changelog_has_an_unreleased_section() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

    unreleased = changelog.split("## Unreleased", 1)[1].split("\n## ", 1)[0]
    assert "### Added" in unreleased
    assert re.search(r"^- .+#\d+", unreleased, re.MULTILINE), "each bullet names its issue (#N)"
