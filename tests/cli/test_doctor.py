"""`doctor`: plugin, key (never printed), base URL, catalog reachability and older config keys."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.cli.conftest import MODELS_PATH, SECRET, CliEnv, Run, catalog_requests
from tests.e2e.loopback import LoopbackServer, Reply

NO_RETRIES = {"models": {"providers": {"deepinfra": {"maxRetries": 0}}}}


def _lines(text: str) -> list[str]:
    return text.splitlines()


def test_no_key_is_a_configuration_failure_with_a_hint(cli_env: CliEnv, run: Run) -> None:
    result = run("doctor")

    assert result.code == 2
    assert result.err == ""
    assert _lines(result.out) == [
        "[ok  ] plugin: deepinfra: loaded",
        "[fail] API key: no key found; run `openclaw-deepinfra onboard --deepinfra-api-key KEY` "
        "or set DEEPINFRA_API_KEY",
        "[ok  ] base URL: https://api.deepinfra.com/v1/openai (from default)",
        "[warn] catalog: skipped: the catalog is fetched only when a key is configured",
    ]


def test_a_key_and_a_live_catalog_is_healthy(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)

    result = run("doctor")

    assert result.code == 0, result.text
    assert _lines(result.out) == [
        "[ok  ] plugin: deepinfra: loaded",
        "[ok  ] API key: present (from env:DEEPINFRA_API_KEY)",
        f"[ok  ] base URL: {catalog.base_url}/v1/openai (from env:DEEPINFRA_BASE_URL)",
        "[ok  ] authentication: DeepInfra accepted the key",
        "[ok  ] catalog: reachable; 9 models across surfaces",
    ]
    assert catalog_requests(catalog) == 1
    assert SECRET not in result.text


def test_doctor_always_fetches_even_when_the_saved_catalog_is_fresh(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)

    assert run("models", "--json").code == 0
    assert run("doctor").code == 0

    assert catalog_requests(catalog) == 2


def test_doctor_json(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)

    result = run("doctor", "--json")

    assert result.code == 0, result.text
    checks: list[dict[str, Any]] = json.loads(result.out)["checks"]
    assert [(c["name"], c["level"]) for c in checks] == [
        ("plugin", "ok"),
        ("API key", "ok"),
        ("base URL", "ok"),
        ("authentication", "ok"),
        ("catalog", "ok"),
    ]
    assert checks[1]["detail"] == "present (from env:DEEPINFRA_API_KEY)"
    assert SECRET not in result.text


def test_a_failing_catalog_is_a_runtime_failure_naming_the_static_fallback(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    cli_env.write_config(NO_RETRIES)
    catalog.route("GET", MODELS_PATH, Reply.json({"detail": "boom"}, status=500))

    result = run("doctor")

    assert result.code == 1
    catalog_line = _lines(result.out)[-1]
    assert catalog_line.startswith("[fail] catalog: not reachable (DeepInfra model catalog unavailable: ")
    assert "HTTP 500" in catalog_line
    assert catalog_line.endswith("; serving the static catalog")
    assert catalog_requests(catalog) == 1
    assert SECRET not in result.text


def test_a_failing_catalog_after_a_good_one_names_the_saved_cache(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    cli_env.write_config(NO_RETRIES)
    assert run("doctor").code == 0
    catalog.route("GET", MODELS_PATH, Reply(status=503, body=b"<html>down</html>"))

    result = run("doctor")

    assert result.code == 1
    assert _lines(result.out)[-1].endswith("; serving the cache catalog")
    assert catalog_requests(catalog) == 2
    for path in cli_env.cache.rglob("*"):
        assert SECRET not in path.name
        if path.is_file():
            assert SECRET not in path.read_text()


def test_an_unreachable_catalog_host_is_reported_without_waiting_long(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_closed_port = "http://127.0.0.1:9/v1/openai"  # discard port: nothing listens there
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    monkeypatch.setenv("DEEPINFRA_BASE_URL", with_closed_port)
    cli_env.write_config(NO_RETRIES)

    started = time.monotonic()
    result = run("doctor")

    assert result.code == 1
    assert time.monotonic() - started < 10
    assert "[fail] catalog: not reachable (" in result.out
    assert result.out.rstrip().endswith("serving the static catalog")


def test_older_config_keys_are_listed_with_their_new_names(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    cli_env.write_config(
        {
            "messages": {"tts": {"provider": "deepinfra"}},
            "agents": {
                "defaults": {
                    "memorySearch": {"provider": "deepinfra"},
                    "imageGenerationModel": "deepinfra/black-forest-labs/FLUX-1-schnell",
                }
            },
        }
    )

    result = run("doctor")

    assert result.code == 0, result.text  # warnings only
    warnings = [line for line in _lines(result.out) if line.startswith("[warn] config: ")]
    assert warnings == [
        "[warn] config: messages.tts is an older spelling; use tts",
        "[warn] config: agents.defaults.memorySearch is an older spelling; use memory.search",
        "[warn] config: agents.defaults.imageGenerationModel is an older spelling; "
        "use agents.defaults.mediaModels.image",
    ]


def test_the_native_video_base_url_is_a_setting_not_an_old_spelling(cli_env: CliEnv, run: Run) -> None:
    cli_env.write_config(
        {"models": {"providers": {"deepinfra": {"nativeBaseUrl": "https://api.deepinfra.com/v1/inference"}}}}
    )

    result = run("doctor")

    assert not [line for line in _lines(result.out) if "nativeBaseUrl" in line]


def test_a_key_from_the_config_is_reported_by_source_only(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer
) -> None:
    cli_env.write_config({"models": {"providers": {"deepinfra": {"apiKey": SECRET}}}})

    result = run("doctor", "--json")

    assert result.code == 0, result.text
    assert json.loads(result.out)["checks"][1] == {
        "name": "API key",
        "level": "ok",
        "detail": "present (from config)",
    }
    assert SECRET not in result.text


@pytest.mark.parametrize(
    ("base_url", "needle"),
    [
        ("http://example.com/v1/openai", "must use https"),
        ("https://api.deepinfra.com/v1/inference", "/v1/inference"),
    ],
)
def test_a_bad_base_url_is_a_configuration_failure(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch, base_url: str, needle: str
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    monkeypatch.setenv("DEEPINFRA_BASE_URL", base_url)

    result = run("doctor")

    assert result.code == 2
    settings_line = _lines(result.out)[1]
    assert settings_line.startswith("[fail] settings: DEEPINFRA_BASE_URL: ")
    assert needle in settings_line
    assert "[warn] catalog: skipped: the catalog is fetched only when a key is configured" in result.out
    assert SECRET not in result.text


def test_a_disabled_plugin_is_reported_with_its_reason_and_the_report_completes(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    monkeypatch.setenv("DEEPINFRA_BASE_URL", "http://127.0.0.1:9/v1/openai")
    cli_env.write_config({"plugins": {"deny": ["deepinfra"]}})

    result = run("doctor")

    assert result.code == 1
    assert result.err == ""
    assert _lines(result.out) == [
        "[fail] plugin: deepinfra: disabled (listed in plugins.deny)",
        "[ok  ] API key: present (from env:DEEPINFRA_API_KEY)",
        "[ok  ] base URL: http://127.0.0.1:9/v1/openai (from env:DEEPINFRA_BASE_URL)",
        "[warn] catalog: skipped: plugin 'deepinfra' is disabled (listed in plugins.deny); "
        "enable it with `openclaw-deepinfra plugins enable deepinfra`",
    ]
