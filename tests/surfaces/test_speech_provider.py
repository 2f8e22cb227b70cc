"""The speech provider against a mocked DeepInfra: whole request bodies, results, keys, streaming."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from openclaw_deepinfra.errors import (
    APIStatusError,
    InsufficientBalanceError,
    MalformedResponseError,
    MissingApiKeyError,
    RequestValidationError,
)
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.speech import (
    SpeechIsConfiguredContext,
    SpeechListVoicesRequest,
    SpeechSynthesisRequest,
)
from openclaw_deepinfra.surfaces.speech.provider import DeepInfraSpeechProvider
from tests.surfaces.conftest import BASE, KEY, MakeRuntime

AUDIO = b"ID3\x04\x00" + bytes(range(256)) * 4
SPEECH_URL = f"{BASE}/audio/speech"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as r:
        yield r


def request(
    text: str = "Hello there.", *, cfg: dict[str, Any] | None = None, **fields: Any
) -> SpeechSynthesisRequest:
    return SpeechSynthesisRequest(text=text, cfg=OpenClawConfig(cfg or {}), timeout_ms=30_000, **fields)


def sent_json(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


async def test_defaults_whole_body_and_result(make_runtime: MakeRuntime, router: respx.MockRouter) -> None:
    route = router.post(SPEECH_URL).respond(200, content=AUDIO, headers={"content-type": "audio/mpeg"})
    result = await DeepInfraSpeechProvider(make_runtime()).synthesize(request())
    assert sent_json(route) == {
        "model": "hexgrad/Kokoro-82M",
        "input": "Hello there.",
        "voice": "af_bella",
        "response_format": "mp3",
    }
    sent = route.calls.last.request
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert result.audio_buffer == AUDIO
    assert (result.output_format, result.file_extension, result.voice_compatible) == ("mp3", ".mp3", True)
    assert result.model == "hexgrad/Kokoro-82M"


async def test_config_block_and_overrides_shape_the_body(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    route = router.post(SPEECH_URL).respond(200, content=b"fLaC....", headers={"content-type": "audio/flac"})
    block = {"modelId": "hexgrad/Kokoro-82M", "voiceId": "af_sky", "speed": 1.5, "responseFormat": "wav",
             "extraBody": {"lang_code": "b"}}  # fmt: skip
    result = await DeepInfraSpeechProvider(make_runtime()).synthesize(
        request(
            provider_config=block,
            provider_overrides={"voice": "bm_lewis", "speed": 0.9, "responseFormat": "flac"},
        )
    )
    assert sent_json(route) == {
        "model": "hexgrad/Kokoro-82M",
        "input": "Hello there.",
        "voice": "bm_lewis",
        "response_format": "flac",
        "speed": 0.9,
        "lang_code": "b",  # extraBody is merged into the top level
    }
    assert (result.output_format, result.file_extension, result.voice_compatible) == ("flac", ".flac", False)


@pytest.mark.parametrize(
    ("fmt", "compatible"), [("mp3", True), ("opus", True), ("flac", False), ("wav", False), ("pcm", False)]
)
async def test_format_table(
    make_runtime: MakeRuntime, router: respx.MockRouter, fmt: str, compatible: bool
) -> None:
    router.post(SPEECH_URL).respond(
        200, content=b"\x01\x02", headers={"content-type": "application/octet-stream"}
    )
    result = await DeepInfraSpeechProvider(make_runtime()).synthesize(
        request(provider_config={"responseFormat": fmt})
    )
    assert (result.output_format, result.file_extension, result.voice_compatible) == (
        fmt,
        f".{fmt}",
        compatible,
    )


async def test_tts_block_key_and_base_url_win(make_runtime: MakeRuntime, router: respx.MockRouter) -> None:
    route = router.post("https://tts.example.com/v1/openai/audio/speech").respond(200, content=AUDIO)
    runtime = make_runtime(TTS_KEY="di-tts-block-key-abcdef0123456789")
    cfg = OpenClawConfig({}, env={"TTS_KEY": "di-tts-block-key-abcdef0123456789"})
    req = SpeechSynthesisRequest(
        text="hi", cfg=cfg, timeout_ms=5000,
        provider_config={"apiKey": "${TTS_KEY}", "baseUrl": "https://tts.example.com/v1/openai/"},
    )  # fmt: skip
    await DeepInfraSpeechProvider(runtime).synthesize(req)
    assert route.calls.last.request.headers["authorization"] == "Bearer di-tts-block-key-abcdef0123456789"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "nothing to synthesize"),
        ({"text": "x" * 4097}, "4097 characters; speech synthesis accepts at most 4096"),
        ({"text": "x" * 11, "cfg": {"tts": {"maxTextLength": 10}}}, "accepts at most 10"),
        ({"text": "x" * 11, "cfg": {"messages": {"tts": {"maxTextLength": 10}}}}, "accepts at most 10"),
        ({"provider_config": {"model": "Qwen/Qwen3-TTS"}}, "Qwen/Qwen3-TTS has no default voice"),
        ({"provider_config": {"voice": "nova"}}, "no voice 'nova'"),
        ({"provider_overrides": {"responseFormat": "aac"}}, "Invalid DeepInfra speech responseFormat: aac"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    make_runtime: MakeRuntime, router: respx.MockRouter, kwargs: dict[str, Any], message: str
) -> None:
    route = router.post(SPEECH_URL).respond(200, content=AUDIO)
    text = kwargs.pop("text", "Hello")
    with pytest.raises(RequestValidationError, match=message):
        await DeepInfraSpeechProvider(make_runtime()).synthesize(request(text, **kwargs))
    assert not route.called


async def test_non_kokoro_model_with_configured_voice(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    route = router.post(SPEECH_URL).respond(200, content=AUDIO)
    await DeepInfraSpeechProvider(make_runtime()).synthesize(
        request(provider_config={"model": "deepinfra/Qwen/Qwen3-TTS", "voice": "Cherry"})
    )
    assert sent_json(route)["model"] == "Qwen/Qwen3-TTS" and sent_json(route)["voice"] == "Cherry"


async def test_api_errors_are_typed_and_carry_the_label(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    router.post(SPEECH_URL).respond(
        402, json={"error": {"message": "You need positive balance to do inference"}}
    )
    with pytest.raises(InsufficientBalanceError) as info:
        await DeepInfraSpeechProvider(make_runtime()).synthesize(request())
    assert "positive balance" in str(info.value) and KEY not in str(info.value)


@pytest.mark.parametrize(("status", "calls"), [(500, 1), (408, 1), (503, 2), (502, 2), (504, 2)])
async def test_only_statuses_that_did_nothing_are_retried(
    make_runtime: MakeRuntime, router: respx.MockRouter, status: int, calls: int
) -> None:
    # Billed per character: a 500/408 may have been charged and is never sent twice; the
    # gateway's 502/503/504 mean no worker took it (transport.retry's billed table).
    route = router.post(SPEECH_URL).respond(status, json={"error": {"message": "overloaded"}})
    runtime = make_runtime({"models": {"providers": {"deepinfra": {"maxRetries": 1}}}})
    runtime.http().shared.sleep = _no_sleep  # keep the backoff instant
    with pytest.raises(APIStatusError) as info:
        await DeepInfraSpeechProvider(runtime).synthesize(request())
    assert info.value.status == status
    assert route.call_count == calls


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.mark.parametrize(
    ("content", "content_type"), [(b'{"detail": "odd"}', "application/json"), (b"", "audio/mpeg")]
)
async def test_non_audio_answers_are_malformed(
    make_runtime: MakeRuntime, router: respx.MockRouter, content: bytes, content_type: str
) -> None:
    router.post(SPEECH_URL).respond(200, content=content, headers={"content-type": content_type})
    with pytest.raises(MalformedResponseError, match="expected mp3 audio"):
        await DeepInfraSpeechProvider(make_runtime()).synthesize(request())


async def test_missing_key_is_a_clear_error(make_runtime: MakeRuntime, router: respx.MockRouter) -> None:
    route = router.post(SPEECH_URL).respond(200, content=AUDIO)
    with pytest.raises(MissingApiKeyError, match="DeepInfra API key missing"):
        await DeepInfraSpeechProvider(make_runtime(key=False)).synthesize(request())
    assert not route.called


# -- streaming --------------------------------------------------------------------------------------


async def test_stream_synthesize_yields_the_chunks(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    parts = [AUDIO[:100], AUDIO[100:700], AUDIO[700:]]
    route = router.post(SPEECH_URL).mock(
        return_value=httpx.Response(200, headers={"content-type": "audio/mpeg"}, stream=_Chunks(parts))
    )
    result = await DeepInfraSpeechProvider(make_runtime()).stream_synthesize(
        request(provider_overrides={"responseFormat": "opus"})
    )
    received = [chunk async for chunk in result.audio_stream]
    assert b"".join(received) == AUDIO and len(received) == 3
    assert (result.output_format, result.file_extension, result.voice_compatible, result.model) == (
        "opus", ".opus", True, "hexgrad/Kokoro-82M",
    )  # fmt: skip
    assert sent_json(route)["response_format"] == "opus"
    assert result.release is not None
    await result.release()  # idempotent after a complete stream


async def test_stream_release_before_reading_closes_it(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    body = _Chunks([b"a", b"b"])
    router.post(SPEECH_URL).mock(return_value=httpx.Response(200, stream=body))
    result = await DeepInfraSpeechProvider(make_runtime()).stream_synthesize(request())
    assert result.release is not None
    await result.release()
    assert body.closed


async def test_stream_error_status_raises_from_the_call(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    router.post(SPEECH_URL).respond(402, json={"error": {"message": "You need positive balance"}})
    with pytest.raises(InsufficientBalanceError):
        await DeepInfraSpeechProvider(make_runtime()).stream_synthesize(request())


class _Chunks(httpx.AsyncByteStream):
    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.closed = False

    async def __aiter__(self) -> Any:
        for part in self.parts:
            yield part

    async def aclose(self) -> None:
        self.closed = True


# -- hooks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env_key", "block", "env", "expected"),
    [
        (True, {}, {}, True),
        (False, {}, {}, False),
        (False, {"apiKey": "di-literal-tts-key-000111222333"}, {}, True),
        (False, {"apiKey": "${TTS_KEY}"}, {"TTS_KEY": "di-env-tts-key-444555666777"}, True),
        (False, {"apiKey": "${TTS_KEY}"}, {}, False),  # unresolvable: not configured, not a crash
        (
            False,
            {"apiKey": {"source": "env", "provider": "default", "id": "TTS_KEY"}},
            {"TTS_KEY": "k-12345678"},
            True,
        ),
    ],
)
def test_is_configured_iff_a_key_resolves(
    make_runtime: MakeRuntime, env_key: bool, block: dict[str, Any], env: dict[str, str], expected: bool
) -> None:
    provider = DeepInfraSpeechProvider(make_runtime(key=env_key))
    ctx = SpeechIsConfiguredContext(cfg=OpenClawConfig({}, env=env), provider_config=block, timeout_ms=1)
    assert provider.is_configured(ctx) is expected


def test_identity_and_voices(make_runtime: MakeRuntime) -> None:
    provider = DeepInfraSpeechProvider(make_runtime())
    assert (provider.id, provider.label, provider.auto_select_order) == ("deepinfra", "DeepInfra", 45)
    assert provider.default_model == "hexgrad/Kokoro-82M"
    assert provider.models[0] == "hexgrad/Kokoro-82M" and "Qwen/Qwen3-TTS" in provider.models
    assert provider.voices[0] == "af_bella" and len(provider.voices) == 54
    voices = provider.list_voices(SpeechListVoicesRequest())
    assert voices[0].id == "af_bella" and voices[0].language == "en-US"
    qwen = provider.list_voices(
        SpeechListVoicesRequest(provider_config={"model": "Qwen/Qwen3-TTS", "voice": "Cherry"})
    )
    assert [v.id for v in qwen] == ["Cherry"]
    assert KEY not in repr(provider)
