"""Issue 18 item 8: the command line's conventions (--version, global flags after the command,
--help listing the variables and exit codes it documents)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import openclaw_deepinfra
from openclaw_deepinfra.cli import main as main_mod
from openclaw_deepinfra.cli.main import ENVIRONMENT, EXIT_CODES, build_parser
from tests.cli.conftest import CliEnv, Run

PACKAGE = Path(openclaw_deepinfra.__file__).parent


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main_mod.main(["--version"])

    assert stop.value.code == 0
    assert capsys.readouterr().out == f"openclaw-deepinfra {openclaw_deepinfra.__version__}\n"


def test_help_lists_every_documented_variable_and_exit_code() -> None:
    text = build_parser().format_help()

    for name, description in ENVIRONMENT:
        assert re.search(rf"^  {name} +{re.escape(description)}$", text, re.M), name
    for code, description in EXIT_CODES:
        assert re.search(rf"^  {code} +{re.escape(description)}$", text, re.M), code


@pytest.mark.parametrize("name", [name for name, _ in ENVIRONMENT])
def test_every_variable_the_help_names_is_read_by_the_code(name: str) -> None:
    # The help is a claim about behaviour: each variable must be looked up somewhere in the package
    # (as a constant the lookup uses, or literally), not only mentioned in main.py.
    sources = [p for p in PACKAGE.rglob("*.py") if p.name != "main.py"]
    assert any(f'"{name}"' in p.read_text(encoding="utf-8") for p in sources) or name == main_mod.DEBUG_ENV


@pytest.mark.parametrize(
    "argv",
    [["-v", "plugins", "list"], ["plugins", "list", "-v"], ["plugins", "list", "--verbose"]],
    ids=["before", "after", "long"],
)
def test_verbose_is_accepted_before_or_after_the_command(cli_env: CliEnv, run: Run, argv: list[str]) -> None:
    result = run(*argv)

    assert result.code == 0, result.err
    assert "deepinfra" in result.out
