"""Hostile values for every typed key of the plugin's config blocks, read the way the plugin reads
them (no server): each is accepted with the documented meaning or refused with an error that names
the key as the user wrote it and what it expects - never the value."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.config_blocks import (
    FleetBlock,
    ProviderNumbers,
    SpeechBlock,
    VideoBlock,
    parse,
    problems,
    unknown_keys,
)
from openclaw_deepinfra.errors import ConfigurationError, RequestValidationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.settings import resolve_settings
from openclaw_deepinfra.surfaces.speech.config import normalize_block
from openclaw_deepinfra.surfaces.video.common import video_api

SECRET = "sk-looks-like-a-key-0123456789"
HOSTILE: dict[str, Any] = {
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "minus one": -1,
    "1e308": 1e308,
    "huge int": 10**100,
    "true": True,
    "false": False,
    "list": [1],
    "object": {"n": 1},
    "secret text": SECRET,
    "nan text": "nan",
    "inf text": "Infinity",
}


def _settings(provider: dict[str, Any]) -> Any:
    data = {"models": {"providers": {"deepinfra": provider}}}
    return resolve_settings(OpenClawConfig(data, env={}), env={})


# key, hostile values that are refused, accepted values with what they mean
PROVIDER_CASES = [
    ("maxRetries", [*HOSTILE], {0: 0, 10: 10, 4.0: 4, "3": 3, " 7 ": 7, "4.0": 4}, "max_retries"),
    ("timeoutSeconds", [*HOSTILE], {0.5: 0.5, 30: 30.0, "90": 90.0}, "timeout_s"),
    ("maxConcurrentPerModel", [*HOSTILE], {1: 1, 10_000: 10_000, "8": 8}, "max_concurrent_per_model"),
    ("maxConnections", [*HOSTILE], {1: 1, 64: 64}, "max_connections"),
]


@pytest.mark.parametrize(("key", "refused", "accepted", "attr"), PROVIDER_CASES)
def test_provider_numbers(key: str, refused: list[str], accepted: dict[Any, Any], attr: str) -> None:
    if key == "timeoutSeconds":
        refused = [name for name in refused if name not in ("1e308", "huge int")]  # finite and > 0
        assert _settings({key: 1e308}).timeout_s == 1e308
    for name in refused:
        with pytest.raises(
            ConfigurationError, match=rf"models\.providers\.deepinfra\.{key} must be "
        ) as info:
            _settings({key: HOSTILE[name]})
        assert SECRET not in str(info.value), name
    for value, meaning in accepted.items():
        assert getattr(_settings({key: value}), attr) == meaning
    assert getattr(_settings({key: None}), attr) == getattr(_settings({}), attr)  # null is unset


@pytest.mark.parametrize(("key", "low", "high"), [("leaseSeconds", 0.3, 300), ("workers", 1, 10_000)])
def test_fleet_numbers(key: str, low: float, high: float) -> None:
    base = {"redisUrl": "redis://h"}
    for value in HOSTILE.values():
        with pytest.raises(ConfigurationError, match=rf"models\.providers\.deepinfra\.fleet\.{key} must be "):
            _settings({"fleet": {**base, key: value}})
    for value in (low, high):
        fleet = _settings({"fleet": {**base, key: value}}).fleet
        assert (fleet.lease_s if key == "leaseSeconds" else fleet.workers) == value
    for value in (low / 2, high * 2):
        with pytest.raises(ConfigurationError, match=f"from {low:g} to {high:g}"):
            _settings({"fleet": {**base, key: value}})


@pytest.mark.parametrize("error", [ConfigurationError, RequestValidationError])
def test_speech_speed_and_extra_body(error: type[ConfigurationError | RequestValidationError]) -> None:
    for value in {**HOSTILE, "numeric text": "1.0", "too slow": 0.1, "too fast": 4.5}.values():
        with pytest.raises(error, match=r"tts\.providers\.deepinfra\.speed must be a number from 0\.25 to 4"):
            normalize_block({"speed": value}, error=error)
    assert normalize_block({"speed": 0.25}) == {"speed": 0.25}
    assert normalize_block({"speed": 4}) == {"speed": 4.0}
    for value in ("x", [1], 3, True):
        with pytest.raises(error, match=r"extraBody must be an object of extra request fields; got "):
            normalize_block({"extraBody": value}, error=error)
    assert normalize_block({"extraBody": {"lang_code": "a"}}) == {"extraBody": {"lang_code": "a"}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "native"), ("", "native"), ("  ", "native"), ("native", "native"), (" JOBS ", "jobs")],
)
def test_video_api_accepted(value: Any, expected: str) -> None:
    config = OpenClawConfig({"models": {"providers": {"deepinfra": {"video": {"api": value}}}}}, env={})
    assert video_api(config) == expected


@pytest.mark.parametrize("value", [*HOSTILE.values(), "openai", 1])
def test_video_api_refused(value: Any) -> None:
    config = OpenClawConfig({"models": {"providers": {"deepinfra": {"video": {"api": value}}}}}, env={})
    with pytest.raises(ConfigurationError, match=r'video\.api must be "native" or "jobs"; got ') as info:
        video_api(config)
    assert SECRET not in str(info.value)
    assert "native /v1/inference" in (info.value.hint or "")


@pytest.mark.parametrize("model", [ProviderNumbers, FleetBlock, SpeechBlock, VideoBlock])
@pytest.mark.parametrize("data", ["text", 3, [1], True])
def test_a_block_that_is_not_an_object_names_the_block(model: Any, data: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"^some\.block must be .*; got "):
        parse(model, data, "some.block")


def test_unknown_keys_are_ignored_except_where_a_block_forbids_them() -> None:
    assert parse(ProviderNumbers, {"futureKey": 1}, "p").max_retries == 2
    with pytest.raises(ConfigurationError, match="fleet has unknown keys: redisURL"):
        parse(FleetBlock, {"redisURL": "x"}, "fleet")


@pytest.mark.parametrize(
    ("provider", "tts", "problem_keys"),
    [
        ({"maxRetries": "3", "video": {"api": " JOBS "}}, {"speed": 1.5}, []),  # what the first use accepts
        (
            {"maxRetries": "many"},
            {"speed": 10},
            ["models.providers.deepinfra.maxRetries", "tts.providers.deepinfra.speed"],
        ),
        (
            {"maxConnections": 0, "video": {"api": "openai"}},
            {},
            ["models.providers.deepinfra.video.api", "models.providers.deepinfra.maxConnections"],
        ),
    ],
)
def test_doctor_and_the_first_use_agree(
    provider: dict[str, Any], tts: dict[str, Any], problem_keys: list[str]
) -> None:
    data = {"models": {"providers": {"deepinfra": provider}}, "tts": {"providers": {"deepinfra": tts}}}
    assert [p.key for p in problems(OpenClawConfig(data, env={}))] == problem_keys


def test_every_key_a_block_reads_is_known_to_doctor() -> None:
    provider = {"fleet": {}, "request": {"headers": {}}, "maxConnections": 8, "timeoutSeconds": 5}
    assert unknown_keys(OpenClawConfig({"models": {"providers": {"deepinfra": provider}}}, env={})) == []


def test_the_readme_names_every_typed_key() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("The numeric and enumerated keys")
    sentence = readme[start : readme.index("config_blocks.py", start)]
    for model in (ProviderNumbers, SpeechBlock):
        for field in model.model_fields.values():
            assert f"`{field.alias}`" in sentence, field.alias
    assert "`video.api`" in sentence and "`fleet.*`" in sentence
