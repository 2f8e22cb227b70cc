"""Issue 12 part 1 through the CLI: onboard/plugins/doctor touch the files OpenClaw reads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import json5
import pytest

from openclaw_deepinfra.cli.main import main
from tests.cli.conftest import SECRET, CliEnv, Run

DEFAULT_REF = "deepinfra/deepseek-ai/DeepSeek-V4-Flash"


def _key_in(path: Path) -> str:
    data = json.loads(path.read_text())
    key: str = data["profiles"]["deepinfra:default"]["key"]
    return key


@pytest.fixture
def bare_env(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No OPENCLAW_* variables at all: paths come from the (throwaway) home directory."""
    for name in ("OPENCLAW_STATE_DIR", "OPENCLAW_CONFIG_PATH"):
        monkeypatch.delenv(name)
    return Path(os.environ["HOME"])


def test_default_layout_under_home(bare_env: Path, run: Run) -> None:
    result = run("onboard", "--deepinfra-api-key", SECRET)
    assert result.code == 0, result.err
    state = bare_env / ".openclaw"
    assert (
        json5.loads((state / "openclaw.json").read_text())["agents"]["defaults"]["model"]["primary"]
        == DEFAULT_REF
    )
    assert _key_in(state / "agents" / "main" / "agent" / "auth-profiles.json") == SECRET


def test_openclaw_home_moves_the_default_state_dir(
    bare_env: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENCLAW_HOME", str(tmp_path / "oc-home"))
    assert run("onboard", "--deepinfra-api-key", SECRET).code == 0
    state = tmp_path / "oc-home" / ".openclaw"
    assert (state / "openclaw.json").is_file()
    assert _key_in(state / "agents" / "main" / "agent" / "auth-profiles.json") == SECRET
    assert not (bare_env / ".openclaw").exists()


def test_state_dir_env_holds_the_config_the_keys_and_the_cache(
    bare_env: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Docker user: only OPENCLAW_STATE_DIR is set.
    state = tmp_path / "docker-state"
    monkeypatch.setenv("OPENCLAW_STATE_DIR", str(state))
    monkeypatch.delenv("OPENCLAW_DEEPINFRA_CACHE_DIR")
    assert run("onboard", "--deepinfra-api-key", SECRET).code == 0
    assert (state / "openclaw.json").is_file()
    assert _key_in(state / "agents" / "main" / "agent" / "auth-profiles.json") == SECRET
    assert run("plugins", "disable", "deepinfra").code == 0
    assert (
        json5.loads((state / "openclaw.json").read_text())["plugins"]["entries"]["deepinfra"]["enabled"]
        is False
    )
    assert not (bare_env / ".openclaw").exists()


def test_profile_selects_its_own_state_dir_and_is_restored_after(bare_env: Path, run: Run) -> None:
    result = run("--profile", "work", "onboard", "--deepinfra-api-key", SECRET)
    assert result.code == 0, result.err
    work = bare_env / ".openclaw-work"
    assert f"updated {work / 'openclaw.json'}" in result.out.splitlines()
    assert _key_in(work / "agents" / "main" / "agent" / "auth-profiles.json") == SECRET
    assert not (bare_env / ".openclaw").exists()
    assert "OPENCLAW_STATE_DIR" not in os.environ and "OPENCLAW_CONFIG_PATH" not in os.environ
    # after the subcommand too, and --config still wins over the profile's config
    other = bare_env / "other.json"
    assert (
        run("onboard", "--profile", "home", "--config", str(other), "--deepinfra-api-key", SECRET).code == 0
    )
    assert other.is_file() and not (bare_env / ".openclaw-home" / "openclaw.json").exists()
    assert _key_in(bare_env / ".openclaw-home" / "agents" / "main" / "agent" / "auth-profiles.json") == SECRET


def test_profile_overrides_state_env_and_a_bad_name_is_a_usage_error(
    cli_env: CliEnv, run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--profile", "ci", "onboard", "--deepinfra-api-key", SECRET).code == 0
    assert not cli_env.config.exists() and not cli_env.profiles.exists()
    result = run("--profile", "../etc", "doctor")
    assert result.code == 2
    assert "profile '../etc' is not valid" in result.err


def test_agent_flag_stores_the_key_for_that_agent(cli_env: CliEnv, run: Run) -> None:
    result = run("onboard", "--agent", "ops", "--deepinfra-api-key", SECRET)
    assert result.code == 0, result.err
    assert _key_in(cli_env.state / "agents" / "ops" / "agent" / "auth-profiles.json") == SECRET
    assert not cli_env.profiles.exists()
    assert run("onboard", "--agent", "a/b", "--deepinfra-api-key", SECRET).code == 2


def _legacy_store(cli_env: CliEnv, key: str) -> None:
    profiles = {"deepinfra:default": {"type": "api_key", "provider": "deepinfra", "key": key}}
    cli_env.legacy_profiles.write_text(json.dumps({"version": 1, "profiles": profiles}))
    cli_env.legacy_profiles.chmod(0o600)


def test_a_key_in_the_legacy_place_is_read_and_doctor_says_to_move_it(
    cli_env: CliEnv, run: Run, catalog: object
) -> None:
    _legacy_store(cli_env, SECRET)
    result = run("doctor")
    assert "[ok  ] API key: present (from profile)" in result.out
    warning = next(line for line in result.out.splitlines() if line.startswith("[warn] auth profiles:"))
    assert str(cli_env.legacy_profiles) in warning and str(cli_env.profiles) in warning
    assert "deepinfra:default" in warning and "move them there" in warning
    assert SECRET not in result.text


def test_onboard_moves_legacy_keys_saying_so(cli_env: CliEnv, run: Run) -> None:
    old_key = SECRET[::-1]
    _legacy_store(cli_env, old_key)
    result = run("onboard", "--deepinfra-api-key", SECRET)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (
        f"moved auth profile deepinfra:default from {cli_env.legacy_profiles} to {cli_env.profiles}"
    )
    assert not cli_env.legacy_profiles.exists()
    assert _key_in(cli_env.profiles) == SECRET  # the new key replaced the moved one
    assert old_key not in result.text and SECRET not in result.text


def test_main_restores_the_environment_even_when_the_command_fails(cli_env: CliEnv) -> None:
    before = dict(os.environ)
    assert main(["--profile", "x", "stt", "/nonexistent.mp3"]) != 0
    assert dict(os.environ) == before


def test_the_catalog_cache_follows_the_state_dir_and_the_profile(
    bare_env: Path, run: Run, catalog: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    monkeypatch.delenv("OPENCLAW_DEEPINFRA_CACHE_DIR")
    assert run("models", "--json").code == 0
    assert list((bare_env / ".openclaw" / "cache" / "deepinfra").glob("catalog-*.json"))
    assert run("--profile", "work", "models", "--json").code == 0
    # a profile has its own last-good catalog, never the default state dir's
    assert list((bare_env / ".openclaw-work" / "cache" / "deepinfra").glob("catalog-*.json"))
