"""`models.providers.deepinfra.headers` / `.request.headers`: read once with the settings, bound to
the base URL's origin, SecretInput values resolved and redacted like the key, the transport's own
headers refused."""

from __future__ import annotations

from typing import Any

import pytest

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.redact import get_logger, redact
from openclaw_deepinfra.settings import resolve_settings

TENANT_TOKEN = "tenant-secret-from-env-0123456789"


def settings_for(provider: dict[str, Any], **env: str) -> Any:
    data = {"models": {"providers": {"deepinfra": provider}}}
    return resolve_settings(OpenClawConfig(data, env={"DEEPINFRA_API_KEY": "k" * 32, **env}))


def test_no_headers_configured_is_none() -> None:
    assert settings_for({}).headers is None


def test_request_headers_win_over_headers_whatever_the_case() -> None:
    settings = settings_for(
        {
            "baseUrl": "https://api.deepinfra.com/v1/openai",
            "headers": {"X-Tenant": "acme", "X-Trace": "on"},
            "request": {"headers": {"x-tenant": "globex"}},
        }
    )
    headers = settings.headers
    assert headers is not None
    assert dict(headers.values) == {"X-Trace": "on", "x-tenant": "globex"}
    assert headers.origin == ("https", "api.deepinfra.com", None)
    assert headers.for_url("https://api.deepinfra.com/v1/inference/Wan-AI/x") == headers.values
    assert headers.for_url("https://cdn.example/clip.mp4") == {}
    assert headers.for_url("http://api.deepinfra.com/v1/openai/models") == {}  # another scheme
    assert headers.for_url("https://api.deepinfra.com:8443/v1/openai/models") == {}  # another port


def test_secret_inputs_are_resolved_and_redacted_like_the_key(caplog: pytest.LogCaptureFixture) -> None:
    ref = {"source": "env", "provider": "default", "id": "TENANT_TOKEN"}
    settings = settings_for(
        {"headers": {"X-Tenant-Token": ref, "X-Other": "${OTHER_VALUE}", "X-Plain": "visible-value-123"}},
        TENANT_TOKEN=TENANT_TOKEN,
        OTHER_VALUE="other-secret-value-98765",
    )
    assert settings.headers is not None
    assert settings.headers.values["X-Tenant-Token"] == TENANT_TOKEN
    assert settings.headers.values["X-Other"] == "other-secret-value-98765"
    assert TENANT_TOKEN not in repr(settings) and "X-Tenant-Token" in repr(settings.headers)
    get_logger("openclaw_deepinfra.test").warning("sent %s and %s", TENANT_TOKEN, "other-secret-value-98765")
    assert TENANT_TOKEN not in caplog.text and "other-secret-value-98765" not in caplog.text
    assert redact("visible-value-123") == "visible-value-123"  # a plain value is not a secret


@pytest.mark.parametrize("name", ["Authorization", "content-type", "Content-Length", "Host"])
def test_the_transports_own_headers_are_refused(name: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"headers\.{name}: {name} is set by the plugin") as caught:
        settings_for({"request": {"headers": {name: "Bearer something-else-entirely"}}})
    assert "something-else-entirely" not in str(caught.value)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (["X-A"], "must be an object of header name -> value"),
        ({"bad name": "x"}, "invalid header name 'bad name'"),
        ({"X-A": 5}, r"headers\.X-A must be a string or a SecretRef"),
        ({"X-A": "one\r\nX-Injected: two"}, r"headers\.X-A contains a line break"),
        ({"X-A": "${NOT_SET_ANYWHERE}"}, r"headers\.X-A could not be resolved"),
    ],
)
def test_bad_header_config_is_a_clear_error(headers: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        settings_for({"headers": headers})


def test_a_blank_value_sends_no_header() -> None:
    assert settings_for({"headers": {"X-Empty": ""}}).headers is None


def test_provider_ids_in_the_config_are_case_insensitive() -> None:
    from openclaw_deepinfra.host.config_tree import provider_entry
    from openclaw_deepinfra.surfaces.speech.config import block_from_config, provider_block

    data = {
        "models": {"providers": {"DeepInfra": {"apiKey": "c" * 32, "maxRetries": 4,
                                               "headers": {"X-Tenant": "acme"}}}},
        "tts": {"providers": {"DEEPINFRA": {"voice": "af_sky"}}},
    }  # fmt: skip
    config = OpenClawConfig(data, env={})
    settings = resolve_settings(config)
    assert settings.api_key is not None and settings.api_key.source == "config"
    assert settings.max_retries == 4
    assert settings.headers is not None and dict(settings.headers.values) == {"X-Tenant": "acme"}
    assert config.provider_config("deepinfra")["maxRetries"] == 4
    assert block_from_config(config) == {"voice": "af_sky"}
    assert provider_block({"providers": {"DeepInfra": {"model": "x"}}}) == {"model": "x"}
    # an exact match wins over a differently cased one
    assert provider_entry({"DeepInfra": 1, "deepinfra": 2}, "deepinfra") == 2
    assert provider_entry({"openai": 1}, "deepinfra") is None
