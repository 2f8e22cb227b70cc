"""The plugin's config blocks as pydantic models: one place says which values a key accepts.

Each field carries the config key the user writes (its alias) and, as its description, what it
expects ("a whole number from 0 to 10"). `parse` turns a ValidationError into the error the caller
names (a ConfigurationError for the config file, a RequestValidationError for request overrides)
saying `<block>.<key> must be <expects>; got <type>` - the type, never the value, which may be a
secret. Unknown keys are ignored (OpenClaw grows new ones; `config_check` lists them as warnings)
unless a block forbids them.

Numbers are read as the config gives them: a JSON number, or a numeric string (what a `${VAR}`
substitutes); never a boolean, NaN or infinity. A whole number may be written `4.0`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from openclaw_deepinfra.errors import ConfigurationError, RequestValidationError


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
    timeout_seconds: Annotated[Number, Field(gt=0)] | None = _key(
        "timeoutSeconds", None, "a number of seconds > 0"
    )
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
    """What `model`'s key `alias` expects and whether a value is usable there: `config_check`'s
    rule for a key a block reads, so `doctor` and the first use agree."""
    field = next(f for f in model.model_fields.values() if f.alias == alias)

    def check(value: Any) -> bool:
        try:
            model.model_validate({alias: value})
        except ValidationError:
            return False
        return True

    return str(field.description), check
