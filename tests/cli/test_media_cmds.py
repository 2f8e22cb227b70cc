"""`image` and `video` in-process: which model they pick from the config, where files go, exit codes."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.cli.files import output_paths
from tests.cli.conftest import CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, serve

KEY = "di-cli-media-key-0123456789abcdef"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16
IMAGES = {"data": [{"b64_json": base64.b64encode(PNG).decode()}], "inference_status": {"cost": 0.0035}}


@pytest.fixture
def api(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    with serve() as server:
        server.route("POST", "/v1/openai/images/generations", Reply.json(IMAGES))
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{server.base_url}/v1/openai")
        monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
        yield server


def _sent_model(server: LoopbackServer) -> Any:
    return json.loads(server.seen[-1].body)["model"]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, "black-forest-labs/FLUX-1-schnell"),
        (
            {"agents": {"defaults": {"mediaModels": {"image": "deepinfra/Qwen/Qwen-Image-Max"}}}},
            "Qwen/Qwen-Image-Max",
        ),
        (
            {
                "agents": {
                    "defaults": {"imageGenerationModel": {"primary": "deepinfra/stabilityai/sdxl-turbo"}}
                }
            },
            "stabilityai/sdxl-turbo",
        ),
        # another provider's ref is not ours to serve: the provider's own default is used
        (
            {"agents": {"defaults": {"mediaModels": {"image": "openai/gpt-image-1"}}}},
            "black-forest-labs/FLUX-1-schnell",
        ),
    ],
)
def test_image_model_comes_from_the_config_when_it_names_deepinfra(
    api: LoopbackServer, cli_env: CliEnv, run: Run, tmp_path: Path, config: dict[str, Any], expected: str
) -> None:
    cli_env.write_config(config)
    result = run("image", "--out", str(tmp_path / "a.png"), "a cat")
    assert result.code == 0, result.err
    assert _sent_model(api) == expected
    assert f"model: deepinfra/{expected}" in result.out
    assert "cost: $0.0035" in result.out


def test_explicit_model_wins_and_takes_a_bare_id(api: LoopbackServer, run: Run, tmp_path: Path) -> None:
    result = run(
        "image", "--model", "black-forest-labs/FLUX-1-dev", "--out", str(tmp_path / "a.png"), "a cat"
    )
    assert result.code == 0, result.err
    assert _sent_model(api) == "black-forest-labs/FLUX-1-dev"
    assert (tmp_path / "a.png").read_bytes() == PNG
    assert KEY not in result.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["image", "--count", "0"], "--count must be at least 1"),
        (["image", "--size", "huge"], "image size 'huge' is not supported; use one of 512x512, 1024x1024"),
        (["image", "--input", "/nonexistent/photo.png"], "cannot read --input /nonexistent/photo.png"),
        (["video", "--aspect-ratio", "21:9"], "aspect ratio '21:9' is not supported"),
        (["video", "--seed", "-3"], "seed must be a whole number from 0 to 4294967295"),
    ],
)
def test_bad_input_exits_2_without_a_request(
    api: LoopbackServer, run: Run, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run(*args, "--out", str(tmp_path / "x"), "prompt")
    assert result.code == 2
    assert message in result.err
    assert api.seen == []


def test_video_missing_key_is_a_configuration_error(
    api: LoopbackServer, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEEPINFRA_API_KEY")
    result = run("video", "--out", str(tmp_path / "v.mp4"), "a river")
    assert result.code == 2
    assert "DeepInfra API key missing" in result.err
    assert api.seen == []


def test_video_data_url_result_is_written_with_progress_on_stderr(
    api: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    answer = {"video_url": "data:video/mp4;base64," + base64.b64encode(MP4).decode()}
    api.route("POST", "/v1/inference/Pixverse/Pixverse-T2V", Reply.json(answer))
    result = run("video", "--duration", "3", "--out", f"{tmp_path}/clips/", "a river")
    assert result.code == 0, result.err
    written = tmp_path / "clips" / "video-1.mp4"
    assert written.read_bytes() == MP4
    assert json.loads(api.seen[-1].body) == {"prompt": "a river", "duration": 5}
    assert "video: submitting (0s elapsed, native API)" in result.err
    assert result.out.splitlines()[0] == f"wrote {written} (video/mp4, {len(MP4)} bytes)"


@pytest.mark.parametrize(
    ("out", "names", "expected"),
    [
        ("a.png", ["image-1.png"], ["a.png"]),
        ("a.png", ["image-1.png", "image-2.jpg"], ["a-1.png", "a-2.png"]),
        ("dir/", ["image-1.png", "image-2.jpg"], ["dir/image-1.png", "dir/image-2.jpg"]),
    ],
)
def test_output_paths(tmp_path: Path, out: str, names: list[str], expected: list[str]) -> None:
    assert output_paths(f"{tmp_path}/{out}", names) == [tmp_path / e for e in expected]


def test_an_existing_directory_takes_the_result_names(tmp_path: Path) -> None:
    assert output_paths(tmp_path, ["video-1.mp4"]) == [tmp_path / "video-1.mp4"]
