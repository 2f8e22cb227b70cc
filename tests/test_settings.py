from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.errors import ConfigurationError, InvalidBaseUrlError, MissingApiKeyError
from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.paths import AUTH_PROFILES_FILE
from openclaw_deepinfra.settings import (
    DEFAULT_BASE_URL,
    PROFILE_ID,
    ApiKey,
    Settings,
    resolve_settings,
)
from openclaw_deepinfra.urls import validate_base_url

CONFIG_KEY = "sk-config-key-000000000001"
PROFILE_KEY = "sk-profile-key-00000000002"
ENV_KEY = "sk-env-key-0000000000000003"
TOKEN_KEY = "sk-token-key-00000000000004"


def config(provider: dict[str, Any] | None = None, **top: Any) -> OpenClawConfig:
    data: dict[str, Any] = dict(top)
    if provider is not None:
        data["models"] = {"providers": {"deepinfra": provider}}
    return OpenClawConfig(data, env={})


@pytest.fixture
def store(tmp_path: Path) -> AuthProfileStore:
    return AuthProfileStore(tmp_path / "auth-profiles.json")


@pytest.mark.parametrize(
    ("provider", "profile", "env", "expected_key", "expected_source"),
    [
        ({"apiKey": CONFIG_KEY}, PROFILE_KEY, {"DEEPINFRA_API_KEY": ENV_KEY}, CONFIG_KEY, "config"),
        ({}, PROFILE_KEY, {"DEEPINFRA_API_KEY": ENV_KEY}, PROFILE_KEY, "profile"),
        (
            {},
            None,
            {"DEEPINFRA_API_KEY": ENV_KEY, "DEEPINFRA_API_TOKEN": TOKEN_KEY},
            ENV_KEY,
            "env:DEEPINFRA_API_KEY",
        ),
        ({}, None, {"DEEPINFRA_API_TOKEN": TOKEN_KEY}, TOKEN_KEY, "env:DEEPINFRA_API_TOKEN"),
        (
            {"apiKey": "   "},
            None,
            {"DEEPINFRA_API_KEY": ENV_KEY},
            ENV_KEY,
            "env:DEEPINFRA_API_KEY",
        ),  # blank skipped
        (
            {"apiKey": ""},
            None,
            {"DEEPINFRA_API_KEY": " ", "DEEPINFRA_API_TOKEN": TOKEN_KEY},
            TOKEN_KEY,
            "env:DEEPINFRA_API_TOKEN",
        ),
        ({"apiKey": "${MY_KEY}"}, None, {"MY_KEY": CONFIG_KEY}, CONFIG_KEY, "config"),
        (
            {"apiKey": {"source": "env", "provider": "default", "id": "MY_KEY"}},
            None,
            {"MY_KEY": CONFIG_KEY},
            CONFIG_KEY,
            "config",
        ),
        ({"apiKey": f"  {CONFIG_KEY}\n"}, None, {}, CONFIG_KEY, "config"),  # trimmed
        ({}, None, {"DEEPINFRA_API_KEY": f" {ENV_KEY} "}, ENV_KEY, "env:DEEPINFRA_API_KEY"),
        ({}, None, {"DEEPINFRA_TOKEN": ENV_KEY}, None, None),  # only the documented variables
        (None, None, {}, None, None),
    ],
)
def test_key_precedence(
    store: AuthProfileStore,
    provider: dict[str, Any] | None,
    profile: str | None,
    env: dict[str, str],
    expected_key: str | None,
    expected_source: str | None,
) -> None:
    if profile is not None:
        store.put_api_key(PROFILE_ID, "deepinfra", profile)
    settings = resolve_settings(config(provider), auth_store=store, env=env)
    if expected_key is None:
        assert settings.api_key is None
        with pytest.raises(MissingApiKeyError, match="DEEPINFRA_API_KEY"):
            settings.require_key()
    else:
        assert settings.api_key is not None
        assert settings.require_key().reveal() == expected_key
        assert settings.api_key.source == expected_source


def test_env_defaults_to_the_config_env() -> None:
    cfg = OpenClawConfig({"env": {"vars": {"DEEPINFRA_API_TOKEN": TOKEN_KEY}}}, env={})
    settings = resolve_settings(cfg)
    assert settings.api_key is not None and settings.api_key.source == "env:DEEPINFRA_API_TOKEN"


def test_profile_store_beside_the_config_file_is_used_by_default(tmp_path: Path) -> None:
    AuthProfileStore(tmp_path / AUTH_PROFILES_FILE).put_api_key(PROFILE_ID, "deepinfra", PROFILE_KEY)
    cfg = OpenClawConfig({}, path=tmp_path / "openclaw.json", env={})
    settings = resolve_settings(cfg)
    assert settings.api_key is not None and settings.api_key.source == "profile"


def test_unresolvable_config_key_is_a_configuration_error() -> None:
    cfg = config({"apiKey": {"source": "env", "provider": "default", "id": "NOT_SET"}})
    with pytest.raises(ConfigurationError, match=r"models\.providers\.deepinfra\.apiKey"):
        resolve_settings(cfg, env={"DEEPINFRA_API_KEY": ENV_KEY})


def test_corrupt_profile_store_is_a_configuration_error(store: AuthProfileStore) -> None:
    store.path.write_text("{not json")
    store.path.chmod(0o600)
    with pytest.raises(ConfigurationError, match="auth profile"):
        resolve_settings(config({}), auth_store=store, env={})


@pytest.mark.parametrize(
    ("provider", "env", "expected_url", "expected_source"),
    [
        (
            {"baseUrl": "https://proxy.example.com/v1/openai/"},
            {"DEEPINFRA_BASE_URL": "https://b.example.com"},
            "https://proxy.example.com/v1/openai",
            "config",
        ),
        (
            {},
            {
                "DEEPINFRA_BASE_URL": " https://b.example.com/v1/openai// ",
                "DEEPINFRA_API_BASE": "https://c.example.com",
            },
            "https://b.example.com/v1/openai",
            "env:DEEPINFRA_BASE_URL",
        ),
        (
            {},
            {"DEEPINFRA_API_BASE": "https://c.example.com/v1/openai"},
            "https://c.example.com/v1/openai",
            "env:DEEPINFRA_API_BASE",
        ),
        ({"baseUrl": "  "}, {"DEEPINFRA_BASE_URL": ""}, DEFAULT_BASE_URL, "default"),
        ({}, {}, DEFAULT_BASE_URL, "default"),
        ({"baseUrl": "http://127.0.0.1:8080/v1/openai"}, {}, "http://127.0.0.1:8080/v1/openai", "config"),
    ],
)
def test_base_url_precedence(
    provider: dict[str, Any], env: dict[str, str], expected_url: str, expected_source: str
) -> None:
    settings = resolve_settings(config(provider), env=env)
    assert (settings.base_url, settings.base_url_source) == (expected_url, expected_source)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.deepinfra.com/v1/openai", "https://api.deepinfra.com/v1/openai"),
        ("  https://api.deepinfra.com/v1/openai///  ", "https://api.deepinfra.com/v1/openai"),
        ("http://127.0.0.1:9000/v1/openai", "http://127.0.0.1:9000/v1/openai"),
        ("http://127.5.5.5/v1/openai", "http://127.5.5.5/v1/openai"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://[::1]:8000/v1/openai", "http://[::1]:8000/v1/openai"),
        ("HTTPS://API.DEEPINFRA.COM/v1/openai", "HTTPS://API.DEEPINFRA.COM/v1/openai"),
    ],
)
def test_valid_base_urls(url: str, expected: str) -> None:
    assert validate_base_url(url) == expected


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("http://example.com/v1/openai", "must use https"),
        ("http://10.0.0.5/v1/openai", "must use https"),
        ("http://localhost.evil.com/v1/openai", "must use https"),
        ("https://api.deepinfra.com/v1/inference", "/v1/inference"),
        ("https://api.deepinfra.com/v1/inference/meta-llama/Meta-Llama-3-8B-Instruct", "/v1/inference"),
        ("ftp://api.deepinfra.com/v1/openai", "absolute http(s) URL"),
        ("api.deepinfra.com/v1/openai", "absolute http(s) URL"),
        ("", "empty"),
        ("https://api.deepinfra.com:99999/v1/openai", "not a valid URL"),
        ("https://api.deepinfra.com/v1/openai?key=abc", "query string"),
    ],
)
def test_invalid_base_urls(url: str, needle: str) -> None:
    with pytest.raises(InvalidBaseUrlError, match=needle.replace("(", r"\(").replace(")", r"\)")) as info:
        validate_base_url(url)
    assert info.value.hint == "set models.providers.deepinfra.baseUrl to https://api.deepinfra.com/v1/openai"
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    "url",
    [
        "https://user:s3cret-password@proxy.example.com/v1/openai",
        "http://user:s3cret-password@example.com/v1/inference?token=s3cret-password",
        "https://proxy.example.com/v1/inference?token=s3cret-password",
    ],
)
def test_base_url_errors_never_echo_credentials(url: str) -> None:
    with pytest.raises(InvalidBaseUrlError) as info:
        validate_base_url(url)
    assert "s3cret-password" not in str(info.value)
    assert "user:" not in str(info.value)


def test_base_url_error_names_its_source() -> None:
    with pytest.raises(InvalidBaseUrlError, match="DEEPINFRA_API_BASE"):
        resolve_settings(config({}), env={"DEEPINFRA_API_BASE": "http://example.com"})
    with pytest.raises(InvalidBaseUrlError, match=r"models\.providers\.deepinfra\.baseUrl"):
        resolve_settings(config({"baseUrl": 42}), env={})


def test_unexpected_deepinfra_path_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    assert validate_base_url("https://api.deepinfra.com/v1") == "https://api.deepinfra.com/v1"
    assert "does not end in /v1/openai" in caplog.text


@pytest.mark.parametrize(
    ("provider", "retries", "timeout"),
    [
        ({}, 2, None),
        ({"maxRetries": 0, "timeoutSeconds": 30}, 0, 30.0),
        ({"maxRetries": 5, "timeoutSeconds": 0.5}, 5, 0.5),
        ({"maxRetries": "3", "timeoutSeconds": "90"}, 3, 90.0),  # from ${VAR} substitution
        ({"maxRetries": 4.0}, 4, None),
    ],
)
def test_retries_and_timeout(provider: dict[str, Any], retries: int, timeout: float | None) -> None:
    settings = resolve_settings(config(provider), env={})
    assert (settings.max_retries, settings.timeout_s) == (retries, timeout)


@pytest.mark.parametrize(
    ("provider", "needle"),
    [
        ({"maxRetries": -1}, "maxRetries must be a whole number"),
        ({"maxRetries": 1.5}, "maxRetries must be a whole number"),
        ({"maxRetries": 11}, "from 0 to 10"),
        ({"maxRetries": True}, "maxRetries must be a whole number from 0 to 10; got a boolean"),
        ({"maxRetries": "many"}, "maxRetries must be a whole number from 0 to 10; got a string"),
        ({"timeoutSeconds": 0}, "timeoutSeconds must be a number of seconds > 0"),
        ({"timeoutSeconds": -5}, "timeoutSeconds must be"),
        ({"timeoutSeconds": "inf"}, "timeoutSeconds must be"),
        ({"timeoutSeconds": [1]}, "timeoutSeconds must be a number"),
    ],
)
def test_invalid_retries_and_timeout(provider: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        resolve_settings(config(provider), env={})


def test_settings_repr_hides_the_key() -> None:
    settings = Settings(api_key=ApiKey(CONFIG_KEY, "config"))
    assert CONFIG_KEY not in repr(settings)
    assert "ApiKey(source='config')" in repr(settings)
    assert settings.base_url == DEFAULT_BASE_URL


def test_blank_api_key_is_rejected() -> None:
    with pytest.raises(ValueError, match="blank"):
        ApiKey("   ", "config")
