"""One pooled `httpx.AsyncClient` per base URL, with explicit limits and finite timeouts.

The client is always httpx; the transport under it is chosen here. The default is aiohttp's
connection pool (`transport.aiohttp_transport`): at 200 requests in flight httpcore's pool costs
~20x aiohttp's CPU per request and ~5x per streamed chunk (docs/performance.md).
`OPENCLAW_DEEPINFRA_HTTP_TRANSPORT=httpx` selects httpx's own pool (httpcore) instead, e.g. for
a test suite that mocks httpcore; `respx.mock(using="httpx")` mocks either.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any, Final, Literal

import httpx

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.transport.limits import AdmissionGate, ConnectionGate, ModelLimits

if TYPE_CHECKING:
    from openclaw_deepinfra.fleet.gate import FleetGate
    from openclaw_deepinfra.settings import Settings

TransportKind = Literal["aiohttp", "httpx"]
TRANSPORT_ENV: Final = "OPENCLAW_DEEPINFRA_HTTP_TRANSPORT"
_KINDS: Final = ("aiohttp", "httpx")

# The pool's size is the cap of its `ConnectionGate` (`transport.limits`): the sum of the
# per-model limits of the models in use, at most `maxConnections` (default: DEFAULT_POOL_CAP, and
# never more than half the process's open-file limit). The connector gets a little more than the
# gate so it never queues itself; connections are opened only as they are needed.
DEFAULT_POOL_CAP = 1024
MIN_POOL_CAP = 64
GATE_SLACK = 8
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=30.0)


def _limits_for(cap: int) -> httpx.Limits:
    return httpx.Limits(
        max_connections=cap + GATE_SLACK, max_keepalive_connections=cap, keepalive_expiry=30.0
    )


@functools.cache
def user_agent() -> str:
    try:
        version = metadata.version("openclaw-deepinfra")
    except metadata.PackageNotFoundError:  # a source checkout that was never installed
        from openclaw_deepinfra import __version__ as version
    return f"openclaw-deepinfra/{version}"


def pool_cap(configured: int | None = None) -> int:
    """`maxConnections` if configured, else DEFAULT_POOL_CAP within half the open-file limit."""
    if configured is not None:
        return configured
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # not POSIX: no limit to read
        return DEFAULT_POOL_CAP
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return DEFAULT_POOL_CAP
    return max(MIN_POOL_CAP, min(DEFAULT_POOL_CAP, soft // 2))


def transport_kind(env: Mapping[str, str] | None = None) -> TransportKind:
    """The transport named by `OPENCLAW_DEEPINFRA_HTTP_TRANSPORT`; by default aiohttp's pool."""
    value = (os.environ if env is None else env).get(TRANSPORT_ENV, "").strip().lower()
    if value == "httpx":
        return "httpx"
    if value not in ("", "aiohttp"):
        raise ConfigurationError(
            f"{TRANSPORT_ENV}={value!r} is not a transport", hint=f"use one of: {', '.join(_KINDS)}"
        )
    return "aiohttp"


def make_transport(kind: TransportKind, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    if kind == "httpx":
        return httpx.AsyncHTTPTransport(limits=limits, http2=False)
    # imported on first use: aiohttp is ~40 ms of import that plugin registration never needs
    from openclaw_deepinfra.transport.aiohttp_transport import AiohttpTransport

    return AiohttpTransport(limits=limits)


@dataclass(frozen=True)
class PoolStats:
    """Connections lent to a response now, idle ones kept alive, and requests queued for one."""

    in_use: int = 0
    idle: int = 0
    queued: int = 0

    def __add__(self, other: PoolStats) -> PoolStats:
        return PoolStats(self.in_use + other.in_use, self.idle + other.idle, self.queued + other.queued)


def pool_stats_of(transport: Any) -> PoolStats:
    """The transport's own `pool_stats()`, or httpcore's pool read through httpx's transport.

    Both pools keep these counters private; a leak check has to see them, and an unknown
    transport (a test's mock) reports an empty pool rather than failing.
    """
    own = getattr(transport, "pool_stats", None)
    if callable(own):
        stats = own()
        return stats if isinstance(stats, PoolStats) else PoolStats()
    pool = getattr(transport, "_pool", None)
    connections = getattr(pool, "connections", None)
    if connections is None:
        return PoolStats()
    idle = sum(1 for c in connections if c.is_idle())
    requests = getattr(pool, "_requests", ())
    return PoolStats(
        in_use=len(connections) - idle,
        idle=idle,
        queued=sum(1 for r in requests if r.is_queued()),
    )


class ClientPool:
    """One pooled `httpx.AsyncClient` per base URL, created on first use, each behind its own
    first-come-first-served `ConnectionGate`; in fleet mode also the process's `FleetGate` of each
    account (`fleet_gate`)."""

    def __init__(
        self,
        *,
        transport_factory: Callable[[], httpx.AsyncBaseTransport] | None = None,
        limits: httpx.Limits | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._transport_factory = transport_factory
        self.cap = pool_cap()
        self._sized = limits is not None  # explicit limits (tests): `configure` leaves them alone
        self.limits = limits if limits is not None else _limits_for(self.cap)
        if limits is not None and limits.max_connections:
            self.cap = max(1, limits.max_connections - GATE_SLACK)
        self.timeout = timeout
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._transports: dict[str, httpx.AsyncBaseTransport] = {}
        self._gates: dict[str, ConnectionGate] = {}
        self._models: ModelLimits | None = None
        self._fleet: dict[tuple[object, ...], FleetGate] = {}
        self._closed = False

    def configure(self, max_connections: int | None) -> None:
        """Size the pool from the settings (`maxConnections`); the first call before any client
        exists wins, as the per-model limit is per process."""
        if self._sized or self._clients:
            return
        self._sized = True
        self.cap = pool_cap(max_connections)
        self.limits = _limits_for(self.cap)

    def model_limits(self, capacity: int) -> ModelLimits:
        """The per-model limits of every call through this pool, created with `capacity` on first
        use; later callers with another capacity get the same instance (the limit is per process)."""
        if self._models is None:
            self._models = ModelLimits(capacity)
        return self._models

    def fleet_gate(self, settings: Settings) -> AdmissionGate | None:
        """The fleet gate for `settings` (one per Redis, account and limit), or None when fleet mode
        is off or the settings have no key (such calls fail before they are sent)."""
        fleet, key = settings.fleet, settings.api_key
        if fleet is None or key is None:
            return None
        ident = (fleet, key.fingerprint(), settings.max_concurrent_per_model)
        found = self._fleet.get(ident)
        if found is None:
            from openclaw_deepinfra.fleet.gate import FleetGate  # fleet mode only: it needs redis-py

            found = self._fleet[ident] = FleetGate(*ident)
        return found

    def gate(self, base_url: str) -> ConnectionGate:
        key = base_url.rstrip("/")
        found = self._gates.get(key)
        if found is None:
            found = self._gates[key] = ConnectionGate(self.cap)
        return found

    def client(self, base_url: str) -> httpx.AsyncClient:
        if self._closed:
            raise RuntimeError("ClientPool is closed")
        key = base_url.rstrip("/")
        existing = self._clients.get(key)
        if existing is not None and not existing.is_closed:
            return existing
        transport = (
            self._transport_factory()
            if self._transport_factory is not None
            else make_transport(transport_kind(), self.limits)
        )
        client = httpx.AsyncClient(
            transport=transport,
            limits=self.limits,
            timeout=self.timeout,
            follow_redirects=False,
            headers={"User-Agent": user_agent()},
        )
        self._clients[key] = client
        self._transports[key] = transport
        return client

    def stats(self) -> PoolStats:
        """Connections over every base URL's pool (leak checks, operators)."""
        total = PoolStats()
        for key, client in self._clients.items():
            if not client.is_closed:
                total = total + pool_stats_of(self._transports[key])
        return total

    async def aclose(self) -> None:
        self._closed = True
        fleet, self._fleet = list(self._fleet.values()), {}
        for gate in fleet:
            await gate.aclose()
        clients, self._clients = list(self._clients.values()), {}
        self._transports = {}
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> ClientPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
