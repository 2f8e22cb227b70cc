"""The headers of a request (`request_headers`), and the configured ones bound to their origin.

`models.providers.deepinfra.headers` and `.request.headers` (resolved by `settings`) travel in
the client's `RequestOptions`, so every surface sends them without knowing about them. They go
only to the provider's own origin (`urls.origin` of its base URL): never to a result download on
a CDN, nor to a TTS block's or a memory-search remote's own host. They never replace what the
transport itself decides: `Authorization` and the body's `Content-Type` are refused when the
configuration is read (`RESERVED`), and the transport sets its own after them.

The key goes only to the base URL's origin, whatever the URL asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from openclaw_deepinfra.errors import MissingApiKeyError, RequestValidationError
from openclaw_deepinfra.settings import _HINT_KEY
from openclaw_deepinfra.transport.pool import user_agent
from openclaw_deepinfra.urls import Origin, display, origin, same_origin

if TYPE_CHECKING:
    from openclaw_deepinfra.transport.client import RequestOptions

__all__ = ["RESERVED", "ConfiguredHeaders", "request_headers"]

# Set by the transport for every request: a configured value would fight the key or the body.
RESERVED: Final = frozenset({"authorization", "content-type", "content-length", "host", "transfer-encoding"})


@dataclass(frozen=True)
class ConfiguredHeaders:
    origin: Origin | None  # None: a base URL without a comparable origin gets no headers
    values: Mapping[str, str] = field(repr=False)

    def __repr__(self) -> str:
        # Names only: a value may be a secret (a SecretRef or `${VAR}` in the config).
        return f"ConfiguredHeaders(names={sorted(self.values)!r})"

    def for_url(self, url: str, *, same_origin: bool | None = None) -> Mapping[str, str]:
        """The headers for a request to `url`: all of them on the configured origin, none elsewhere.
        `same_origin` skips the parse when the caller already knows."""
        if not self.values:
            return {}
        if same_origin is None:
            same_origin = self.origin is not None and origin(url) == self.origin
        return self.values if same_origin else {}


def request_headers(
    options: RequestOptions, url: str, *, authenticated: bool, accept: str, extra: Mapping[str, str] | None
) -> dict[str, str]:
    """Accept, User-Agent, the configured headers (on their origin only: never a CDN download,
    never another host), the caller's `extra`, then the key (refused for another origin)."""
    headers = {"Accept": accept, "User-Agent": user_agent()}
    configured = options.headers
    if configured is not None and configured.values:
        _merge(headers, configured.for_url(url))
    if extra:
        _merge(headers, extra)
    if authenticated:
        if options.api_key is None:
            raise MissingApiKeyError("DeepInfra API key missing", hint=_HINT_KEY)
        # `url(path)` output starts with the base URL and a "/" (which ends the authority): same
        # origin without parsing two URLs per request; anything else is parsed and compared.
        base = options.base_url
        if not url.startswith(f"{base}/") and not same_origin(url, base):
            raise RequestValidationError(
                f"refusing to send the DeepInfra API key to {display(url)}",
                hint="authenticated requests must go to the configured base URL's host",
            )
        headers["Authorization"] = f"Bearer {options.api_key.reveal()}"
    return headers


def _merge(headers: dict[str, str], more: Mapping[str, str]) -> None:
    """`headers` updated by `more`, names compared case-insensitively (one `user-agent`, not two)."""
    for name, value in more.items():
        lowered = name.lower()
        for existing in [k for k in headers if k.lower() == lowered]:
            del headers[existing]
        headers[name] = value
