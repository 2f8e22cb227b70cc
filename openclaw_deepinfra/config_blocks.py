"""The plugin's config blocks as pydantic models: one place says which values a key accepts.

Each field carries the config key the user writes (its alias) and, as its description, what it
expects ("a whole number from 0 to 10"). `parse` turns a ValidationError into the error the caller
names (a ConfigurationError for the config file, a RequestValidationError for request overrides)
saying `<block>.<key> must be <expects>; got <type>` - the type, never the value, which may be a
secret. Unknown keys are ignored (OpenClaw grows new ones; `unknown_keys` lists them as warnings)
unless a block forbids them.

Numbers are read as the config gives them: a JSON number, or a numeric string (what a `${VAR}`
substitutes); never a boolean, NaN or infinity. A whole number may be written `4.0`.

The key table (`RULES`): every config key the plugin reads, with the type it needs, one table for
``doctor`` and for the first use of a key. A value of the wrong type used to fall back to a default
silently (``tts.maxTextLength: "4k"`` meant 4096). Now ``doctor`` lists each unusable value (key,
what it is, what is expected), the code that reads a key calls ``require`` so the first request
needing it raises a ConfigurationError naming it, and keys inside the plugin's own blocks that it
does not read are warnings only (OpenClaw grows new keys; a typo is worth a hint, never an error).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from openclaw_deepinfra.errors import ConfigurationError, RequestValidationError
from openclaw_deepinfra.host.errors import HostError

if TYPE_CHECKING:
    from openclaw_deepinfra.host.config import OpenClawConfig


def json_type(value: Any) -> str:
    """The JSON5 name of a value's type, for messages (never the value: it may be a secret)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def first_text(*values: Any) -> str | None:
    """The first value that is a non-blank string, stripped (a text option given in several places)."""
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _number_input(value: Any) -> Any:
    """Refuse what lax pydantic would coerce but a config must not mean: booleans, containers."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("not a number")
    return value


def _whole_input(value: Any) -> Any:
    """A string is read as float() reads it ("4.0" and "1e3" are whole numbers, "4.5" is not)."""
    if isinstance(_number_input(value), str):
        with contextlib.suppress(ValueError):
            return float(value)
    return value


def _lowered(value: Any) -> Any:
    return (value.strip().lower() or None) if isinstance(value, str) else value


def _key(alias: str, default: Any, expects: str) -> Any:
    """A field read from config key `alias`; `expects` completes "<key> must be ..."."""
    return Field(default, alias=alias, description=expects)


Whole = Annotated[int, BeforeValidator(_whole_input)]
Number = Annotated[float, BeforeValidator(_number_input), Field(allow_inf_nan=False)]
DEFAULT_LEASE_S: Final = 5.0  # fleet.leaseSeconds: how long a silent process's slots stay counted
MIN_SPEED: Final = 0.25  # the OpenAI speech API's range, which DeepInfra mirrors
MAX_SPEED: Final = 4.0
VideoApi = Literal["native", "jobs"]


class Block(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_unset(cls, data: Any) -> Any:
        """`key: null` in JSON5 means the key is not set: its default applies."""
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, Mapping) else data


class ProviderNumbers(Block):
    """`models.providers.deepinfra`'s numeric keys."""

    max_retries: Annotated[Whole, Field(ge=0, le=10)] = _key("maxRetries", 2, "a whole number from 0 to 10")
    timeout_s: Annotated[Number, Field(gt=0)] | None = _key("timeoutSeconds", None, "a number of seconds > 0")
    max_concurrent_per_model: Annotated[Whole, Field(ge=1, le=10_000)] = _key(
        "maxConcurrentPerModel", 200, "a whole number from 1 to 10000"
    )
    max_connections: Annotated[Whole, Field(ge=1, le=10_000)] | None = _key(
        "maxConnections", None, "a whole number from 1 to 10000"
    )


NUMBER_KEYS: Final = tuple(str(field.alias) for field in ProviderNumbers.model_fields.values())


class VideoBlock(Block):
    """`models.providers.deepinfra.video`."""

    api: Annotated[VideoApi | None, BeforeValidator(_lowered)] = _key("api", None, '"native" or "jobs"')


class FleetBlock(Block):
    """an object with redisUrl, leaseSeconds, workers"""

    model_config = ConfigDict(extra="forbid", frozen=True)

    redis_url: Any = _key("redisUrl", None, "a Redis URL or a SecretRef")  # resolved just before use
    lease_seconds: Annotated[Number, Field(ge=0.3, le=300)] = _key(
        "leaseSeconds", DEFAULT_LEASE_S, "a number from 0.3 to 300"
    )
    workers: Annotated[Whole, Field(ge=1, le=10_000)] = _key("workers", 1, "a whole number from 1 to 10000")


class SpeechBlock(Block):
    """`tts.providers.deepinfra`'s typed keys (also a request's overrides); the strings and their
    spellings are read by `surfaces.speech.config`."""

    speed: Annotated[float, Field(strict=True, ge=MIN_SPEED, le=MAX_SPEED, allow_inf_nan=False)] | None = (
        _key("speed", None, f"a number from {MIN_SPEED:g} to {MAX_SPEED:g}")
    )
    extra_body: dict[str, Any] | None = _key("extraBody", None, "an object of extra request fields")


BlockT = TypeVar("BlockT", bound=Block)


def parse(
    model: type[BlockT],
    data: Any,
    where: str,
    *,
    error: type[ConfigurationError | RequestValidationError] = ConfigurationError,
    hint: str | None = None,
) -> BlockT:
    """`data` as `model`, or `error` naming the first bad key under `where` and what it expects."""
    if data is not None and not isinstance(data, Mapping):
        raise error(
            f"{where} must be {(model.__doc__ or 'an object').strip()}; got {json_type(data)}", hint=hint
        )
    try:
        return model.model_validate(dict(data or {}))
    except ValidationError as exc:
        problems = exc.errors()
    unknown = [str(p["loc"][-1]) for p in problems if p["type"] == "extra_forbidden"]
    if unknown:
        raise error(f"{where} has unknown keys: {', '.join(unknown)[:200]}", hint=hint) from None
    alias, found = problems[0]["loc"][0], json_type(problems[0]["input"])
    expects = next(f.description for f in model.model_fields.values() if f.alias == alias)
    raise error(f"{where}.{alias} must be {expects}; got {found}", hint=hint)


def accepts(model: type[Block], alias: str) -> tuple[str, Callable[[Any], bool]]:
    """What `model`'s key `alias` expects and whether a value is usable there: the key table's
    rule for a key a block reads, so `doctor` and the first use agree."""
    field = next(f for f in model.model_fields.values() if f.alias == alias)

    def check(value: Any) -> bool:
        try:
            model.model_validate({alias: value})
        except ValidationError:
            return False
        return True

    return str(field.description), check


# -- the key table ---------------------------------------------------------------------------------

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
