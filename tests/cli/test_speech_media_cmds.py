"""`tts`, `stt`, `describe` in-process: selection through the registry and the config's keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.conftest import SECRET, CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, serve

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x55" * 32
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 32


@pytest.fixture
def server(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    with serve() as s:
        s.route(
            "POST",
            "/v1/openai/audio/speech",
            Reply(body=b"ID3-audio", headers=(("Content-Type", "audio/mpeg"),)),
        )
        s.route("POST", "/v1/openai/audio/transcriptions", Reply.json({"text": "transcribed"}))
        s.route(
            "POST",
            "/v1/openai/chat/completions",
            Reply.json(
                {
                    "id": "c",
                    "model": "stepfun-ai/Step-3.7-Flash",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "described"},
                            "finish_reason": "stop",
                        }
                    ],
                }
            ),
        )
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{s.base_url}/v1/openai")
        yield s


def bodies(server: LoopbackServer, path: str) -> list[bytes]:
    return [s.body for s in server.seen if s.path == f"/v1/openai{path}"]


@pytest.mark.parametrize(
    "config",
    [
        {
            "tts": {
                "provider": "deepinfra",
                "providers": {"deepinfra": {"apiKey": SECRET, "voiceId": "af_nova"}},
            }
        },
        {
            "messages": {
                "tts": {
                    "provider": "deepinfra",
                    "providers": {"deepinfra": {"apiKey": SECRET, "voiceId": "af_nova"}},
                }
            }
        },
    ],
    ids=["tts", "messages.tts"],
)
def test_tts_reads_either_spelling_and_the_block_key(
    cli_env: CliEnv, run: Run, server: LoopbackServer, config: dict[str, Any]
) -> None:
    cli_env.write_config(config)  # no DEEPINFRA_API_KEY: the TTS block's own key is used
    result = run("tts", "--out", str(cli_env.root / "a.mp3"), "hello")
    assert result.code == 0, result.err
    (body,) = bodies(server, "/audio/speech")
    assert json.loads(body)["voice"] == "af_nova"
    assert server.seen[-1].headers["authorization"] == f"Bearer {SECRET}"
    assert (cli_env.root / "a.mp3").read_bytes() == b"ID3-audio"
    assert SECRET not in result.text


def test_tts_persona_block_overrides_the_provider_block(
    cli_env: CliEnv, run: Run, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    cli_env.write_config(
        {
            "tts": {
                "persona": "narrator",
                "providers": {"deepinfra": {"voice": "af_sky", "speed": 1.1}},
                "personas": {"narrator": {"providers": {"deepinfra": {"voice": "bm_fable"}}}},
            }
        }
    )
    assert run("tts", "--out", str(cli_env.root / "a.mp3"), "x").code == 0  # auto-selected: a key resolves
    body = json.loads(bodies(server, "/audio/speech")[0])
    assert (body["voice"], body["speed"]) == ("bm_fable", 1.1)


def test_tts_without_any_key_says_how_to_configure(cli_env: CliEnv, run: Run, server: LoopbackServer) -> None:
    result = run("tts", "--out", str(cli_env.root / "a.mp3"), "hello")
    assert result.code == 2
    assert "no speech provider is configured" in result.err and "DEEPINFRA_API_KEY" in result.err
    assert bodies(server, "/audio/speech") == []


def test_tts_invalid_format_names_the_allowed_ones(
    cli_env: CliEnv, run: Run, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    result = run("tts", "--format", "ogg", "--out", str(cli_env.root / "a"), "hello")
    assert result.code == 2
    assert "Invalid DeepInfra speech responseFormat: ogg; allowed: mp3, opus, flac, wav, pcm" in result.err


def test_stt_uses_a_tools_media_model_entry(
    cli_env: CliEnv, run: Run, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    cli_env.write_config(
        {
            "tools": {
                "media": {
                    "models": [
                        {
                            "provider": "deepinfra",
                            "model": "openai/whisper-large-v3",
                            "capabilities": ["audio"],
                            "prompt": "Names: Ada.",
                        }
                    ],
                    "audio": {"language": "de"},
                }
            }
        }
    )
    audio = cli_env.root / "a.wav"
    audio.write_bytes(MP3)
    result = run("stt", "--json", str(audio))
    assert result.code == 0, result.err
    assert json.loads(result.out)["model"] == "openai/whisper-large-v3"
    (body,) = bodies(server, "/audio/transcriptions")
    for part in (
        b"openai/whisper-large-v3\r\n",
        b'name="language"\r\n\r\nde',
        b'name="prompt"\r\n\r\nNames: Ada.',
        b'filename="a.wav.mp3"',
    ):
        assert part in body


def test_stt_missing_file_is_a_usage_error(cli_env: CliEnv, run: Run) -> None:
    result = run("stt", str(cli_env.root / "missing.mp3"))
    assert result.code == 2 and "cannot read" in result.err


def test_describe_several_images_in_one_call(
    cli_env: CliEnv, run: Run, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    first, second = cli_env.root / "a.png", cli_env.root / "b.jpg"
    first.write_bytes(PNG)
    second.write_bytes(JPEG)
    result = run("describe", "--model", "stepfun-ai/Step-3.7-Flash", str(first), str(second))
    assert result.code == 0, result.err
    assert result.out == "described\n"
    (body,) = bodies(server, "/chat/completions")
    content = json.loads(body)["messages"][0]["content"]
    assert [p["type"] for p in content] == ["text", "image_url", "image_url"]
    assert content[0]["text"] == "Describe the image."
    assert content[2]["image_url"]["url"].startswith("data:image/jpeg;base64,")


def test_describe_without_a_key(cli_env: CliEnv, run: Run, server: LoopbackServer) -> None:
    image = cli_env.root / "a.png"
    image.write_bytes(PNG)
    result = run("describe", str(image))
    assert result.code == 2 and "no media-understanding provider is configured for image" in result.err
