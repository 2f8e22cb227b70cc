"""`onboard --deepinfra-api-key KEY`: the key goes to auth-profiles.json (0600), never to the config."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import json5
import pytest

from tests.cli.conftest import AUTH_PATH, MODELS_PATH, SECRET, CliEnv, Run, catalog_requests
from tests.e2e.loopback import LoopbackServer

DEFAULT_REF = "deepinfra/deepseek-ai/DeepSeek-V4-Flash"

# Comments, unquoted and odd keys, trailing commas, single quotes, hex: all valid JSON5.
USER_CONFIG_JSON5 = """\
// my gateway, hand written
{
  gateway: { port: 18789, bind: 'loopback', },  /* trailing comma above */
  "$schema": "https://openclaw.ai/schema.json",
  'key.with.dots': { "spaces in key": [1, 2, 0x1F], "": "empty key" },
  unicode: "héllo ✓",
  agents: {
    defaults: {
      workspace: "~/agents/main",
      models: { "openai/gpt-5": { alias: "GPT" } },
    },
  },
  models: { providers: { deepinfra: { headers: { "X-Team": "infra" }, }, }, },
  tools: { media: { image: { models: [{ provider: "deepinfra", model: "moonshotai/Kimi-K2.5" }] } } },
}
"""


def _onboard(run: Run, config: Path, key: str = SECRET) -> Any:
    return run("onboard", "--deepinfra-api-key", key, "--config", str(config))


def _profiles(cli_env: CliEnv) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(cli_env.profiles.read_text())
    return data


def test_onboard_stores_the_key_in_the_main_agents_store_with_mode_0600(cli_env: CliEnv, run: Run) -> None:
    # Issue 12: the key goes where OpenClaw reads it (<state>/agents/main/agent/), not beside the config.
    config = cli_env.root / "elsewhere" / "openclaw.json"
    result = _onboard(run, config)

    assert result.code == 0, result.err
    assert result.err == ""
    profiles_path = cli_env.profiles
    assert stat.S_IMODE(profiles_path.stat().st_mode) == 0o600
    assert not (config.parent / "auth-profiles.json").exists()
    assert _profiles(cli_env) == {
        "version": 1,
        "profiles": {"deepinfra:default": {"type": "api_key", "provider": "deepinfra", "key": SECRET}},
    }
    assert result.out.splitlines() == [
        f"stored the API key as auth profile deepinfra:default in {profiles_path}",
        f"updated {config}",
        f"primary model: {DEFAULT_REF}",
        "DeepInfra: DeepInfra provides an OpenAI-compatible API for open source and frontier models.",
        "Get your API key at: https://deepinfra.com/dash/api_keys",
    ]
    # --config wins over OPENCLAW_CONFIG_PATH: nothing was written there
    assert not cli_env.config.exists()
    assert not cli_env.legacy_profiles.exists()


def test_onboard_on_an_empty_config_sets_the_primary_model_and_alias_only(cli_env: CliEnv, run: Run) -> None:
    result = _onboard(run, cli_env.config)

    assert result.code == 0, result.err
    assert cli_env.read_config() == {
        "agents": {
            "defaults": {
                "model": {"primary": DEFAULT_REF},
                "models": {DEFAULT_REF: {"alias": "DeepInfra"}},
            }
        }
    }
    assert SECRET not in cli_env.config.read_text()
    assert SECRET not in result.text


def test_onboard_keeps_every_key_of_a_json5_config(cli_env: CliEnv, run: Run) -> None:
    cli_env.write_config(USER_CONFIG_JSON5)
    before = json5.loads(USER_CONFIG_JSON5)

    result = _onboard(run, cli_env.config)

    assert result.code == 0, result.err
    # Issue 12: the file stays the user's JSON5: only the two new members were added.
    text = cli_env.config.read_text()
    assert text.startswith("// my gateway, hand written\n{\n  gateway: { port: 18789, bind: 'loopback', },")
    assert "/* trailing comma above */" in text and "0x1F" in text and "'key.with.dots'" in text
    for line in USER_CONFIG_JSON5.splitlines():
        if 'models: { "openai/gpt-5"' not in line:
            assert line in text.splitlines(), line
    assert (cli_env.config.parent / "openclaw.json.bak").read_text() == USER_CONFIG_JSON5
    after = json5.loads(text)
    expected = json.loads(json.dumps(before))
    expected["agents"]["defaults"]["model"] = {"primary": DEFAULT_REF}
    expected["agents"]["defaults"]["models"][DEFAULT_REF] = {"alias": "DeepInfra"}
    assert after == expected
    assert after["key.with.dots"] == {"spaces in key": [1, 2, 31], "": "empty key"}
    assert after["models"]["providers"]["deepinfra"] == {"headers": {"X-Team": "infra"}}
    assert "apiKey" not in json.dumps(after)
    assert SECRET not in cli_env.config.read_text()
    assert SECRET not in result.text


@pytest.mark.parametrize(
    "model",
    [
        "openai/gpt-5",
        {"primary": "openai/gpt-5", "fallbacks": ["anthropic/claude-opus-4", "deepinfra/zai-org/GLM-5.2"]},
    ],
    ids=["string", "object"],
)
def test_onboard_keeps_an_existing_primary_and_its_fallbacks(cli_env: CliEnv, run: Run, model: Any) -> None:
    text = "// keep me\n" + json.dumps({"agents": {"defaults": {"model": model}}, "extra": True}, indent=1)
    cli_env.write_config(text)

    result = _onboard(run, cli_env.config)

    assert result.code == 0, result.err
    # nothing to change: the file is not rewritten at all, comments included
    assert cli_env.config.read_text() == text
    assert "primary model: openai/gpt-5" in result.out.splitlines()
    assert not any(line.startswith("updated ") for line in result.out.splitlines())
    assert _profiles(cli_env)["profiles"]["deepinfra:default"]["key"] == SECRET


def test_onboard_fills_a_blank_primary_and_keeps_fallbacks_and_an_existing_alias(
    cli_env: CliEnv, run: Run
) -> None:
    cli_env.write_config(
        {
            "agents": {
                "defaults": {
                    "model": {"primary": "", "fallbacks": ["openai/gpt-5"]},
                    "models": {DEFAULT_REF: {"alias": "Fast", "params": {"temperature": 0.2}}},
                }
            }
        }
    )

    result = _onboard(run, cli_env.config)

    assert result.code == 0, result.err
    assert cli_env.read_config() == {
        "agents": {
            "defaults": {
                "model": {"primary": DEFAULT_REF, "fallbacks": ["openai/gpt-5"]},
                "models": {DEFAULT_REF: {"alias": "Fast", "params": {"temperature": 0.2}}},
            }
        }
    }


@pytest.mark.parametrize("key", ["", "   ", "\t"], ids=["empty", "spaces", "tab"])
def test_a_blank_key_is_a_usage_error_on_one_line(cli_env: CliEnv, run: Run, key: str) -> None:
    result = _onboard(run, cli_env.config, key)

    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        "openclaw-deepinfra: error: a DeepInfra API key is required: "
        "pass --deepinfra-api-key KEY or set DEEPINFRA_API_KEY\n"
    )
    assert not cli_env.profiles.exists()
    assert not cli_env.config.exists()


def test_a_key_with_inner_whitespace_is_rejected_without_echoing_it(cli_env: CliEnv, run: Run) -> None:
    result = _onboard(run, cli_env.config, f"{SECRET} {SECRET}")

    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "must not contain whitespace" in result.err
    assert SECRET not in result.text
    assert not cli_env.profiles.exists()


def test_a_second_onboard_replaces_the_profile_key(cli_env: CliEnv, run: Run) -> None:
    assert _onboard(run, cli_env.config).code == 0
    config_after_first = cli_env.config.read_text()
    newer = SECRET[::-1]

    result = _onboard(run, cli_env.config, f"  {newer}  ")

    assert result.code == 0, result.err
    assert _profiles(cli_env)["profiles"] == {
        "deepinfra:default": {"type": "api_key", "provider": "deepinfra", "key": newer}
    }
    assert stat.S_IMODE(cli_env.profiles.stat().st_mode) == 0o600
    assert cli_env.config.read_text() == config_after_first
    assert newer not in result.text


def test_onboard_keeps_other_profiles_in_the_store(cli_env: CliEnv, run: Run) -> None:
    other = {"type": "api_key", "provider": "openai", "key": "sk-other-provider-key-000"}
    cli_env.profiles.parent.mkdir(parents=True)
    cli_env.profiles.write_text(json.dumps({"version": 1, "profiles": {"openai:default": other}}))
    cli_env.profiles.chmod(0o600)

    assert _onboard(run, cli_env.config).code == 0

    assert _profiles(cli_env)["profiles"] == {
        "openai:default": other,
        "deepinfra:default": {"type": "api_key", "provider": "deepinfra", "key": SECRET},
    }


def test_doctor_after_onboarding_finds_the_key_in_the_profile(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer
) -> None:
    assert _onboard(run, cli_env.config).code == 0

    result = run("doctor")

    assert result.code == 0, result.text
    assert "[ok  ] API key: present (from profile)" in result.out.splitlines()
    assert catalog_requests(catalog) == 1
    assert SECRET not in result.text
    # the catalog projection is anonymous: the key only gates the fetch; doctor's key check
    # (issue 18) is the one request that carries it
    catalog_seen = [seen for seen in catalog.seen if seen.path.startswith(MODELS_PATH)]
    assert all("authorization" not in seen.headers for seen in catalog_seen)
    (auth,) = [seen for seen in catalog.seen if seen.path == AUTH_PATH]
    assert auth.headers["authorization"] == f"Bearer {SECRET}"
