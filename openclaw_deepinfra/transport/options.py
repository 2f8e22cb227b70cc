"""What one call is sent with: its `RequestOptions` and the headers built from them.

`DeepInfraHttp.with_options(...)` changes the options for a view of the one client; the headers of
every request come from `request_headers`: Accept, User-Agent, the configured headers on their
origin only, the caller's own, then the key, which goes only to the base URL's origin.

Configured headers: `models.providers.deepinfra.headers` and `.request.headers` (resolved by
`settings`) travel in the options, so every surface sends them without knowing about them. They go
only to the provider's own origin (`urls.origin` of its base URL): never to a result download on a
CDN, nor to a TTS block's or a memory-search remote's own host. They never replace what the
transport itself decides: `Authorization` and the body's `Content-Type` are refused when the
configuration is read (`RESERVED`), and the transport sets its own after them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from openclaw_deepinfra.errors import MissingApiKeyError, RequestValidationError
from openclaw_deepinfra.settings import _HINT_KEY
from openclaw_deepinfra.transport.pool import user_agent
from openclaw_deepinfra.urls import Origin, display, origin, same_origin

if TYPE_CHECKING:
    from openclaw_deepinfra.settings import ApiKey
    from openclaw_deepinfra.transport.deadline import Deadline
    from openclaw_deepinfra.transport.limits import AdmissionGate, ModelLimits
    from openclaw_deepinfra.transport.pool import ClientPool
    from openclaw_deepinfra.transport.retry import RetryPolicy

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "RESERVED",
    "ConfiguredHeaders",
    "RequestOptions",
    "Shared",
    "request_headers",
]

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
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


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """What one call may change about how it is sent. `timeout_s` is the settings' default budget
    (`models.providers.deepinfra.timeoutSeconds`) for a call that brings no deadline."""

    base_url: str
    api_key: ApiKey | None = field(repr=False)
    headers: ConfiguredHeaders | None
    max_body_bytes: int
    retry: RetryPolicy
    deadline: Deadline | None
    timeout_s: float | None


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


@dataclass(slots=True)
class Shared:
    """What every view of one client shares: the pool, its limits, the fleet gate, the hooks."""

    pool: ClientPool
    limits: ModelLimits
    fleet: AdmissionGate | None
    sleep: Callable[[float], Awaitable[None]]
    rand: Callable[[], float]
    clock: Callable[[], float]  # wall clock: Retry-After may be an HTTP date
    monotonic: Callable[[], float]  # deadlines
