"""Speech (TTS) provider contract (host-contracts §4)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Literal, TypeAlias

from pydantic import Field

from openclaw_deepinfra.host.contracts.common import ConfigField, HostModel, JsonObject, StrictModel

SpeechTarget: TypeAlias = Literal["audio-file", "voice-note", "telephony"]


class SpeechSynthesisRequest(HostModel):
    text: str
    cfg: ConfigField
    provider_config: JsonObject = Field(default_factory=dict, repr=False)
    """The merged ``tts.providers.<id>`` block after ``resolve_config`` (may hold ``apiKey``)."""
    target: SpeechTarget = "audio-file"
    provider_overrides: JsonObject | None = None
    timeout_ms: int


SpeechSynthesisStreamRequest = SpeechSynthesisRequest
"""The stream request has the same fields."""


class _SpeechAudio(StrictModel):
    """What a whole and a streamed synthesis result both say about their audio."""

    output_format: str
    file_extension: str
    """Upstream spells it with a leading dot (``".mp3"``); both forms are accepted."""
    voice_compatible: bool
    """Sendable as a voice note (opus/ogg, or mp3 where accepted)."""
    model: str | None = None
    """The model that produced the audio (not in OpenClaw's type; optional, for callers that log it)."""

    @property
    def dotted_extension(self) -> str:
        return self.file_extension if self.file_extension.startswith(".") else f".{self.file_extension}"


class SpeechSynthesisResult(_SpeechAudio):
    audio_buffer: bytes


class SpeechSynthesisStreamResult(_SpeechAudio):
    audio_stream: AsyncIterator[bytes]
    release: Callable[[], Awaitable[None] | None] | None = None


class SpeechDirectivePolicy(HostModel):
    """Which ``[[tts:…]]`` directive keys the host allows; unknown flags are kept."""

    allow_voice: bool = False
    allow_model_id: bool = False
    allow_provider: bool = False


class SpeechDirectiveTokenContext(HostModel):
    key: str
    value: str
    policy: SpeechDirectivePolicy = Field(default_factory=SpeechDirectivePolicy)
    cfg: ConfigField | None = None
    provider_config: JsonObject | None = Field(default=None, repr=False)


class SpeechDirectiveTokenResult(StrictModel):
    handled: bool
    overrides: JsonObject | None = None
    warnings: list[str] | None = None


class SpeechResolveConfigContext(HostModel):
    cfg: ConfigField
    raw_config: JsonObject = Field(default_factory=dict, repr=False)
    """The whole TTS block or just the provider block."""
    timeout_ms: int


class SpeechIsConfiguredContext(HostModel):
    cfg: ConfigField | None = None
    provider_config: JsonObject = Field(default_factory=dict, repr=False)
    timeout_ms: int


class SpeechPrepareSynthesisContext(HostModel):
    text: str
    cfg: ConfigField | None = None
    provider_config: JsonObject = Field(default_factory=dict, repr=False)
    persona: str | None = None
    target: SpeechTarget = "audio-file"


class SpeechPrepareSynthesisResult(StrictModel):
    text: str | None = None
    provider_config: JsonObject | None = None
    provider_overrides: JsonObject | None = None


class SpeechVoice(HostModel):
    id: str
    name: str | None = None
    language: str | None = None
    gender: str | None = None
    description: str | None = None


class SpeechListVoicesRequest(HostModel):
    cfg: ConfigField | None = None
    provider_config: JsonObject | None = Field(default=None, repr=False)
    api_key: str | None = Field(default=None, repr=False)
    base_url: str | None = None
