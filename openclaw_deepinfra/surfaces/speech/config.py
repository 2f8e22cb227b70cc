"""The DeepInfra TTS settings block: where it lives, how it is normalised and validated, and which
voices each model speaks.

``tts.providers.deepinfra`` (older ``messages.tts.providers.deepinfra``) with the reference's
keys: ``apiKey`` (SecretInput, resolved only just before a request), ``baseUrl``, ``model`` /
``modelId``, ``voice`` / ``voiceId`` (newer docs: ``speakerVoice`` / ``speakerVoiceId``), ``speed``,
``responseFormat``, ``extraBody``. The normalised block uses the first spelling of each key, so
normalising it again changes nothing; per-request overrides use the same keys. ``extraBody`` is
merged into the top level of the JSON body (what ``extra_body`` means in every OpenAI SDK); a key
that the plugin sends itself is refused.

The ``[[tts:voice=… model=…]]`` directive keys (reference §3.4, within the host's directive policy)
become such overrides.

Voices: the reference advertises ``af_bella`` for every model (reference §7 #10): a Qwen or
Chatterbox request then silently gets a Kokoro voice name the model does not know. Here a model
has a voice list only where one is known; a voice outside it is refused before the (billed)
request, and a model without a known default voice needs one configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypedDict, cast

from openclaw_deepinfra.config_blocks import Problem, SpeechBlock, json_type, parse, require
from openclaw_deepinfra.errors import ConfigurationError, RequestValidationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.config_tree import provider_entry
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.settings import PROVIDER_ID
from openclaw_deepinfra.urls import configured_base_url

if TYPE_CHECKING:
    from openclaw_deepinfra.host.contracts.speech import (
        SpeechDirectiveTokenContext,
        SpeechDirectiveTokenResult,
        SpeechVoice,
    )

FORMATS: Final = ("mp3", "opus", "flac", "wav", "pcm")
VOICE_COMPATIBLE: Final = frozenset({"mp3", "opus"})
DEFAULT_FORMAT: Final = "mp3"
DEFAULT_MAX_TEXT_LENGTH: Final = 4096
# The body fields the plugin sends itself; `extraBody` may add others, never replace these.
CORE_FIELDS: Final = frozenset({"model", "input", "voice", "response_format", "speed"})
CONFIG_KEY: Final = f"tts.providers.{PROVIDER_ID}"
VOICE_KEYS: Final = frozenset({"voice", "voice_id", "voiceid", "deepinfra_voice", "deepinfravoice"})
MODEL_KEYS: Final = frozenset({"model", "model_id", "modelid", "deepinfra_model", "deepinframodel"})

KOKORO_MODEL: Final = "hexgrad/Kokoro-82M"
DEFAULT_VOICE: Final = "af_bella"

# Kokoro-82M's published voices (deepinfra-api.md §5), the default first.
KOKORO_VOICES: Final[tuple[str, ...]] = (
    "af_bella", "af_heart", "af_alloy", "af_aoede", "af_jessica", "af_kore", "af_nicole", "af_nova",
    "af_river", "af_sarah", "af_sky", "am_adam", "am_echo", "am_eric", "am_fenrir", "am_liam",
    "am_michael", "am_onyx", "am_puck", "am_santa", "bf_alice", "bf_emma", "bf_isabella", "bf_lily",
    "bm_daniel", "bm_fable", "bm_george", "bm_lewis", "ef_dora", "em_alex", "em_santa", "ff_siwis",
    "hf_alpha", "hf_beta", "hm_omega", "hm_psi", "if_sara", "im_nicola", "jf_alpha", "jf_gongitsune",
    "jf_nezumi", "jf_tebukuro", "jm_kumo", "pf_dora", "pm_alex", "pm_santa", "zf_xiaobei", "zf_xiaoni",
    "zf_xiaoxiao", "zf_xiaoyi", "zm_yunjian", "zm_yunxi", "zm_yunxia", "zm_yunyang",
)  # fmt: skip

# Keyed by the lowercased model id without a `:version` pin.
MODEL_VOICES: Final[Mapping[str, tuple[str, ...]]] = {KOKORO_MODEL.lower(): KOKORO_VOICES}
DEFAULT_VOICES: Final[Mapping[str, str]] = {KOKORO_MODEL.lower(): DEFAULT_VOICE}

_LANGUAGES: Final = {
    "a": "en-US",
    "b": "en-GB",
    "e": "es",
    "f": "fr",
    "h": "hi",
    "i": "it",
    "j": "ja",
    "p": "pt-BR",
    "z": "zh",
}
_GENDERS: Final = {"f": "female", "m": "male"}
_SHOWN: Final = 12


# First spelling is the normalised key; the others are accepted on input.
_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "model": ("model", "modelId"),
    "voice": ("voice", "voiceId", "speakerVoice", "speakerVoiceId"),
    "responseFormat": ("responseFormat", "format"),
}
# Keys that mark a whole TTS block rather than the provider's own block.
_TTS_BLOCK_KEYS: Final = frozenset(
    {"providers", "provider", "auto", "enabled", "mode", "persona", "personas", "summaryModel",
     "modelOverrides", "maxTextLength", "timeoutMs"}
)  # fmt: skip


class SpeechSettings(TypedDict, total=False):
    """A normalised block: the config block, a request's overrides, or both merged (one request's
    effective settings, before defaults are applied). Unset keys are absent."""

    apiKey: Any  # a SecretInput, resolved only just before a request
    baseUrl: str
    model: str
    voice: str
    speed: float
    responseFormat: str
    extraBody: Mapping[str, Any]


def provider_block(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The DeepInfra block out of what the host hands ``resolve_config``: the whole TTS block
    (``providers.deepinfra``, or a bare ``deepinfra`` key as the reference also reads) or the
    provider block itself."""
    if not raw:
        return {}
    providers = raw.get("providers")
    if providers is not None and not isinstance(providers, Mapping):
        raise ConfigurationError(str(Problem("tts.providers", json_type(providers), "an object")))
    if isinstance(providers, Mapping):
        block = provider_entry(providers, PROVIDER_ID)
        if block is not None and not isinstance(block, Mapping):
            raise ConfigurationError(str(Problem(CONFIG_KEY, json_type(block), "an object")))
        return dict(block) if isinstance(block, Mapping) else {}
    nested = provider_entry(raw, PROVIDER_ID)
    if isinstance(nested, Mapping):
        return dict(nested)
    if _TTS_BLOCK_KEYS & set(raw):
        return {}
    return dict(raw)


def block_from_config(config: OpenClawConfig) -> dict[str, Any]:
    """``tts.providers.deepinfra``, else ``messages.tts.providers.deepinfra``; read raw so a
    SecretInput ``apiKey`` stays unresolved (and an unset ``${VAR}`` elsewhere is not an error here)."""
    for root in (("tts",), ("messages", "tts")):
        tts = config.get(root, raw=True)
        if tts is not None:
            # The same shape rules as a block handed to resolve_config (a wrong type is an error).
            return provider_block(tts) if isinstance(tts, Mapping) and "providers" in tts else {}
    return {}


def _pick(block: Mapping[str, Any], key: str) -> Any:
    for spelling in _SPELLINGS.get(key, (key,)):
        value = block.get(spelling)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return None


def _text(value: Any, key: str, error: type[Exception]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise error(f"{CONFIG_KEY}.{key} must be a string, got {type(value).__name__}")
    return value.strip() or None


def normalize_format(value: Any, *, error: type[ConfigurationError | RequestValidationError]) -> str | None:
    text = _text(value, "responseFormat", error)
    if text is None:
        return None
    fmt = text.lower()
    if fmt not in FORMATS:
        raise error(
            f"Invalid DeepInfra speech responseFormat: {text}; allowed: {', '.join(FORMATS)}",
            hint=f"set {CONFIG_KEY}.responseFormat (or pass --format) to one of them",
        )
    return fmt


def normalize_block(
    block: Mapping[str, Any], *, error: type[ConfigurationError | RequestValidationError] = ConfigurationError
) -> SpeechSettings:
    """The validated block in the normalised spelling; unset keys are left out. ``error`` is the
    class a bad value raises (configuration for the config file, validation for request overrides)."""
    base_url = configured_base_url(block.get("baseUrl"), f"{CONFIG_KEY}.baseUrl")
    model = _text(_pick(block, "model"), "model", error)
    voice = _text(_pick(block, "voice"), "voice", error)
    typed = parse(SpeechBlock, block, CONFIG_KEY, error=error)
    fmt = normalize_format(_pick(block, "responseFormat"), error=error)
    clash = sorted(CORE_FIELDS & set(typed.extra_body or ()))
    if clash:
        raise error(
            f"{CONFIG_KEY}.extraBody sets {', '.join(clash)}, which the plugin sends itself",
            hint="use the model, voice, speed and responseFormat keys instead",
        )
    out = {
        "apiKey": block.get("apiKey") if block.get("apiKey") != "" else None,
        "baseUrl": base_url,
        "model": strip_provider_prefix(model, PROVIDER_ID) if model is not None else None,
        "voice": voice,
        "speed": typed.speed,
        "responseFormat": fmt,
        "extraBody": typed.extra_body,
    }
    return cast(SpeechSettings, {key: value for key, value in out.items() if value is not None})


def with_defaults(block: Mapping[str, Any], default_model: str) -> dict[str, Any]:
    """A normalised block with the defaults a request would use filled in: the model, its default
    voice (when the plugin knows one) and the format."""
    out = dict(block)
    model = out.setdefault("model", default_model)
    if "voice" not in out:
        voice = default_voice_for(model)
        if voice is not None:
            out["voice"] = voice
    out.setdefault("responseFormat", DEFAULT_FORMAT)
    return out


def effective_settings(
    provider_config: Mapping[str, Any] | None, overrides: Mapping[str, Any] | None
) -> SpeechSettings:
    """Config block, then request overrides on top (an override wins key by key)."""
    merged = normalize_block(provider_block(provider_config or {}))
    if overrides:
        override = normalize_block(overrides, error=RequestValidationError)
        configured = merged.get("model")
        # A voice that is only the configured model's default (as `resolve_config` fills it) is
        # not a choice for another model: that model gets its own default.
        if (
            "model" in override
            and "voice" not in override
            and configured is not None
            and override["model"] != configured
            and merged.get("voice") == default_voice_for(configured)
        ):
            merged.pop("voice", None)
        merged.update(override)
    return merged


def max_text_length(config: OpenClawConfig | None) -> int:
    """``tts.maxTextLength`` (older ``messages.tts.maxTextLength``), default 4096."""
    value = require(config, "tts.maxTextLength")  # a wrong type is an error naming the key
    return DEFAULT_MAX_TEXT_LENGTH if value is None else int(value)


def parse_directive_token(ctx: SpeechDirectiveTokenContext) -> SpeechDirectiveTokenResult:
    """A voice or model key becomes an override when the policy allows it. A key that is ours but
    not allowed is still *handled* (so it is not read aloud or passed on) with a warning saying why;
    any other key is left to other providers."""
    # Imported here: the contract models are loaded on first use, not at registration.
    from openclaw_deepinfra.host.contracts.speech import SpeechDirectiveTokenResult

    key = ctx.key.strip().lower()
    value = ctx.value.strip()
    if key in VOICE_KEYS:
        field, allowed = "voice", ctx.policy.allow_voice
    elif key in MODEL_KEYS:
        field, allowed = "model", ctx.policy.allow_model_id
        value = strip_provider_prefix(value, PROVIDER_ID)
    else:
        return SpeechDirectiveTokenResult(handled=False)
    if not allowed:
        return SpeechDirectiveTokenResult(
            handled=True, warnings=[f"[[tts:{ctx.key}=…]] ignored: {field} directives are not allowed here"]
        )
    if not value:
        return SpeechDirectiveTokenResult(
            handled=True, warnings=[f"[[tts:{ctx.key}=]] ignored: empty {field}"]
        )
    return SpeechDirectiveTokenResult(handled=True, overrides={field: value})


def _model_key(model: str) -> str:
    return model.split(":", 1)[0].strip().lower()


def voices_for(model: str) -> tuple[str, ...] | None:
    """The model's voices, or None when this plugin does not know them."""
    return MODEL_VOICES.get(_model_key(model))


def default_voice_for(model: str) -> str | None:
    return DEFAULT_VOICES.get(_model_key(model))


def resolve_voice(model: str, voice: str | None) -> str:
    """The voice to send for ``model``: the configured one (checked against a known list), else the
    model's default; a model without a default needs one configured."""
    wanted = voice.strip() if voice else ""
    known = voices_for(model)
    if wanted:
        if known is not None and wanted not in known:
            shown = ", ".join(known[:_SHOWN])
            raise RequestValidationError(
                f"DeepInfra TTS model {model} has no voice {wanted!r}; "
                f"it speaks {len(known)} voices: {shown}, …",
                hint="set tts.providers.deepinfra.voice (or pass --voice) to one of them",
            )
        return wanted
    default = default_voice_for(model)
    if default is None:
        raise RequestValidationError(
            f"DeepInfra TTS model {model} has no default voice known to this plugin",
            hint="set tts.providers.deepinfra.voice (or pass --voice) to a voice that model speaks",
        )
    return default


def describe_voice(voice_id: str) -> SpeechVoice:
    """A voice with the language and gender its Kokoro-style prefix encodes (``af_`` = US English, female)."""
    prefix = voice_id.split("_", 1)[0] if "_" in voice_id else ""
    language = _LANGUAGES.get(prefix[:1]) if len(prefix) == 2 else None
    gender = _GENDERS.get(prefix[1:2]) if len(prefix) == 2 else None
    # Imported here: the voice list is read at registration, the contract model only on use.
    from openclaw_deepinfra.host.contracts.speech import SpeechVoice

    return SpeechVoice(id=voice_id, name=voice_id, language=language, gender=gender)
