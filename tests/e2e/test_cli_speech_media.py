"""`tts`, `stt` and `describe` as a user runs them (console script, subprocess) against a real HTTP
server on 127.0.0.1: the requests the server saw and what the commands printed or wrote."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from tests.e2e.conftest import CLI_KEY as SECRET
from tests.e2e.conftest import run_cli
from tests.e2e.loopback import Reply, Seen, serve

# Not a valid MP3: the point is that every byte, including NULs and high bytes, arrives unchanged.
AUDIO = b"ID3\x04\x00\x00" + bytes(range(256)) * 40 + b"\x00\xff\x00tail"
MP3_IN = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x55" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 40


def _posts(seen: list[Seen], path: str) -> list[Seen]:
    return [s for s in seen if s.method == "POST" and s.path == path]


def test_tts_with_the_config_provider_needs_no_flags_and_writes_the_exact_bytes(tmp_path: Path) -> None:
    out = tmp_path / "out" / "hello.mp3"
    with serve() as server:
        server.route(
            "POST", "/v1/openai/audio/speech", Reply(body=AUDIO, headers=(("Content-Type", "audio/mpeg"),))
        )
        result = run_cli(
            tmp_path,
            server.base_url,
            "tts",
            "--out",
            str(out),
            "Hello",
            "from",
            "DeepInfra",
            config={"messages": {"tts": {"provider": "deepinfra"}}},
        )
        (speech,) = _posts(server.seen, "/v1/openai/audio/speech")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == AUDIO
    assert json.loads(speech.body) == {
        "model": "hexgrad/Kokoro-82M",
        "input": "Hello from DeepInfra",
        "voice": "af_bella",
        "response_format": "mp3",
    }
    assert speech.headers["authorization"] == f"Bearer {SECRET}"
    assert f"wrote {len(AUDIO)} bytes of mp3 audio to {out}" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_tts_flags_and_tts_block_settings(tmp_path: Path) -> None:
    config = {"tts": {"provider": "deepinfra", "providers": {"deepinfra": {"speed": 1.2, "voice": "af_sky"}}}}
    with serve() as server:
        server.route(
            "POST",
            "/v1/openai/audio/speech",
            Reply(body=b"OggS-opus-bytes", headers=(("Content-Type", "audio/ogg"),)),
        )
        result = run_cli(
            tmp_path,
            server.base_url,
            "tts",
            "--model",
            "deepinfra/hexgrad/Kokoro-82M",
            "--voice",
            "bm_george",
            "--format",
            "opus",
            "--out",
            str(tmp_path),
            "--json",
            "Hi",
            config=config,
        )
        (speech,) = _posts(server.seen, "/v1/openai/audio/speech")
    assert result.returncode == 0, result.stderr
    assert json.loads(speech.body) == {
        "model": "hexgrad/Kokoro-82M",
        "input": "Hi",
        "voice": "bm_george",
        "response_format": "opus",
        "speed": 1.2,
    }
    report = json.loads(result.stdout)
    assert report == {
        "path": str(tmp_path / "speech.opus"),
        "bytes": 15,
        "format": "opus",
        "voiceCompatible": True,
        "provider": "deepinfra",
        "model": "hexgrad/Kokoro-82M",
    }
    assert (tmp_path / "speech.opus").read_bytes() == b"OggS-opus-bytes"


def test_tts_bad_input_fails_before_any_request(tmp_path: Path) -> None:
    out = tmp_path / "x.mp3"
    with serve() as server:
        result = run_cli(
            tmp_path,
            server.base_url,
            "tts",
            "--model",
            "Qwen/Qwen3-TTS",
            "--out",
            str(out),
            "Hi",
            config={"tts": {"provider": "deepinfra"}},
        )
        seen = list(server.seen)
    assert result.returncode == 2
    assert "Qwen/Qwen3-TTS has no default voice" in result.stderr and "--voice" in result.stderr
    assert _posts(seen, "/v1/openai/audio/speech") == [] and not out.exists()


def test_stt_prints_the_text_and_json_adds_the_model(tmp_path: Path) -> None:
    audio = tmp_path / "memo.mp3"
    audio.write_bytes(MP3_IN)
    with serve() as server:
        server.route("POST", "/v1/openai/audio/transcriptions", Reply.json({"text": " Buy milk. "}))
        plain = run_cli(tmp_path, server.base_url, "stt", "--language", "en", str(audio))
        as_json = run_cli(
            tmp_path, server.base_url, "stt", "--json", "--model", "openai/whisper-large-v3", str(audio)
        )
        first, second = _posts(server.seen, "/v1/openai/audio/transcriptions")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == "Buy milk.\n"
    assert json.loads(as_json.stdout) == {
        "text": "Buy milk.",
        "model": "openai/whisper-large-v3",
        "provider": "deepinfra",
    }
    assert first.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert first.headers["authorization"] == f"Bearer {SECRET}"
    for part in (
        b'name="model"\r\n\r\nopenai/whisper-large-v3-turbo',
        b'name="language"\r\n\r\nen',
        b'name="file"; filename="memo.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n' + MP3_IN,
    ):
        assert part in first.body
    assert (
        b'name="model"\r\n\r\nopenai/whisper-large-v3\r\n' in second.body
        and b'name="language"' not in second.body
    )


def test_stt_refuses_a_non_audio_file_locally(tmp_path: Path) -> None:
    doc = tmp_path / "notes.mp3"
    doc.write_bytes(b"%PDF-1.7 actually a document")
    with serve() as server:
        result = run_cli(tmp_path, server.base_url, "stt", str(doc))
        seen = list(server.seen)
    assert result.returncode == 2
    assert "not a supported audio container" in result.stderr and seen == []


def test_describe_sends_a_vision_chat_call_and_prints_the_answer(tmp_path: Path) -> None:
    image = tmp_path / "shot.jpg"  # named .jpg, holds a PNG: the bytes decide
    image.write_bytes(PNG)
    answer = {
        "id": "c1",
        "model": "moonshotai/Kimi-K2.6",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "A tiny image."},
                "finish_reason": "stop",
            }
        ],
    }
    with serve() as server:
        server.route("POST", "/v1/openai/chat/completions", Reply.json(answer))
        result = run_cli(
            tmp_path, server.base_url, "describe", "--json", "--prompt", "What is it?", str(image)
        )
        (chat,) = _posts(server.seen, "/v1/openai/chat/completions")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "text": "A tiny image.",
        "model": "moonshotai/Kimi-K2.6",
        "provider": "deepinfra",
    }
    body = json.loads(chat.body)
    # The curated default (Kimi-K2.5) is deprecated in the catalog: its replacement is posted and
    # nothing warns about a deprecation the user never chose (issue 18 item 10).
    assert body["model"] == "moonshotai/Kimi-K2.6" and body["max_tokens"] == 4096
    assert "deprecated" not in result.stderr
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "What is it?"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
        },
    ]


def test_describe_with_an_explicitly_chosen_deprecated_model_still_warns(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    answer = {"id": "c2", "model": "moonshotai/Kimi-K2.6", "choices": [{"index": 0, "message": {
        "role": "assistant", "content": "Pixels."}, "finish_reason": "stop"}]}  # fmt: skip
    with serve() as server:
        server.route("POST", "/v1/openai/chat/completions", Reply.json(answer))
        result = run_cli(
            tmp_path,
            server.base_url,
            "describe",
            "--model",
            "deepinfra/moonshotai/Kimi-K2.5",
            str(image),
        )
        (chat,) = _posts(server.seen, "/v1/openai/chat/completions")
    assert result.returncode == 0, result.stderr
    assert json.loads(chat.body)["model"] == "moonshotai/Kimi-K2.5"  # a user's choice is kept
    assert "moonshotai/Kimi-K2.5 is deprecated (replaced by moonshotai/Kimi-K2.6)" in result.stderr
    assert result.stderr.count("is deprecated") == 1


def test_describe_refuses_a_text_only_model(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    with serve() as server:
        result = run_cli(
            tmp_path,
            server.base_url,
            "describe",
            "--model",
            "deepinfra/deepseek-ai/DeepSeek-V4-Flash",
            str(image),
        )
        seen = list(server.seen)
    assert result.returncode == 2
    assert "does not accept images" in result.stderr and "vision model such as" in result.stderr
    assert _posts(seen, "/v1/openai/chat/completions") == []


_LIMITED = {"error": {"message": "Rate limited"}}


def test_describe_ends_at_once_when_retry_after_is_past_the_deadline(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    limited = Reply(status=429, body=json.dumps(_LIMITED).encode(), headers=(
        ("Content-Type", "application/json"), ("Retry-After", "86400")))  # fmt: skip
    with serve() as server:
        server.route("POST", "/v1/openai/chat/completions", limited)
        started = time.monotonic()
        result = run_cli(tmp_path, server.base_url, "describe", str(image))
        elapsed = time.monotonic() - started
        posts = _posts(server.seen, "/v1/openai/chat/completions")
    assert result.returncode != 0 and len(posts) == 1 and elapsed < 30  # not slept (the cap is 60 s)
    assert "DeepInfra asked to wait 86400 s (Retry-After), past the deadline" in result.stderr
    assert "Traceback" not in result.stderr and SECRET not in result.stderr


def test_describe_announces_a_long_retry_wait_on_stderr(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    answer = {"id": "c3", "model": "moonshotai/Kimi-K2.6", "choices": [{"index": 0, "message": {
        "role": "assistant", "content": "Pixels."}, "finish_reason": "stop"}]}  # fmt: skip
    calls: list[int] = []

    def reply(_seen: Seen) -> Reply:
        calls.append(1)
        if len(calls) == 1:
            return Reply(status=429, body=json.dumps(_LIMITED).encode(), headers=(
                ("Content-Type", "application/json"), ("Retry-After", "2")))  # fmt: skip
        return Reply.json(answer)

    with serve() as server:
        server.route("POST", "/v1/openai/chat/completions", reply)
        result = run_cli(tmp_path, server.base_url, "describe", str(image))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Pixels." and len(calls) == 2
    waits = [line for line in result.stderr.splitlines() if "waiting 2 s for DeepInfra" in line]
    assert len(waits) == 1, result.stderr
    assert "rate limited, Retry-After 2 s" in waits[0] and "POST /v1/openai/chat/completions" in waits[0]
