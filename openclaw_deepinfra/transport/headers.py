"""Headers the configuration adds to every request, bound to the one origin they were configured for.

`models.providers.deepinfra.headers` and `.request.headers` (resolved by `settings`) travel with
the `Settings` every client is built from, so every surface sends them without knowing about
them. They go only to the provider's own origin (`urls.origin` of its base URL): never to a
result download on a CDN, nor to a TTS block's or a memory-search remote's own host. They never
replace what the transport itself decides: `Authorization` and the body's `Content-Type` are
refused when the configuration is read (`RESERVED`), and the transport sets its own after them.

A later per-request options object can take `ConfiguredHeaders.for_url` as its default headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from openclaw_deepinfra.urls import Origin, origin

__all__ = ["RESERVED", "ConfiguredHeaders"]

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
