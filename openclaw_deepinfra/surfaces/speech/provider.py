"""The registered speech provider: identity, config hooks and ``POST {base}/audio/speech``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from openclaw_deepinfra.errors import (
    DeepInfraError,
    MalformedResponseError,
    RequestValidationError,
)
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import HostError
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.settings import resolve_config_secret
from openclaw_deepinfra.surfaces.provider_base import SurfaceProvider
from openclaw_deepinfra.surfaces.speech.config import (
    CONFIG_KEY,
    DEFAULT_FORMAT,
    KOKORO_VOICES,
    VOICE_COMPATIBLE,
    block_from_config,
    describe_voice,
    effective_settings,
    max_text_length,
    normalize_block,
    parse_directive_token,
    provider_block,
    resolve_voice,
    voices_for,
    with_defaults,
)
from openclaw_deepinfra.transport.client import DeepInfraHttp, OpenBytes
from openclaw_deepinfra.transport.responses import BytesResponse
from openclaw_deepinfra.transport.streaming import ByteStream

if TYPE_CHECKING:
    from openclaw_deepinfra.host.contracts.speech import (
        SpeechListVoicesRequest,
        SpeechResolveConfigContext,
        SpeechSynthesisRequest,
        SpeechSynthesisResult,
        SpeechSynthesisStreamResult,
        SpeechVoice,
    )

# The speech contract models are imported on first use, not at registration: loading the plugin
# registers this provider on every start.

logger = get_logger(__name__)

ERROR_LABEL: Final = "DeepInfra TTS API error"
SPEECH_PATH: Final = "/audio/speech"
AUTO_SELECT_ORDER: Final = 45
NOT_AUDIO: Final = ("application/json", "text/plain", "text/html")


@dataclass(frozen=True)
class _Call:
    http: DeepInfraHttp
    payload: dict[str, Any]
    model: str
    output_format: str

    def result_fields(self) -> dict[str, Any]:
        return {
            "output_format": self.output_format,
            "file_extension": f".{self.output_format}",
            "voice_compatible": self.output_format in VOICE_COMPATIBLE,
            "model": self.model,
        }

    def not_audio(self, response: BytesResponse | ByteStream, body: bytes) -> MalformedResponseError:
        """An answer that is an error page or empty instead of the audio asked for."""
        got = response.content_type or "an empty body"
        return MalformedResponseError(
            f"{ERROR_LABEL}: expected {self.output_format} audio, got {got}",
            status=response.status,
            request_id=response.request_id,
            body_excerpt=body[:500].decode("utf-8", "replace"),
        )


class DeepInfraSpeechProvider(SurfaceProvider):
    """``SpeechProviderPlugin`` for DeepInfra's TTS models (Kokoro by default)."""

    surface = "tts"
    auto_select_order: Final = AUTO_SELECT_ORDER
    default_timeout_ms: int | None = None

    # -- picker hints (shipped or cached catalog; never the network) ------------------------------

    @property
    def default_model(self) -> str:
        """The curated default (shipped), the one a request without a model falls back to."""
        return self._runtime.static.default("tts")

    @property
    def voices(self) -> list[str]:
        return list(KOKORO_VOICES)

    # -- pure hooks -------------------------------------------------------------------------------

    def resolve_config(self, ctx: SpeechResolveConfigContext) -> dict[str, Any]:
        """The normalised ``tts.providers.deepinfra`` block with the defaults a request would use
        (model, its voice, format) filled in; a bad value is a configuration error."""
        block = provider_block(ctx.raw_config) if ctx.raw_config else block_from_config(ctx.cfg)
        return with_defaults(normalize_block(block), self.default_model)

    parse_directive_token = staticmethod(parse_directive_token)

    def is_configured(self, ctx: Any = None) -> bool:
        """True iff a key resolves: the TTS block's ``apiKey``, else the plugin's own key."""
        cfg = getattr(ctx, "cfg", None)
        block = getattr(ctx, "provider_config", None)
        try:
            own_key = self._block_key(cfg, block if isinstance(block, Mapping) else None)
            return own_key is not None or self._runtime.settings().api_key is not None
        except (DeepInfraError, HostError) as exc:
            logger.warning("DeepInfra speech is not configured: %s", exc)
            return False

    def list_voices(self, req: SpeechListVoicesRequest | None = None) -> list[SpeechVoice]:
        settings = effective_settings(req.provider_config if req else None, None)
        model = settings.get("model") or self.default_model
        known, voice = voices_for(model), settings.get("voice")
        if known is None:
            return [describe_voice(voice)] if voice else []
        return [describe_voice(v) for v in known]

    # -- synthesis --------------------------------------------------------------------------------

    async def synthesize(self, req: SpeechSynthesisRequest) -> SpeechSynthesisResult:
        call = self._prepare(req)
        response = await call.http.request_bytes(
            "POST", SPEECH_PATH, json=call.payload, label=ERROR_LABEL, model=call.model
        )
        if response.content_type in NOT_AUDIO or not response.content:
            raise call.not_audio(response, response.content)
        from openclaw_deepinfra.host.contracts.speech import SpeechSynthesisResult

        return SpeechSynthesisResult(audio_buffer=response.content, **call.result_fields())

    async def stream_synthesize(self, req: SpeechSynthesisRequest) -> SpeechSynthesisStreamResult:
        """Audio chunks as DeepInfra sends them. The request is sent (and an error status raised)
        here; the caller iterates ``audio_stream`` and calls ``release`` if it stops early. A
        consumer that breaks out, is cancelled or drops the result gives the connection and model
        slot back as well (the stream is a plain object, closed by the generator's ``finally`` or,
        if the audio was never read, when it is dropped: ``transport.lease``)."""
        from openclaw_deepinfra.host.contracts.speech import SpeechSynthesisStreamResult

        call = self._prepare(req)
        opened = call.http.stream_bytes(
            "POST", SPEECH_PATH, json=call.payload, label=ERROR_LABEL, model=call.model
        )
        stream = await opened.__aenter__()
        try:
            if stream.content_type in NOT_AUDIO:
                body = b"".join([chunk async for chunk in stream.chunks])
                raise call.not_audio(stream, body)
        except BaseException:
            await opened.aclose()
            raise
        chunks = _relay(stream.chunks, opened)

        async def release() -> None:
            await chunks.aclose()
            await opened.aclose()

        return SpeechSynthesisStreamResult(audio_stream=chunks, release=release, **call.result_fields())

    def _prepare(self, req: SpeechSynthesisRequest) -> _Call:
        """Everything checked before a request: text, length, settings, model, voice, key."""
        text = req.text
        if not text.strip():
            raise RequestValidationError("nothing to synthesize: the text is empty")
        limit = max_text_length(req.cfg)
        if len(text) > limit:
            raise RequestValidationError(
                f"text is {len(text)} characters; speech synthesis accepts at most {limit}",
                hint="shorten the text or raise tts.maxTextLength",
            )
        settings = effective_settings(req.provider_config, req.provider_overrides)
        model = settings.get("model") or self.default_model
        voice = resolve_voice(model, settings.get("voice"))
        output_format = settings.get("responseFormat") or DEFAULT_FORMAT
        payload: dict[str, Any] = {
            "model": model,
            "input": text,
            "voice": voice,
            "response_format": output_format,
        }
        if "speed" in settings:
            payload["speed"] = settings["speed"]
        # Top level, as every OpenAI SDK sends `extra_body`; core fields were refused already.
        payload.update(settings.get("extraBody") or {})
        key = self._block_key(req.cfg, settings)
        http = self._runtime.http_with(api_key=key, base_url=settings.get("baseUrl"), source="tts config")
        # Speech is billed per input character: the POST's billed retry table applies (`transport.retry`).
        http = http.with_options(deadline=http.deadline(timeout_ms=req.timeout_ms))
        return _Call(http, payload, model, output_format)

    def _block_key(self, cfg: OpenClawConfig | None, block: Mapping[str, Any] | None) -> str | None:
        """The TTS block's own ``apiKey`` (a SecretInput), resolved now; None when it has none."""
        raw = (block or {}).get("apiKey")
        if raw in (None, ""):
            return None
        config = cfg if isinstance(cfg, OpenClawConfig) else self._runtime.config
        value = resolve_config_secret(config, raw, f"{CONFIG_KEY}.apiKey")
        return value.strip() if value and value.strip() else None


async def _relay(chunks: AsyncIterator[bytes], opened: OpenBytes) -> AsyncGenerator[bytes, None]:
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        await opened.aclose()
