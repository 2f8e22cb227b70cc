"""Speech-to-text against a mocked DeepInfra: multipart parts, model choice, answer validation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import respx

from openclaw_deepinfra.errors import (
    AuthenticationError,
    MalformedResponseError,
    RequestValidationError,
    ServerError,
)
from openclaw_deepinfra.host.contracts.media import AudioTranscriptionRequest
from openclaw_deepinfra.surfaces.understanding.provider import (
    DeepInfraMediaUnderstandingProvider,
    safe_file_name,
)
from tests.surfaces.conftest import BASE, KEY, LIVE, MODELS_URL, MakeRuntime

URL = f"{BASE}/audio/transcriptions"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x55" * 64
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32
OGG = b"OggS\x00\x02" + b"\x00" * 32


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as r:
        yield r


def audio(buffer: bytes = MP3, file_name: str = "note.mp3", **fields: Any) -> AudioTranscriptionRequest:
    return AudioTranscriptionRequest(buffer=buffer, file_name=file_name, timeout_ms=60_000, **fields)


def parts(route: respx.Route) -> dict[str, tuple[str | None, str | None, bytes]]:
    """The multipart body as {name: (filename, content type, bytes)}."""
    request = route.calls.last.request
    boundary = request.headers["content-type"].split("boundary=", 1)[1].encode()
    out: dict[str, tuple[str | None, str | None, bytes]] = {}
    for chunk in request.content.split(b"--" + boundary)[1:-1]:
        head, _, body = chunk.strip(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(line.decode().split(": ", 1) for line in head.split(b"\r\n") if b": " in line)
        disposition = headers["Content-Disposition"]
        name = disposition.split('name="', 1)[1].split('"', 1)[0]
        filename = (
            disposition.split('filename="', 1)[1].split('"', 1)[0] if "filename=" in disposition else None
        )
        out[name] = (filename, headers.get("Content-Type"), body)
    return out


async def test_whole_multipart_body_and_result(make_runtime: MakeRuntime, router: respx.MockRouter) -> None:
    route = router.post(URL).respond(200, json={"text": " Hello world. ", "language": "en"})
    provider = DeepInfraMediaUnderstandingProvider(make_runtime())
    result = await provider.transcribe_audio(audio(language=" en ", prompt="Names: Ada."))
    assert parts(route) == {
        "model": (None, None, b"openai/whisper-large-v3-turbo"),
        "language": (None, None, b"en"),
        "prompt": (None, None, b"Names: Ada."),
        "file": ("note.mp3", "audio/mpeg", MP3),
    }
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    assert (result.text, result.model) == ("Hello world.", "openai/whisper-large-v3-turbo")


async def test_blank_language_and_prompt_are_left_out(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    route = router.post(URL).respond(200, json={"text": "ok"})
    await DeepInfraMediaUnderstandingProvider(make_runtime()).transcribe_audio(
        audio(WAV, "clip.wav", language="  ", prompt="", model="deepinfra/openai/whisper-large-v3")
    )
    assert parts(route) == {
        "model": (None, None, b"openai/whisper-large-v3"),
        "file": ("clip.wav", "audio/wav", WAV),
    }


async def test_the_bytes_decide_the_content_type_and_extension(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    route = router.post(URL).respond(200, json={"text": "ok"})
    await DeepInfraMediaUnderstandingProvider(make_runtime()).transcribe_audio(
        audio(OGG, "../../etc/voice message (1)", mime="audio/mpeg")
    )
    assert parts(route)["file"] == ("voice_message_1.ogg", "audio/ogg", OGG)


@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        ("note.mp3", "audio/mpeg", "note.mp3"),
        ("  ", "audio/mpeg", "audio.mp3"),
        ("C:\\Users\\me\\rec.WAV", "audio/wav", "rec.WAV"),
        ("memo.m4a", "audio/mp4", "memo.m4a"),
        ("memo.mp3", "audio/mp4", "memo.mp3.m4a"),
        ("..", "audio/flac", "audio.flac"),
        ("é-voix.opus", "audio/ogg", "voix.opus"),
        ("x" * 300 + ".webm", "audio/webm", "x" * 120 + ".webm"),
    ],
)
def test_safe_file_name(name: str, mime: str, expected: str) -> None:
    assert safe_file_name(name, mime) == expected


async def test_discovered_stt_default_is_the_curated_one(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    # A live list that ranks another model first does not move the curated default (§7 #2: one list).
    router.get(MODELS_URL).respond(200, json=LIVE)
    route = router.post(URL).respond(200, json={"text": "ok"})
    runtime = make_runtime()
    await runtime.catalog().refresh()
    assert runtime.snapshot().surface("stt").ids == ("openai/whisper-large-v3",)
    result = await DeepInfraMediaUnderstandingProvider(runtime).transcribe_audio(audio())
    assert (
        parts(route)["model"][2] == b"openai/whisper-large-v3-turbo"
        and result.model == "openai/whisper-large-v3-turbo"
    )


async def test_served_model_is_reported(make_runtime: MakeRuntime, router: respx.MockRouter) -> None:
    router.post(URL).respond(200, json={"text": "ok", "model": "openai/whisper-large-v3"})
    result = await DeepInfraMediaUnderstandingProvider(make_runtime()).transcribe_audio(audio())
    assert result.model == "openai/whisper-large-v3"


async def test_request_auth_and_base_url_are_used(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    route = router.post("https://stt.example.com/v1/openai/audio/transcriptions").respond(
        200, json={"text": "ok"}
    )
    await DeepInfraMediaUnderstandingProvider(make_runtime()).transcribe_audio(
        audio(
            auth={"kind": "api-key", "api_key": "di-request-key-0123456789ab"},
            base_url="https://stt.example.com/v1/openai",
            headers={"X-Tenant": "t1", "Authorization": "Bearer stolen"},
        )
    )
    sent = route.calls.last.request
    assert sent.headers["authorization"] == "Bearer di-request-key-0123456789ab"
    assert sent.headers["x-tenant"] == "t1"


@pytest.mark.parametrize(
    ("buffer", "message"),
    [
        (b"", "is empty"),
        (
            b"%PDF-1.7 not audio",
            "not a supported audio container .supported: mp3, wav, ogg, flac, m4a/mp4, webm",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a supported audio container"),
    ],
)
async def test_bad_audio_is_refused_before_sending(
    make_runtime: MakeRuntime, router: respx.MockRouter, buffer: bytes, message: str
) -> None:
    route = router.post(URL).respond(200, json={"text": "ok"})
    with pytest.raises(RequestValidationError, match=message):
        await DeepInfraMediaUnderstandingProvider(make_runtime()).transcribe_audio(audio(buffer))
    assert not route.called


@pytest.mark.parametrize(
    "answer", [{"text": ""}, {"text": "   "}, {"text": None}, {"segments": []}, [], {"text": 5}]
)
async def test_answer_needs_non_blank_text(
    make_runtime: MakeRuntime, router: respx.MockRouter, answer: Any
) -> None:
    router.post(URL).respond(200, json=answer)
    with pytest.raises(MalformedResponseError, match="Audio transcription response missing text"):
        await DeepInfraMediaUnderstandingProvider(make_runtime()).transcribe_audio(audio())


async def test_errors_are_typed_labelled_and_not_retried(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    route = router.post(URL).respond(500, json={"error": {"message": "boom"}})
    with pytest.raises(ServerError, match="Audio transcription failed"):
        await DeepInfraMediaUnderstandingProvider(make_runtime()).transcribe_audio(audio())
    assert route.call_count == 1
    router.post(URL).respond(401, json={"error": {"message": "bad key"}})
    with pytest.raises(AuthenticationError) as info:
        await DeepInfraMediaUnderstandingProvider(make_runtime()).transcribe_audio(audio())
    assert KEY not in str(info.value) and KEY not in repr(info.value)


def test_identity_and_auth(make_runtime: MakeRuntime) -> None:
    provider = DeepInfraMediaUnderstandingProvider(make_runtime())
    assert provider.capabilities == ("image", "audio")
    assert provider.default_models == {
        "image": "moonshotai/Kimi-K2.6",  # the curated K2.5 is deprecated
        "audio": "openai/whisper-large-v3-turbo",
    }
    assert provider.auto_priority == {"image": 45, "audio": 45}
    auth = provider.resolve_auth(None)
    assert (
        auth is not None
        and auth.kind == "api-key"
        and auth.api_key == KEY
        and auth.source == "env:DEEPINFRA_API_KEY"
    )
    assert KEY not in repr(auth) and KEY not in repr(provider)
    assert DeepInfraMediaUnderstandingProvider(make_runtime(key=False)).resolve_auth(None) is None
