"""Docs that cannot rot: the settings table and the CLI in README.md match the code."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from trove.cli import main
from trove.config import SETTINGS, settings_table_markdown

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def test_settings_table_in_readme_is_current() -> None:
    assert settings_table_markdown() in README, "regenerate the table in README.md"
    for setting in SETTINGS:
        assert f"`{setting.env}`" in README


def test_every_command_is_documented_in_readme() -> None:
    for name, command in main.commands.items():
        assert f"trove {name}" in README, name
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--") and option not in {"--help"}:
                    assert option in README, f"trove {name} {option}"


def test_quick_start_has_the_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick and "make test" in quick


def test_help_works_for_every_command() -> None:
    runner = CliRunner()
    for name in main.commands:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output


def test_query_syntax_in_readme_is_current() -> None:
    from trove.search.query import SYNTAX_HELP

    assert SYNTAX_HELP.strip() in README, "copy SYNTAX_HELP into README.md"
