"""`openclaw-deepinfra models --json` as a user runs it, against a real server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.catalog_rows import row as _row
from tests.e2e.conftest import CLI_KEY as SECRET
from tests.e2e.conftest import run_cli
from tests.e2e.loopback import Reply, serve

PROJECTION = {
    "data": [
        _row(
            "zai-org/GLM-9",
            "chat",
            "reasoning",
            context_length=202752,
            max_tokens=16384,
            pricing={"input_tokens": 0.5, "output_tokens": 1.5},
        ),
        _row("deepseek-ai/DeepSeek-V4-Flash", "chat", context_length=1048576),
        _row("Qwen/Qwen9-VL", "chat", "vlm", context_length=131072),
        _row("BAAI/bge-m3", "embed", context_length=8192),
        _row("Qwen/Qwen3-Embedding-8B", "embed"),
        _row("black-forest-labs/FLUX-2-pro", "image-gen", default_width=1024, default_height=1024),
        _row("Wan-AI/Wan2.9-T2V", "video-gen"),
        _row("hexgrad/Kokoro-82M", "tts"),
        _row("openai/whisper-large-v3", "stt"),
        {"id": "  ", "metadata": {"tags": ["chat"]}},
        {"id": "no/metadata", "metadata": None},
    ]
}


def test_models_json_reads_the_live_catalog_through_the_entry_point(tmp_path: Path) -> None:
    with serve() as server:
        server.route("GET", "/v1/openai/models", Reply.json(PROJECTION))
        result = run_cli(tmp_path, server.base_url, "models", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["source"] == "live"
    surfaces = report["surfaces"]
    assert set(surfaces) == {"chat", "vlm", "embed", "image-gen", "video-gen", "tts", "stt"}
    # chat, image and video take the first tagged live entry
    assert surfaces["chat"]["default"] == "zai-org/GLM-9"
    assert [m["id"] for m in surfaces["chat"]["models"]] == [
        "zai-org/GLM-9",
        "deepseek-ai/DeepSeek-V4-Flash",
        "Qwen/Qwen9-VL",
    ]
    assert surfaces["image-gen"]["default"] == "black-forest-labs/FLUX-2-pro"
    assert surfaces["video-gen"]["default"] == "Wan-AI/Wan2.9-T2V"
    # the curated surfaces keep their defaults while showing the live list
    assert surfaces["stt"]["default"] == "openai/whisper-large-v3-turbo"
    assert [m["id"] for m in surfaces["stt"]["models"]] == ["openai/whisper-large-v3"]
    # the curated vision default is deprecated in the shipped catalog: its replacement serves
    assert surfaces["vlm"]["default"] == "moonshotai/Kimi-K2.6"
    assert surfaces["vlm"]["deprecated_default"] == "moonshotai/Kimi-K2.5"
    assert surfaces["stt"]["deprecated_default"] is None
    assert surfaces["embed"]["default"] == "BAAI/bge-m3"
    assert surfaces["tts"]["default"] == "hexgrad/Kokoro-82M"
    # the fetch was anonymous and exact
    assert len(server.seen) == 1
    request = server.seen[0]
    assert request.path == "/v1/openai/models?sort_by=openclaw&filter=with_meta"
    assert "authorization" not in request.headers
    assert SECRET not in result.stdout + result.stderr


def test_models_json_survives_a_restart_without_network_from_the_saved_catalog(tmp_path: Path) -> None:
    with serve() as server:
        server.route("GET", "/v1/openai/models", Reply.json(PROJECTION))
        first = run_cli(tmp_path, server.base_url, "models", "--json")
        assert first.returncode == 0, first.stderr
        # a second run within the TTL reuses the saved catalog without asking again
        again = run_cli(tmp_path, server.base_url, "models", "--json")
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["source"] == "cache"
        assert len(server.seen) == 1
        server.route("GET", "/v1/openai/models", Reply(status=503, body=b"<html>down</html>"))
        second = run_cli(tmp_path, server.base_url, "models", "--json", "--refresh")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["source"] == "cache"
    assert report["surfaces"]["chat"]["default"] == "zai-org/GLM-9"
    for cache_file in (tmp_path / "cache").rglob("*"):
        assert SECRET not in cache_file.name
        if cache_file.is_file():
            assert SECRET not in cache_file.read_text()


def test_models_without_a_key_is_offline_and_static(tmp_path: Path) -> None:
    with serve() as server:
        base_url = f"{server.base_url}/v1/openai"
        result = run_cli(tmp_path, None, "models", "--json", DEEPINFRA_BASE_URL=base_url)
        assert server.seen == []
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["source"] == "static"
    assert report["surfaces"]["chat"]["default"] == "deepseek-ai/DeepSeek-V4-Flash"
    assert report["surfaces"]["video-gen"]["default"] == "Pixverse/Pixverse-T2V"


@pytest.mark.parametrize(
    ("args", "env", "code", "needle"),
    [
        (("models", "--surface", "nope"), {}, 2, "invalid choice"),
        (
            ("models",),
            {"DEEPINFRA_BASE_URL": "http://example.com/v1/openai", "DEEPINFRA_API_KEY": SECRET},
            2,
            "https",
        ),
        (
            ("models",),
            {"DEEPINFRA_BASE_URL": "https://api.deepinfra.com/v1/inference", "DEEPINFRA_API_KEY": SECRET},
            2,
            "/v1/openai",
        ),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_the_right_exit_code(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], code: int, needle: str
) -> None:
    result = run_cli(tmp_path, None, *args, **env)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr
