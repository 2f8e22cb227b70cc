"""`models.providers.deepinfra.headers` and `models.providers.deepinfra.request.headers`, read and
resolved once with the other settings (just before the first request), for every surface.

Each value is a SecretInput: a string (with `${VAR}` expanded), or a SecretRef resolved as the key
is. A value that came from a reference or a variable is registered for redaction, like the key,
and so is any value of a credential-like header (`x-api-key`, `api-key`). `request.headers` wins
over `headers` for the same name. `Authorization`, `Content-Type` and the framing headers are
refused with a configuration error: the transport owns them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.redact import register_secret
from openclaw_deepinfra.settings import CONFIG_PREFIX, provider_value, resolve_config_secret
from openclaw_deepinfra.transport.options import RESERVED, ConfiguredHeaders
from openclaw_deepinfra.urls import origin

HEADER_KEYS: Final = (("headers",), ("request", "headers"))
_TOKEN: Final = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 field-name
_CREDENTIAL_NAMES: Final = frozenset({"x-api-key", "api-key", "proxy-authorization", "cookie"})


def _where(keys: tuple[str, ...], name: str | None = None) -> str:
    return ".".join((*CONFIG_PREFIX, *keys, *((name,) if name is not None else ())))


def resolve_configured_headers(
    config: OpenClawConfig, base_url: str, *, env: Mapping[str, str] | None = None
) -> ConfiguredHeaders | None:
    """The configured headers bound to `base_url`'s origin, or None when none are configured."""
    resolved: dict[str, str] = {}
    for keys in HEADER_KEYS:
        block = provider_value(config, *keys, raw=True)
        if block is None:
            continue
        if not isinstance(block, Mapping):
            raise ConfigurationError(
                f"{_where(keys)} must be an object of header name -> value",
                hint='e.g. {"X-Tenant": "acme"}',
            )
        for name, value in block.items():
            resolved_name, text = _one(config, keys, name, value, env)
            if text is None:
                continue
            for existing in [k for k in resolved if k.lower() == resolved_name.lower()]:
                del resolved[existing]  # request.headers wins, whatever the case of the name
            resolved[resolved_name] = text
    if not resolved:
        return None
    return ConfiguredHeaders(origin=origin(base_url), values=resolved)


def _one(
    config: OpenClawConfig, keys: tuple[str, ...], name: Any, value: Any, env: Mapping[str, str] | None
) -> tuple[str, str | None]:
    if not isinstance(name, str) or not _TOKEN.match(name.strip()):
        raise ConfigurationError(f"{_where(keys)} has an invalid header name {str(name)[:60]!r}")
    name = name.strip()
    where = _where(keys, name)
    if name.lower() in RESERVED:
        raise ConfigurationError(
            f"{where}: {name} is set by the plugin and cannot be configured",
            hint="put the key in models.providers.deepinfra.apiKey (or DEEPINFRA_API_KEY) and remove "
            "this header",
        )
    if value is None:
        return name, None
    if not isinstance(value, str | Mapping):
        raise ConfigurationError(f"{where} must be a string or a SecretRef")
    text = resolve_config_secret(config, dict(value) if isinstance(value, Mapping) else value, where, env=env)
    if text is None:
        return name, None
    if "\r" in text or "\n" in text:
        raise ConfigurationError(f"{where} contains a line break; a header value must be one line")
    secret = isinstance(value, Mapping) or "${" in value or name.lower() in _CREDENTIAL_NAMES
    if secret:
        register_secret(text)  # redacted in every log line and error message, like the key
    return name, text
