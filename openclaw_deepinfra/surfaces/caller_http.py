"""The HTTP layer for a caller that brings its own key or base URL (a TTS block's ``apiKey`` /
``baseUrl``, a media request's host-resolved ``auth``), over the runtime's shared pool."""

from __future__ import annotations

import dataclasses

from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.settings import ApiKey
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.urls import validate_base_url


def http_with(
    runtime: DeepInfraRuntime, *, api_key: str | None = None, base_url: str | None = None, source: str
) -> DeepInfraHttp:
    """``runtime.http()`` unless the caller's key or base URL differs from the plugin's own."""
    settings = runtime.settings()
    key = api_key.strip() if api_key else ""
    url = validate_base_url(base_url) if base_url and base_url.strip() else settings.base_url
    if url == settings.base_url and (not key or (settings.api_key and settings.api_key.reveal() == key)):
        return runtime.http()
    replaced = dataclasses.replace(
        settings,
        api_key=ApiKey(key, source) if key else settings.api_key,
        base_url=url,
        base_url_source=source if url != settings.base_url else settings.base_url_source,
    )
    return runtime.http_for(replaced)
