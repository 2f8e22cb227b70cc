"""`models`: every surface's default and list, where they came from, and config errors as exit 2."""

from __future__ import annotations

import json

import pytest

from openclaw_deepinfra.catalog.static import load_static_catalog
from openclaw_deepinfra.cli.models import render
from tests.cli.conftest import SECRET, CliEnv, Run, catalog_requests
from tests.e2e.loopback import LoopbackServer

SURFACES = ["chat", "vlm", "embed", "image-gen", "video-gen", "tts", "stt"]


def test_human_output_lists_every_surface_with_its_default_and_marks_deprecated_rows(
    cli_env: CliEnv, run: Run
) -> None:
    result = run("models")

    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[0] == "catalog source: static (shipped catalog (no key, no network or no good answer))"
    headers = [line for line in lines if line and not line.startswith(" ")][1:]
    static = load_static_catalog().snapshot()
    note = " (replaces the deprecated curated default {})"
    assert headers == [
        f"{n}: default {s.default} [static]"
        + (note.format(s.deprecated_default) if s.deprecated_default else "")
        for n, s in ((n, static.surfaces[n]) for n in SURFACES)
    ]
    assert (
        "vlm: default moonshotai/Kimi-K2.6 [static]"
        " (replaces the deprecated curated default moonshotai/Kimi-K2.5)"
    ) in headers
    assert headers[0] == "chat: default deepseek-ai/DeepSeek-V4-Flash [static]"
    assert "video-gen: default Pixverse/Pixverse-T2V [static]" in headers
    # one row per model; the default is starred; a deprecated row names its replacement
    rows = [line for line in lines if line.startswith("  ")]
    assert len(rows) == sum(len(s.models) for s in static.surfaces.values())
    assert sum(1 for row in rows if row.startswith("  * ")) == len(SURFACES)
    assert (
        "    deepseek-ai/DeepSeek-V3.2  (ctx 163840, $0.26/$0.38 per M tokens in/out, "
        "deprecated -> deepseek-ai/DeepSeek-V4-Pro)"
    ) in rows
    deprecated = [row for row in rows if "deprecated -> " in row]
    expected = [
        (m.id, m.replaced_by) for s in static.surfaces.values() for m in s.models if m.status == "deprecated"
    ]
    assert len(deprecated) == len(expected) > 0
    for (model_id, replacement), row in zip(expected, deprecated, strict=True):
        assert row.split("  (")[0].strip(" *") == model_id
        assert row.endswith(f"deprecated -> {replacement})")
    # the curated vlm default is deprecated: its replacement is starred, the old row only marked
    assert any(row.startswith("    moonshotai/Kimi-K2.5  (") and "deprecated ->" in row for row in rows)
    assert any(row.startswith("  * moonshotai/Kimi-K2.6  (") for row in rows)


def test_surface_filter_json_prints_only_that_surface(cli_env: CliEnv, run: Run) -> None:
    result = run("models", "--surface", "tts", "--json")

    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["source"] == "static"
    assert list(report["surfaces"]) == ["tts"]
    tts = report["surfaces"]["tts"]
    assert tts["default"] == "hexgrad/Kokoro-82M"
    assert [m["id"] for m in tts["models"]] == [
        m.id for m in load_static_catalog().snapshot().surfaces["tts"].models
    ]


def test_surface_filter_human_prints_only_that_surface(cli_env: CliEnv, run: Run) -> None:
    result = run("models", "--surface", "stt")

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "catalog source: static (shipped catalog (no key, no network or no good answer))",
        "",
        "stt: default openai/whisper-large-v3-turbo [static]",
        "  * openai/whisper-large-v3-turbo  ($0.00004 per input second)",
        "    openai/whisper-large-v3",
    ]


@pytest.mark.parametrize(
    ("pricing", "shown"),
    [
        ({"input_tokens": 0.09, "output_tokens": 0.18}, "($0.09/$0.18 per M tokens in/out)"),
        ({"input_tokens": 2, "output_tokens": 0.0000015}, "($2/$0.0000015 per M tokens in/out)"),
        ({"input_tokens": 0.01}, "($0.01 per M input tokens)"),
        ({"per_image_unit": 0.003}, "($0.003 per image)"),
        ({"output_seconds": 0.05}, "($0.05 per output second)"),
        ({"input_characters": 7.0}, "($7 per M characters)"),
        ({"input_seconds": 4e-05}, "($0.00004 per input second)"),
        ({"input_seconds": 0}, "($0 per input second)"),
        ({}, None),
    ],
)
def test_prices_are_plain_decimals(pricing: dict[str, float], shown: str | None) -> None:
    model = {"id": "a/b", "pricing": pricing}
    report = {"source": "live", "surfaces": {"tts": {"default": "a/b", "models": [model]}}}

    row = render(report).splitlines()[-1]

    assert row == (f"  * a/b  {shown}" if shown else "  * a/b")


def test_without_a_key_no_request_is_made(cli_env: CliEnv, run: Run, catalog: LoopbackServer) -> None:
    result = run("models", "--json", "--refresh")

    assert result.code == 0, result.err
    assert json.loads(result.out)["source"] == "static"
    assert catalog.seen == []


def test_with_a_key_the_live_catalog_is_shown(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)

    result = run("models")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "catalog source: live (fetched from DeepInfra's catalog just now)"
    assert "chat: default zai-org/GLM-9 [live]" in lines
    assert "  * zai-org/GLM-9  (ctx 202752, $0.5/$1.5 per M tokens in/out)" in lines
    # the curated surfaces keep their static default over the live list
    assert "stt: default openai/whisper-large-v3-turbo [live]" in lines
    assert catalog.seen[0].path == "/v1/openai/models?sort_by=openclaw&filter=with_meta"
    assert SECRET not in result.text


def test_refresh_fetches_again_although_the_saved_catalog_is_fresh(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)

    first = run("models", "--json")
    assert first.code == 0, first.err
    assert catalog_requests(catalog) == 1
    assert list(cli_env.cache.glob("catalog-*.json")), "the first answer was saved"

    second = run("models", "--json", "--refresh")

    assert second.code == 0, second.err
    assert catalog_requests(catalog) == 2
    assert json.loads(second.out)["source"] == "live"


@pytest.mark.parametrize(
    ("where", "base_url", "message"),
    [
        (
            "env",
            "http://example.com/v1/openai",
            "DEEPINFRA_BASE_URL: DeepInfra base URL http://example.com/v1/openai must use https "
            "(plain http only to localhost)",
        ),
        (
            "config",
            "http://example.com/v1/openai",
            "models.providers.deepinfra.baseUrl: DeepInfra base URL http://example.com/v1/openai "
            "must use https (plain http only to localhost)",
        ),
        (
            "config",
            "https://api.deepinfra.com/v1/inference",
            "models.providers.deepinfra.baseUrl: DeepInfra base URL https://api.deepinfra.com/v1/inference "
            "points at the native /v1/inference API; this plugin speaks the OpenAI-compatible API",
        ),
    ],
)
def test_a_bad_base_url_is_exit_2_on_one_line(
    cli_env: CliEnv,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    base_url: str,
    message: str,
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    if where == "env":
        monkeypatch.setenv("DEEPINFRA_BASE_URL", base_url)
    else:
        cli_env.write_config({"models": {"providers": {"deepinfra": {"baseUrl": base_url}}}})

    result = run("models")

    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        f"openclaw-deepinfra: error: {message} "
        "Hint: set models.providers.deepinfra.baseUrl to https://api.deepinfra.com/v1/openai\n"
    )
    assert "Traceback" not in result.err
    assert SECRET not in result.text


def test_an_invalid_config_file_is_exit_2_naming_the_line(cli_env: CliEnv, run: Run) -> None:
    cli_env.write_config('{\n  "models": {\n    "providers": oops\n}\n')

    result = run("models")

    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith(f"openclaw-deepinfra: error: {cli_env.config}: line 3")
    assert result.err.count("\n") == 1


def test_an_unknown_surface_is_an_argparse_usage_error(cli_env: CliEnv, run: Run) -> None:
    with pytest.raises(SystemExit) as exited:
        run("models", "--surface", "nope")

    assert exited.value.code == 2
