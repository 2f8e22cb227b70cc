"""What one call is sent with: its `RequestOptions`, the headers built from them, and the client's
side that holds them (`OptionsView`, the base of `DeepInfraHttp`: construction from the settings,
`with_options(...)` views of the one client, deadlines, URLs). The headers of every request come
from `request_headers`: Accept, User-Agent, the configured headers on their origin only, the
caller's own, then the key, which goes only to the base URL's origin.

Configured headers: `models.providers.deepinfra.headers` and `.request.headers` (resolved by
`settings`) travel in the options, so every surface sends them without knowing about them. They go
only to the provider's own origin (`urls.origin` of its base URL): never to a result download on a
CDN, nor to a TTS block's or a memory-search remote's own host. They never replace what the
transport itself decides: `Authorization` and the body's `Content-Type` are refused when the
configuration is read (`RESERVED`), and the transport sets its own after them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Self

from openclaw_deepinfra.errors import MissingApiKeyError, RequestValidationError
from openclaw_deepinfra.settings import _HINT_KEY
from openclaw_deepinfra.transport.deadline import DEFAULT_DEADLINE_S, Deadline
from openclaw_deepinfra.transport.limits import ModelLimits
from openclaw_deepinfra.transport.pool import ClientPool, user_agent
from openclaw_deepinfra.transport.retry import RetryKind, RetryPolicy
from openclaw_deepinfra.urls import Origin, display, origin, same_origin

if TYPE_CHECKING:
    from openclaw_deepinfra.settings import ApiKey, Settings
    from openclaw_deepinfra.transport.limits import AdmissionGate

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "RESERVED",
    "ConfiguredHeaders",
    "OptionsView",
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

    def for_url(self, url: str) -> Mapping[str, str]:
        """The headers for a request to `url`: all of them on the configured origin, none elsewhere."""
        if self.values and self.origin is not None and origin(url) == self.origin:
            return self.values
        return {}


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
    built_headers: dict[tuple[str, str, bool], dict[str, str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """`request_headers`' answers for these options; the views that change only the deadline share it."""


def request_headers(
    options: RequestOptions, url: str, *, authenticated: bool, accept: str, extra: Mapping[str, str] | None
) -> dict[str, str]:
    """Accept, User-Agent, the configured headers (on their origin only: never a CDN download,
    never another host), the caller's `extra`, then the key (refused for another origin). They
    depend only on the (frozen) options and the arguments: a call without `extra` to a URL without
    a query (not a signed download's) takes them as built the first time (issue 14)."""
    key = (url, accept, authenticated)
    if extra is None and key in options.built_headers:
        return options.built_headers[key].copy()
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
    if extra is None and "?" not in url and len(options.built_headers) < 32:
        options.built_headers[key] = headers.copy()
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


class OptionsView:
    """The part of `DeepInfraHttp` that says how its calls are sent: its `options`, what every view
    of the one client shares (`shared`), the views themselves (`with_options`), deadlines, URLs."""

    __slots__ = ("options", "shared")

    def __init__(
        self,
        settings: Settings,
        pool: ClientPool,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        monotonic: Callable[[], float] = time.monotonic,
        model_limits: ModelLimits | None = None,
    ) -> None:
        pool.configure(settings.max_connections)  # the first settings on a pool size it
        limits = model_limits or pool.model_limits(settings.max_concurrent_per_model)
        self.shared = Shared(pool, limits, pool.fleet_gate(settings), sleep, rand, clock, monotonic)
        policy = retry if retry is not None else RetryPolicy(max_retries=settings.max_retries)
        s, cap = settings, max_body_bytes
        self.options = RequestOptions(s.base_url, s.api_key, s.headers, cap, policy, None, s.timeout_s)

    def with_options(
        self,
        *,
        base_url: str | None = None,
        api_key: ApiKey | None = None,
        max_body_bytes: int | None = None,
        deadline: Deadline | None = None,
        retry_kind: RetryKind | None = None,
        max_retries: int | None = None,
    ) -> Self:
        """A view of this client with some options changed (None: unchanged); nothing is copied
        but the options."""
        old = self.options
        retry = old.retry
        if retry_kind is not None or max_retries is not None:
            retry = dataclasses.replace(
                retry,
                max_retries=retry.max_retries if max_retries is None else max_retries,
                kind=retry.kind if retry_kind is None else retry_kind,
            )
        view = object.__new__(type(self))
        view.shared = self.shared
        view.options = RequestOptions(
            old.base_url if base_url is None else base_url.rstrip("/"),
            old.api_key if api_key is None else api_key,
            old.headers,
            old.max_body_bytes if max_body_bytes is None else max_body_bytes,
            retry,
            old.deadline if deadline is None else deadline,
            old.timeout_s,
            old.built_headers if base_url is None and api_key is None else {},
        )
        return view

    @property
    def model_limits(self) -> ModelLimits:
        return self.shared.limits

    def deadline(self, timeout_s: float | None = None, *, timeout_ms: int | None = None) -> Deadline:
        """A new call deadline: the host's `timeout_ms`, else `timeout_s`, else the settings'
        `timeoutSeconds` (each attempt capped at that budget), else `DEFAULT_DEADLINE_S` (each
        attempt on the pool's default timeouts). A number <= 0 is "not given"."""
        given = (timeout_ms / 1000.0 if timeout_ms else None, timeout_s, self.options.timeout_s)
        budget = next((float(seconds) for seconds in given if seconds is not None and seconds > 0), None)
        return Deadline(budget or DEFAULT_DEADLINE_S, clock=self.shared.monotonic, attempt_s=budget)

    def url(self, path: str) -> str:
        """`path` joined to the base URL; an absolute http(s) URL is used as given."""
        if path.startswith(("https://", "http://")):
            return path
        return f"{self.options.base_url}/{path.lstrip('/')}"
