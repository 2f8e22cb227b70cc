"""Base models and shared field types for the host contracts."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeAlias, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel

from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.config import OpenClawConfig

T = TypeVar("T")

# Every model: snake_case attributes, OpenClaw's camelCase on the wire, both accepted on input.
# `protected_namespaces=()` because OpenClaw has keys such as `modelCatalog` (-> `model_catalog`).
# Arbitrary types carry the host objects (config, auth store, callables, async streams) by isinstance.
# `defer_build=True`: a model's validator is built on its first use, not when its class is defined;
# importing every contract eagerly cost ~0.4 s at plugin load, and most models are never used by a
# given process (docs/performance.md).
_BASE_CONFIG = ConfigDict(
    defer_build=True,
    populate_by_name=True,
    alias_generator=to_camel,
    protected_namespaces=(),
    arbitrary_types_allowed=True,
)


class HostModel(BaseModel):
    """Data the host supplies (config, requests, contexts): unknown fields are tolerated and kept."""

    model_config = ConfigDict(extra="allow", **_BASE_CONFIG)


class StrictModel(BaseModel):
    """Data a plugin supplies (results, capabilities): a misspelt field is an error, not a silent extra."""

    model_config = ConfigDict(extra="forbid", **_BASE_CONFIG)


def _coerce_config(value: object) -> object:
    # Plugin tests and older call sites hand a plain config dict; wrap it so `cfg` is always the host type.
    return OpenClawConfig(value) if isinstance(value, Mapping) else value


ConfigField = Annotated[OpenClawConfig, BeforeValidator(_coerce_config)]
"""The host config object (a plain mapping is wrapped into ``OpenClawConfig``)."""

JsonObject: TypeAlias = dict[str, Any]

SecretInput: TypeAlias = str | dict[str, Any]
"""A plain string (``"${ENV}"`` allowed) or a SecretRef mapping ``{source, provider, id}``; kept raw."""

MaybeAwaitable: TypeAlias = T | Awaitable[T]


class GenerationIsConfiguredContext(HostModel):
    """The ``ctx`` of an image or video generation provider's ``is_configured`` (§6, §7)."""

    cfg: ConfigField | None = None
    agent_dir: Path | None = None


class GenerationContext(HostModel):
    """Whom an image or video generation call is for (§6, §7): also the ``ctx`` of a video
    provider's ``resolve_model_capabilities``."""

    provider: str
    model: str
    cfg: ConfigField
    agent_dir: Path | None = None
    auth_store: AuthProfileStore | None = None
    timeout_ms: int | None = None


class GenerationRequest(GenerationContext):
    """The fields an image and a video generation request share."""

    prompt: str
    size: str | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    provider_options: JsonObject | None = None
