"""TTS settings: both config spellings, the reference's keys, validation, directives, voices."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from openclaw_deepinfra.errors import ConfigurationError, RequestValidationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.speech import (
    SpeechDirectivePolicy,
    SpeechDirectiveTokenContext,
    SpeechResolveConfigContext,
)
from openclaw_deepinfra.surfaces.speech.config import (
    FORMATS,
    KOKORO_VOICES,
    block_from_config,
    describe_voice,
    effective_settings,
    max_text_length,
    normalize_block,
    parse_directive_token,
    provider_block,
    resolve_voice,
    voices_for,
)
from openclaw_deepinfra.surfaces.speech.provider import DeepInfraSpeechProvider
from tests.surfaces.conftest import MakeRuntime

BLOCK = {
    "apiKey": "${TTS_KEY}",
    "baseUrl": "https://tts.example.com/v1/openai/",
    "modelId": "deepinfra/hexgrad/Kokoro-82M",
    "voiceId": "am_adam",
    "speed": 1.25,
    "responseFormat": " OPUS ",
    "extraBody": {"lang_code": "a"},
}
NORMALISED = {
    "apiKey": "${TTS_KEY}",
    "baseUrl": "https://tts.example.com/v1/openai",
    "model": "hexgrad/Kokoro-82M",
    "voice": "am_adam",
    "speed": 1.25,
    "responseFormat": "opus",
    "extraBody": {"lang_code": "a"},
}


@pytest.mark.parametrize(
    "data",
    [
        {"tts": {"provider": "deepinfra", "providers": {"deepinfra": BLOCK}}},
        {"messages": {"tts": {"provider": "deepinfra", "providers": {"deepinfra": BLOCK}}}},
    ],
    ids=["tts", "messages.tts"],
)
def test_block_is_read_in_both_spellings_raw_and_normalised(data: dict[str, Any]) -> None:
    config = OpenClawConfig(data, env={})  # TTS_KEY unset: the SecretInput stays unresolved
    block = block_from_config(config)
    assert block == BLOCK
    assert normalize_block(block) == NORMALISED
    assert normalize_block(NORMALISED) == NORMALISED  # normalising twice changes nothing


def test_current_spelling_wins_over_the_older_one(caplog: pytest.LogCaptureFixture) -> None:
    config = OpenClawConfig(
        {
            "tts": {"providers": {"deepinfra": {"voice": "af_sky"}}},
            "messages": {"tts": {"providers": {"deepinfra": {"voice": "bf_emma"}}}},
        }
    )
    assert block_from_config(config) == {"voice": "af_sky"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"providers": {"deepinfra": {"voice": "af_sky"}}, "provider": "deepinfra"}, {"voice": "af_sky"}),
        ({"deepinfra": {"voice": "af_sky"}}, {"voice": "af_sky"}),
        ({"voice": "af_sky"}, {"voice": "af_sky"}),
        ({"provider": "deepinfra", "maxTextLength": 10}, {}),  # a TTS block without our block
        ({"providers": {"openai": {"voice": "alloy"}}}, {}),
        ({}, {}),
    ],
)
def test_provider_block_from_whole_tts_block_or_own_block(
    raw: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert provider_block(raw) == expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"model": "Qwen/Qwen3-TTS", "modelId": "ignored"}, {"model": "Qwen/Qwen3-TTS"}),
        ({"model": "  ", "modelId": "sesame/csm-1b"}, {"model": "sesame/csm-1b"}),
        ({"speakerVoice": "af_nova"}, {"voice": "af_nova"}),
        ({"speakerVoiceId": "af_nova"}, {"voice": "af_nova"}),
        ({"voice": "af_sky", "voiceId": "af_nova"}, {"voice": "af_sky"}),
        ({"baseUrl": "   "}, {}),
        ({"apiKey": ""}, {}),
        ({"speed": 2}, {"speed": 2.0}),
        ({"responseFormat": "WAV"}, {"responseFormat": "wav"}),
    ],
)
def test_normalise_key_spellings(block: dict[str, Any], expected: dict[str, Any]) -> None:
    assert normalize_block(block) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_accepted(fmt: str) -> None:
    assert normalize_block({"responseFormat": fmt.upper()}) == {"responseFormat": fmt}


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {"responseFormat": "ogg"},
            "Invalid DeepInfra speech responseFormat: ogg; allowed: mp3, opus, flac, wav, pcm",
        ),
        ({"responseFormat": 3}, "responseFormat must be a string"),
        ({"speed": "fast"}, "speed must be a number from 0.25 to 4"),
        ({"speed": 0}, "speed must be a number from 0.25 to 4"),
        ({"speed": float("inf")}, "speed must be a number from 0.25 to 4"),
        ({"speed": True}, "speed must be a number from 0.25 to 4"),
        ({"speed": 1e9}, "speed must be a number from 0.25 to 4"),
        ({"speed": 0.1}, "speed must be a number from 0.25 to 4"),
        ({"extraBody": "x"}, "extraBody must be an object"),
        (
            {"extraBody": {"voice": "x", "model": "y", "lang_code": "a"}},
            "extraBody sets model, voice, which the plugin sends itself",
        ),
        (
            {"baseUrl": "http://tts.example.com/v1/openai"},
            "tts.providers.deepinfra.baseUrl: .*must use https",
        ),
        ({"model": 7}, "model must be a string"),
    ],
)
def test_invalid_values_are_configuration_errors(block: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        normalize_block(block)


def test_overrides_win_and_bad_overrides_are_request_errors() -> None:
    settings = effective_settings(
        {"providers": {"deepinfra": {"voice": "af_sky", "speed": 1.0, "responseFormat": "wav"}}},
        {"voiceId": "am_echo", "speed": 0.8, "format": "flac"},
    )
    assert (settings["voice"], settings["speed"], settings["responseFormat"]) == ("am_echo", 0.8, "flac")
    with pytest.raises(RequestValidationError, match="allowed: mp3, opus"):
        effective_settings({}, {"responseFormat": "aac"})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, 4096),
        ({"tts": {"maxTextLength": 100}}, 100),
        ({"messages": {"tts": {"maxTextLength": 50}}}, 50),
    ],
)
def test_max_text_length(data: dict[str, Any], expected: int) -> None:
    assert max_text_length(OpenClawConfig(data)) == expected


# Issue 12: an unusable value used to mean the default (4096); now it is an error naming the key.
@pytest.mark.parametrize(
    ("value", "found"), [(0, "a number"), ("many", "a string"), (True, "a boolean"), (2.5, "a number")]
)
def test_an_unusable_max_text_length_names_the_key(value: Any, found: str) -> None:
    with pytest.raises(ConfigurationError, match=f"tts.maxTextLength is {found}; expected a positive whole"):
        max_text_length(OpenClawConfig({"tts": {"maxTextLength": value}}))


def test_resolve_config_hook_reads_raw_config_or_the_host_config(make_runtime: MakeRuntime) -> None:
    provider = DeepInfraSpeechProvider(make_runtime())
    cfg = OpenClawConfig({"messages": {"tts": {"providers": {"deepinfra": {"voiceId": "bf_lily"}}}}})
    # the defaults a request would use are filled in: Kokoro, its voice, mp3
    assert provider.resolve_config(SpeechResolveConfigContext(cfg=cfg, timeout_ms=1000)) == {
        "model": "hexgrad/Kokoro-82M",
        "voice": "bf_lily",
        "responseFormat": "mp3",
    }
    assert provider.resolve_config(SpeechResolveConfigContext(cfg=OpenClawConfig({}), timeout_ms=1)) == {
        "model": "hexgrad/Kokoro-82M",
        "voice": "af_bella",
        "responseFormat": "mp3",
    }
    whole = {"provider": "deepinfra", "providers": {"deepinfra": {"modelId": "deepinfra/Qwen/Qwen3-TTS"}}}
    ctx = SpeechResolveConfigContext(cfg=cfg, raw_config=whole, timeout_ms=1000)
    # no voice the plugin knows for Qwen: none is invented
    assert provider.resolve_config(ctx) == {"model": "Qwen/Qwen3-TTS", "responseFormat": "mp3"}
    with pytest.raises(ConfigurationError, match="Invalid DeepInfra speech responseFormat: mp4"):
        provider.resolve_config(
            SpeechResolveConfigContext(cfg=cfg, raw_config={"responseFormat": "mp4"}, timeout_ms=1)
        )


# -- directives -------------------------------------------------------------------------------------

ALL = SpeechDirectivePolicy(allow_voice=True, allow_model_id=True)


@pytest.mark.parametrize("key", ["voice", "voice_id", "VoiceId", "deepinfra_voice", "deepinfravoice"])
def test_voice_directive_keys(key: str) -> None:
    result = parse_directive_token(SpeechDirectiveTokenContext(key=key, value=" af_sky ", policy=ALL))
    assert (result.handled, result.overrides, result.warnings) == (True, {"voice": "af_sky"}, None)


@pytest.mark.parametrize("key", ["model", "model_id", "modelid", "deepinfra_model", "DeepInfraModel"])
def test_model_directive_keys_strip_one_provider_prefix(key: str) -> None:
    ctx = SpeechDirectiveTokenContext(key=key, value="deepinfra/Qwen/Qwen3-TTS", policy=ALL)
    assert parse_directive_token(ctx).overrides == {"model": "Qwen/Qwen3-TTS"}


@pytest.mark.parametrize(
    ("key", "policy"),
    [
        ("voice", SpeechDirectivePolicy(allow_voice=False, allow_model_id=True)),
        ("model", SpeechDirectivePolicy(allow_voice=True, allow_model_id=False)),
    ],
)
def test_disallowed_directive_is_handled_without_override(key: str, policy: SpeechDirectivePolicy) -> None:
    result = parse_directive_token(SpeechDirectiveTokenContext(key=key, value="x", policy=policy))
    assert result.handled and result.overrides is None
    assert result.warnings and "not allowed" in result.warnings[0]


def test_unknown_and_empty_directives() -> None:
    assert (
        parse_directive_token(SpeechDirectiveTokenContext(key="speed", value="2", policy=ALL)).handled
        is False
    )
    empty = parse_directive_token(SpeechDirectiveTokenContext(key="voice", value=" ", policy=ALL))
    assert empty.handled and empty.overrides is None and empty.warnings


# -- voices ---------------------------------------------------------------------------------------


def test_kokoro_voice_list() -> None:
    assert KOKORO_VOICES[0] == "af_bella"
    assert len(KOKORO_VOICES) == len(set(KOKORO_VOICES)) == 54
    english = [v for v in KOKORO_VOICES if v[0] in "ab"]
    assert len(english) == 28
    assert voices_for("hexgrad/Kokoro-82M") == voices_for("HEXGRAD/kokoro-82m:v1.0") == KOKORO_VOICES
    assert voices_for("Qwen/Qwen3-TTS") is None


@pytest.mark.parametrize(
    ("model", "voice", "expected"),
    [
        ("hexgrad/Kokoro-82M", None, "af_bella"),
        ("hexgrad/Kokoro-82M", "bm_george", "bm_george"),
        ("Qwen/Qwen3-TTS", "Cherry", "Cherry"),  # unknown list: the configured voice is trusted
    ],
)
def test_resolve_voice(model: str, voice: str | None, expected: str) -> None:
    assert resolve_voice(model, voice) == expected


def test_voice_errors_name_the_fix() -> None:
    with pytest.raises(RequestValidationError, match=r"no voice 'alloy'.*54 voices: af_bella") as info:
        resolve_voice("hexgrad/Kokoro-82M", "alloy")
    assert info.value.hint and "tts.providers.deepinfra.voice" in info.value.hint
    with pytest.raises(RequestValidationError, match="Qwen/Qwen3-TTS has no default voice") as info:
        resolve_voice("Qwen/Qwen3-TTS", None)
    assert info.value.hint and "--voice" in info.value.hint


def test_describe_voice() -> None:
    assert describe_voice("bf_emma").model_dump(exclude_none=True) == {
        "id": "bf_emma", "name": "bf_emma", "language": "en-GB", "gender": "female",
    }  # fmt: skip
    assert describe_voice("Cherry").model_dump(exclude_none=True) == {"id": "Cherry", "name": "Cherry"}


def test_no_warning_noise_from_reading(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        block_from_config(OpenClawConfig({"tts": {"providers": {"deepinfra": {"voice": "af_sky"}}}}))
    assert caplog.records == []


def test_an_extra_body_clash_in_a_request_override_is_refused_too() -> None:
    with pytest.raises(RequestValidationError, match="extraBody sets input, which the plugin sends itself"):
        effective_settings({}, {"extraBody": {"input": "other text"}})


def test_a_filled_default_voice_does_not_follow_the_model_to_another_one() -> None:
    resolved = {"model": "hexgrad/Kokoro-82M", "voice": "af_bella", "responseFormat": "mp3"}
    other = effective_settings(resolved, {"model": "Qwen/Qwen3-TTS"})
    assert (other.get("model"), other.get("voice")) == ("Qwen/Qwen3-TTS", None)
    chosen = effective_settings({**resolved, "voice": "bf_lily"}, {"model": "Qwen/Qwen3-TTS"})
    assert chosen["voice"] == "bf_lily"  # a voice the user chose stays
    same = effective_settings(resolved, {"model": "hexgrad/Kokoro-82M"})
    assert same["voice"] == "af_bella"
