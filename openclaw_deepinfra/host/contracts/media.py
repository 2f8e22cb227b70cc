"""Media-understanding provider contract (host-contracts §5): audio, image and video in, text out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Literal, TypeAlias

from pydantic import Field

from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.contracts.common import ConfigField, HostModel, JsonObject, StrictModel

# --- transport overrides -------------------------------------------------------------------------


class ProviderDefaultAuth(HostModel):
    mode: Literal["provider-default"] = "provider-default"


class BearerAuth(HostModel):
    mode: Literal["authorization-bearer"] = "authorization-bearer"
    token: str | None = Field(default=None, repr=False)


class HeaderAuth(HostModel):
    mode: Literal["header"] = "header"
    header_name: str
    value: str | None = Field(default=None, repr=False)
    prefix: str | None = None


TransportAuth: TypeAlias = Annotated[
    ProviderDefaultAuth | BearerAuth | HeaderAuth, Field(discriminator="mode")
]


class EnvProxy(HostModel):
    mode: Literal["env-proxy"] = "env-proxy"


class ExplicitProxy(HostModel):
    mode: Literal["explicit-proxy"] = "explicit-proxy"
    url: str


TransportProxy: TypeAlias = Annotated[EnvProxy | ExplicitProxy, Field(discriminator="mode")]


class TransportOverrides(HostModel):
    headers: dict[str, str] | None = Field(default=None, repr=False)
    auth: TransportAuth | None = None
    proxy: TransportProxy | None = None
    tls: JsonObject | None = None
    allow_private_network: bool | None = None


# --- auth ----------------------------------------------------------------------------------------


class ApiKeyMediaAuth(HostModel):
    kind: Literal["api-key"] = "api-key"
    api_key: str = Field(repr=False)
    source: str | None = None
    mode: str | None = None


class NoneMediaAuth(HostModel):
    kind: Literal["none"] = "none"
    source: str


MediaAuth: TypeAlias = Annotated[ApiKeyMediaAuth | NoneMediaAuth, Field(discriminator="kind")]


class MediaResolveAuthContext(HostModel):
    config: ConfigField | None = None
    provider: str
    provider_config: JsonObject | None = Field(default=None, repr=False)


# --- requests ------------------------------------------------------------------------------------


class MediaImage(HostModel):
    """One file in a request: also the ``buffer, file_name, mime?`` every request below starts with."""

    buffer: bytes = Field(repr=False)
    file_name: str
    mime: str | None = None


class _RemoteMediaRequest(MediaImage):
    api_key: str | None = Field(default=None, repr=False)
    """Compatibility field; prefer ``auth``."""
    auth: MediaAuth | None = None
    base_url: str | None = None
    headers: dict[str, str] | None = Field(default=None, repr=False)
    request: TransportOverrides | None = None
    model: str | None = None
    prompt: str | None = None
    timeout_ms: int
    signal: asyncio.Event | None = None
    """Set when the caller gives up; Python callers usually cancel the task instead."""

    def resolved_api_key(self) -> str | None:
        if isinstance(self.auth, ApiKeyMediaAuth):
            return self.auth.api_key
        if isinstance(self.auth, NoneMediaAuth):
            return None
        return self.api_key


class AudioTranscriptionRequest(_RemoteMediaRequest):
    language: str | None = None
    query: JsonObject | None = None


class VideoDescriptionRequest(_RemoteMediaRequest):
    pass


class _ImageRequestFields(HostModel):
    prompt: str | None = None
    max_tokens: int | None = None
    timeout_ms: int
    signal: asyncio.Event | None = None
    auth_store: AuthProfileStore | None = None
    agent_dir: Path | None = None
    cfg: ConfigField
    model: str
    provider: str
    profile: str | None = None
    preferred_profile: str | None = None


class ImageDescriptionRequest(MediaImage, _ImageRequestFields):
    pass


class ImagesDescriptionRequest(_ImageRequestFields):
    images: list[MediaImage]


class MediaUnderstandingResult(StrictModel):
    text: str
    model: str | None = None


AudioTranscriptionResult = MediaUnderstandingResult
ImageDescriptionResult = MediaUnderstandingResult
VideoDescriptionResult = MediaUnderstandingResult
