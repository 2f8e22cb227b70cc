"""Issue 12 part 3 through the CLI: doctor lists every unusable key; unknown keys only warn."""

from __future__ import annotations

import pytest

from tests.cli.conftest import SECRET, CliEnv, Run
from tests.test_config_check import BAD

# -- doctor ----------------------------------------------------------------------------------------


def test_doctor_lists_every_problem_and_warns_on_unknown_keys(cli_env: CliEnv, run: Run) -> None:
    cli_env.write_config(BAD)
    result = run("doctor")
    assert result.code == 2
    lines = result.out.splitlines()
    fails = [line for line in lines if line.startswith("[fail] config:")]
    assert len(fails) == 6
    assert (
        "[fail] config: tts.maxTextLength is a string; expected a positive whole number of characters"
        in lines
    )
    assert (
        "[warn] config: tts.providers.deepinfra.typo is not a key the deepinfra plugin reads; "
        "ignored (check the spelling)"
    ) in lines
    assert SECRET not in result.text and "12345" not in result.text


def test_doctor_treats_unknown_keys_as_warnings_only(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch, catalog: object
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    cli_env.write_config({"plugins": {"entries": {"deepinfra": {"enabled": True, "newGatewayKey": 1}}}})
    result = run("doctor")
    assert result.code == 0, result.out
    assert any("plugins.entries.deepinfra.newGatewayKey" in line for line in result.out.splitlines())


def test_embed_cli_reports_a_bad_model_type(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    cli_env.write_config({"memory": {"search": {"provider": "deepinfra", "model": 3}}})
    result = run("embed", "hello")
    assert result.code == 2
    assert "memory.search.model is a number" in result.err
