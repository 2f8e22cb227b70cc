"""The outermost boundary: every failure is one redacted line on stderr with the right exit code."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

import pytest

from openclaw_deepinfra.cli import doctor as doctor_cmd
from openclaw_deepinfra.cli import models as models_cmd
from openclaw_deepinfra.cli.main import build_parser
from openclaw_deepinfra.cli.session import CliError
from openclaw_deepinfra.errors import AuthenticationError, MissingApiKeyError
from openclaw_deepinfra.host.errors import ConfigError, InstallError, ManifestError, ModelRefError
from openclaw_deepinfra.settings import ApiKey
from tests.cli.conftest import SECRET, CliEnv, Run
from tests.cli.test_plugins_cmd import REGISTERED_KINDS


def _raising(exc: BaseException, *, is_async: bool = True) -> Any:
    async def async_handler(args: argparse.Namespace) -> int:
        raise exc

    def sync_handler(args: argparse.Namespace) -> int:
        raise exc

    return async_handler if is_async else sync_handler


@pytest.mark.parametrize("is_async", [True, False], ids=["async", "sync"])
def test_an_unexpected_exception_is_one_line_and_exit_1(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch, is_async: bool
) -> None:
    handler = _raising(RuntimeError("kaboom\n  in the   middle"), is_async=is_async)
    monkeypatch.setattr(models_cmd, "run", handler)

    result = run("models")

    assert result.code == 1
    assert result.out == ""
    assert result.err == "openclaw-deepinfra: error: unexpected RuntimeError: kaboom in the middle\n"
    assert "Traceback" not in result.err


def test_an_unexpected_exception_without_text_names_its_type(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor_cmd, "run", _raising(KeyError()))

    result = run("doctor")

    assert (result.code, result.err) == (1, "openclaw-deepinfra: error: unexpected KeyError: KeyError\n")


def test_openclaw_debug_adds_the_traceback(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models_cmd, "run", _raising(RuntimeError("kaboom")))
    monkeypatch.setenv("OPENCLAW_DEBUG", "1")

    result = run("models")

    assert result.code == 1
    assert result.err.startswith("Traceback (most recent call last):\n")
    assert "RuntimeError: kaboom" in result.err
    assert result.err.endswith("openclaw-deepinfra: error: unexpected RuntimeError: kaboom\n")


def test_a_registered_key_is_redacted_from_an_unexpected_error(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def leaky(args: argparse.Namespace) -> int:
        key = ApiKey(SECRET, "env:DEEPINFRA_API_KEY")
        raise RuntimeError(f"request with Authorization: Bearer {key.reveal()} failed")

    monkeypatch.setattr(models_cmd, "run", leaky)

    result = run("models")

    assert result.code == 1
    assert SECRET not in result.text
    assert result.err == (
        "openclaw-deepinfra: error: unexpected RuntimeError: request with Authorization: Bearer *** failed\n"
    )


@pytest.mark.parametrize(
    ("exc", "code", "line"),
    [
        (CliError("usage problem", exit_code=2), 2, "usage problem"),
        (CliError("runtime problem"), 1, "runtime problem"),
        (ConfigError("bad config"), 2, "bad config"),
        (ManifestError("bad manifest"), 2, "bad manifest"),
        (ModelRefError("bad ref"), 2, "bad ref"),
        (InstallError("pip failed"), 1, "pip failed"),
        (
            MissingApiKeyError("DeepInfra API key missing", hint="set DEEPINFRA_API_KEY"),
            2,
            "DeepInfra API key missing Hint: set DEEPINFRA_API_KEY",
        ),
        (
            AuthenticationError("DeepInfra rejected the key", status=401),
            1,
            "DeepInfra rejected the key (HTTP 401)",
        ),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else None,
)
def test_known_errors_keep_their_text_and_exit_code(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch, exc: Exception, code: int, line: str
) -> None:
    monkeypatch.setattr(models_cmd, "run", _raising(exc))

    result = run("models")

    assert result.code == code
    assert result.err == f"openclaw-deepinfra: error: {line}\n"


def test_keyboard_interrupt_is_exit_130(cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models_cmd, "run", _raising(KeyboardInterrupt()))

    result = run("models")

    assert (result.code, result.out, result.err) == (130, "", "openclaw-deepinfra: interrupted\n")


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "{config}", "plugins", "list"],
        ["plugins", "--config", "{config}", "list"],
        ["plugins", "list", "--config", "{config}"],
    ],
    ids=["global", "command", "action"],
)
def test_config_is_accepted_before_or_after_the_subcommand(
    cli_env: CliEnv, run: Run, argv: list[str]
) -> None:
    other = cli_env.root / "other.json"
    other.write_text(json.dumps({"plugins": {"entries": {"deepinfra": {"enabled": False}}}}))
    cli_env.write_config({})  # OPENCLAW_CONFIG_PATH's config leaves the plugin enabled

    result = run(*(a.format(config=other) for a in argv))

    assert result.code == 0, result.err
    assert result.out == "deepinfra  disabled  0.1.0\n"


def test_without_config_the_env_path_is_used(cli_env: CliEnv, run: Run) -> None:
    cli_env.write_config({"plugins": {"deny": ["deepinfra"]}})

    assert run("plugins", "list").out == "deepinfra  disabled  0.1.0\n"


def test_a_subcommand_is_required() -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([])

    assert exited.value.code == 2


def test_the_console_script_runs_as_a_module(cli_env: CliEnv) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "openclaw_deepinfra.cli", "plugins", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"deepinfra  loaded  0.1.0  {', '.join(sorted(REGISTERED_KINDS))}\n"
