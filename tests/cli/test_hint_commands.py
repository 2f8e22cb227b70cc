"""Every command line a message tells the user to run names a command the parser really has
(issue 18 item 8: deprecation and setup hints must not send users to commands that do not exist)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openclaw_deepinfra.cli.main import build_parser

PACKAGE = Path(__file__).resolve().parents[2] / "openclaw_deepinfra"
# `openclaw-deepinfra ...` inside backticks, as every hint quotes a command.
HINT = re.compile(r"`openclaw-deepinfra( [^`]*)?`")


def _hinted() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in HINT.finditer(path.read_text(encoding="utf-8")):
            if match.group(1):  # the bare program name (a docstring mention) has no command
                found.append((path.name, match.group(1).strip()))
    return found


def test_hints_are_found() -> None:
    commands = {line.split()[0] for _, line in _hinted()}
    assert {"onboard", "plugins", "doctor"} <= commands


@pytest.mark.parametrize(("where", "line"), _hinted())
def test_each_hinted_command_parses(where: str, line: str) -> None:
    # placeholders (f-string fields, PATH_OR_NAME, KEY) stand for one argument each
    argv = [re.sub(r"\{[^}]*\}", "x", word) for word in line.split()]
    namespace = build_parser().parse_args(argv)
    assert namespace.command == argv[0], where
