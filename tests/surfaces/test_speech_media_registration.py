"""The speech and media-understanding providers as a gateway sees them: registered from the entry
point without network, chosen by the host's selection, and never showing the key."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import respx

from openclaw_deepinfra.errors import DeepInfraError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.media import AudioTranscriptionRequest
from openclaw_deepinfra.host.contracts.protocols import MediaUnderstandingProvider, SpeechProvider
from openclaw_deepinfra.host.contracts.speech import SpeechSynthesisRequest
from openclaw_deepinfra.host.media_selection import select_media_understanding, select_speech
from openclaw_deepinfra.host.registry import PluginRegistry
from openclaw_deepinfra.host.selection import providers_of
from tests.gateway import load_plugin

KEY = "di-speech-media-registration-key-0123456789"
BASE = "https://api.deepinfra.com/v1/openai"


pytestmark = pytest.mark.usefixtures("no_deepinfra_env")


def load(data: dict[str, Any] | None = None) -> tuple[PluginRegistry, OpenClawConfig]:
    config = OpenClawConfig(data or {})
    registry = load_plugin(config)
    return registry, config


async def test_both_surfaces_register_and_satisfy_their_protocols() -> None:
    registry, _ = load()
    try:
        assert registry.records["deepinfra"].status == "loaded"
        assert not [d for d in registry.diagnostics if "speech" in d.message or "media" in d.message]
        speech = registry.get("speech-provider", "deepinfra")
        media = registry.get("media-understanding-provider", "deepinfra")
        assert isinstance(speech, SpeechProvider) and isinstance(media, MediaUnderstandingProvider)
        assert media.capabilities == ("image", "audio")
    finally:
        await registry.aclose()


@pytest.mark.parametrize(
    ("data", "key", "expected"),
    [
        ({"tts": {"provider": "deepinfra"}}, False, [("deepinfra", "config")]),  # named even without a key
        ({"messages": {"tts": {"provider": "deepinfra"}}}, False, [("deepinfra", "config")]),
        ({}, True, [("deepinfra", "auto")]),
        ({}, False, []),
        ({"tts": {"providers": {"deepinfra": {"apiKey": KEY}}}}, False, [("deepinfra", "auto")]),
    ],
)
async def test_select_speech(
    monkeypatch: pytest.MonkeyPatch, data: dict[str, Any], key: bool, expected: list[tuple[str, str]]
) -> None:
    if key:
        monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
    registry, config = load(data)
    try:
        picks = select_speech(config, providers_of(registry, "speech-provider"))
        assert [(p.provider_id, p.reason) for p in picks] == expected
        assert all(p.model == "hexgrad/Kokoro-82M" for p in picks)
    finally:
        await registry.aclose()


@pytest.mark.parametrize(
    ("capability", "model"), [("audio", "openai/whisper-large-v3-turbo"), ("image", "moonshotai/Kimi-K2.6")]
)
async def test_select_media_understanding_auto(
    monkeypatch: pytest.MonkeyPatch, capability: Any, model: str
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
    registry, config = load()
    try:
        (pick,) = select_media_understanding(
            config, providers_of(registry, "media-understanding-provider"), capability
        )
        assert (pick.provider_id, pick.model, pick.reason) == ("deepinfra", model, "auto")
    finally:
        await registry.aclose()


async def test_key_never_reaches_logs_errors_or_reprs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
    registry, config = load()
    speech: Any = registry.get("speech-provider", "deepinfra")
    media: Any = registry.get("media-understanding-provider", "deepinfra")
    texts: list[str] = []
    try:
        with caplog.at_level(logging.DEBUG), respx.mock() as router:
            router.post(f"{BASE}/audio/speech").respond(401, json={"error": {"message": f"bad key {KEY}"}})
            router.post(f"{BASE}/audio/transcriptions").respond(200, json={"text": ""})
            for call in (
                speech.synthesize(SpeechSynthesisRequest(text="hi", cfg=config, timeout_ms=5000)),
                media.transcribe_audio(
                    AudioTranscriptionRequest(
                        buffer=b"OggS" + b"\x00" * 20,
                        file_name="a.ogg",
                        timeout_ms=5000,
                        auth=media.resolve_auth(None),
                    )
                ),
            ):
                with pytest.raises(DeepInfraError) as info:
                    await call
                texts += [str(info.value), repr(info.value)]
        auth = media.resolve_auth(None)
        texts += [repr(speech), repr(media), repr(auth), caplog.text]
    finally:
        await registry.aclose()
    assert all(KEY not in text for text in texts)
    assert auth.api_key == KEY  # the hook does hand the key to the host, just never prints it
