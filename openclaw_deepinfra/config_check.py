"""Every config key the plugin reads, with the type it needs: one table for ``doctor`` and for the
first use of a key.

A value of the wrong type used to fall back to a default silently (``tts.maxTextLength: "4k"``
meant 4096). Now ``doctor`` lists each unusable value (key, what it is, what is expected), the code
that reads a key calls ``require`` so the first request needing it raises a ConfigurationError
naming it, and keys inside the plugin's own blocks that it does not read are warnings only
(OpenClaw grows new keys; a typo is worth a hint, never an error).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import UnionType
from typing import Any, Final

from openclaw_deepinfra.config_blocks import (
    NUMBER_KEYS,
    ProviderNumbers,
    SpeechBlock,
    VideoBlock,
    accepts,
    json_type,
)
from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import HostError

Accepts = Callable[[Any], bool]


def _is(kind: type | UnionType) -> Accepts:
    return lambda value: isinstance(value, kind)


_object = _is(Mapping)
_string = _is(str)
_boolean = _is(bool)
_string_or_object = _is(str | Mapping)


def _positive_int(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and float(value).is_integer() and value > 0


@dataclass(frozen=True)
class KeyRule:
    key: str  # current spelling; older spellings are read through OpenClawConfig.lookup
    expects: str
    accepts: Accepts


_PROVIDER = "models.providers.deepinfra"
_TTS = "tts.providers.deepinfra"
RULES: Final = (
    KeyRule(_PROVIDER, "an object", _object),
    KeyRule(f"{_PROVIDER}.baseUrl", "a URL string", _string),
    KeyRule(f"{_PROVIDER}.apiKey", "a string or a SecretRef {source, provider, id}", _string_or_object),
    KeyRule(f"{_PROVIDER}.nativeBaseUrl", "a URL string", _string),
    KeyRule(f"{_PROVIDER}.headers", "an object of header names to values", _object),
    KeyRule(f"{_PROVIDER}.video", "an object", _object),
    KeyRule(f"{_PROVIDER}.video.api", *accepts(VideoBlock, "api")),
    *(KeyRule(f"{_PROVIDER}.{key}", *accepts(ProviderNumbers, key)) for key in NUMBER_KEYS),
    KeyRule("plugins.entries.deepinfra", "an object", _object),
    KeyRule("plugins.entries.deepinfra.enabled", "true or false", _boolean),
    KeyRule("plugins.entries.deepinfra.config", "an object", _object),
    KeyRule("tts", "an object", _object),
    KeyRule("tts.provider", "a provider id string", _string),
    KeyRule("tts.providers", "an object of provider id to settings", _object),
    KeyRule("tts.maxTextLength", "a positive whole number of characters", _positive_int),
    KeyRule(_TTS, "an object", _object),
    KeyRule(f"{_TTS}.model", "a model id string", _string),
    KeyRule(f"{_TTS}.voice", "a voice name string", _string),
    KeyRule(f"{_TTS}.speed", *accepts(SpeechBlock, "speed")),
    KeyRule(f"{_TTS}.responseFormat", "a format name string", _string),
    KeyRule(f"{_TTS}.extraBody", *accepts(SpeechBlock, "extraBody")),
    KeyRule("memory.search", "an object", _object),
    KeyRule("memory.search.enabled", "true or false", _boolean),
    KeyRule("memory.search.provider", "a provider id string", _string),
    KeyRule("memory.search.model", "a model id string", _string),
    KeyRule("memory.search.fallback", "a provider id string", _string),
    KeyRule("memory.search.remote", "an object", _object),
    KeyRule("memory.search.outputDimensionality", "a positive whole number", _positive_int),
)
_BY_KEY: Final = {rule.key: rule for rule in RULES}

# The keys each of the plugin's own blocks may hold (everything it reads, every accepted spelling,
# and the keys OpenClaw itself keeps there). Anything else is reported as a warning.
KNOWN_KEYS: Final[Mapping[str, frozenset[str]]] = {
    _PROVIDER: frozenset(
        {"apiKey", "baseUrl", "nativeBaseUrl", "headers", "request", "fleet", "video", "api", "auth",
         "authHeader", "models", *NUMBER_KEYS}
    ),
    _TTS: frozenset(
        {"apiKey", "baseUrl", "model", "modelId", "voice", "voiceId", "speakerVoice", "speakerVoiceId",
         "speed", "responseFormat", "format", "extraBody"}
    ),
    "plugins.entries.deepinfra": frozenset({"enabled", "config", "hooks", "apiKey", "env"}),
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    key: str
    found: str  # what the value is ("a string", "null", ...), never the value itself
    expects: str

    def __str__(self) -> str:
        return f"{self.key} is {self.found}; expected {self.expects}"


def _read(config: OpenClawConfig, key: str) -> Any:
    return config.lookup(tuple(key.split(".")))


def problems(config: OpenClawConfig) -> list[Problem]:
    """Every key the plugin reads whose value it cannot use, in table order."""
    found: list[Problem] = []
    for rule in RULES:
        try:
            value = _read(config, rule.key)
        except HostError as exc:  # an unset ${VAR} or a malformed older block: say that instead
            found.append(Problem(rule.key, "unreadable", str(exc)))
            continue
        if value is not None and not rule.accepts(value):
            found.append(Problem(rule.key, json_type(value), rule.expects))
    return found


def unknown_keys(config: OpenClawConfig) -> list[str]:
    """Dotted keys inside the plugin's own blocks that it does not read (warnings, not errors)."""
    found: list[str] = []
    for block_key, known in KNOWN_KEYS.items():
        try:
            block = _read(config, block_key)
        except HostError:
            continue
        if isinstance(block, Mapping):
            found += [f"{block_key}.{name}" for name in block if name not in known]
    return found


def require(config: OpenClawConfig | None, key: str) -> Any:
    """The value at ``key`` (``None`` when unset), or a ConfigurationError naming the key when its
    type is unusable; called where the plugin first needs the value."""
    if config is None:
        return None
    rule = _BY_KEY[key]
    try:
        value = _read(config, key)
    except HostError as exc:
        raise ConfigurationError(str(exc)) from None
    if value is not None and not rule.accepts(value):
        raise ConfigurationError(
            f"{Problem(key, json_type(value), rule.expects)}",
            hint=f"fix {key} in the config file (`openclaw-deepinfra doctor` lists every such key)",
        )
    return value
