"""Which voices each DeepInfra TTS model speaks, and the voice a request ends up with.

The reference advertises ``af_bella`` for every model (reference §7 #10): a Qwen or Chatterbox
request then silently gets a Kokoro voice name the model does not know. Here a model has a voice
list only where one is known; a voice outside it is refused before the (billed) request, and a
model without a known default voice needs one configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from openclaw_deepinfra.errors import RequestValidationError

if TYPE_CHECKING:
    from openclaw_deepinfra.host.contracts.speech import SpeechVoice

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


def _key(model: str) -> str:
    return model.split(":", 1)[0].strip().lower()


def voices_for(model: str) -> tuple[str, ...] | None:
    """The model's voices, or None when this plugin does not know them."""
    return MODEL_VOICES.get(_key(model))


def default_voice_for(model: str) -> str | None:
    return DEFAULT_VOICES.get(_key(model))


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
