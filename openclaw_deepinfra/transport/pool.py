"""One pooled `httpx.AsyncClient` per base URL, with explicit limits and finite timeouts."""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import metadata

import httpx

__all__ = ["DEFAULT_LIMITS", "DEFAULT_TIMEOUT", "ClientPool", "timeout_from_seconds", "user_agent"]

# DeepInfra allows 200 requests in flight per model per account; a gateway serving two or more
# models needs more sockets than that, and idle keep-alives beyond 200 are wasted.
DEFAULT_LIMITS = httpx.Limits(max_connections=400, max_keepalive_connections=200, keepalive_expiry=30.0)
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=30.0)


@functools.cache
def user_agent() -> str:
    try:
        version = metadata.version("openclaw-deepinfra")
    except metadata.PackageNotFoundError:  # a source checkout that was never installed
        from openclaw_deepinfra import __version__ as version
    return f"openclaw-deepinfra/{version}"


def timeout_from_seconds(seconds: float, base: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Timeout:
    """A caller's single number becomes the read/write/pool budget; connecting stays short."""
    connect = min(base.connect, seconds) if base.connect is not None else seconds
    return httpx.Timeout(seconds, connect=connect)


class ClientPool:
    """One pooled `httpx.AsyncClient` per base URL, created on first use."""

    def __init__(
        self,
        *,
        transport_factory: Callable[[], httpx.AsyncBaseTransport] | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._transport_factory = transport_factory
        self.limits = limits
        self.timeout = timeout
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._closed = False

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
            else httpx.AsyncHTTPTransport(limits=self.limits, http2=False)
        )
        client = httpx.AsyncClient(
            transport=transport,
            limits=self.limits,
            timeout=self.timeout,
            follow_redirects=False,
            headers={"User-Agent": user_agent()},
        )
        self._clients[key] = client
        return client

    async def aclose(self) -> None:
        self._closed = True
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> ClientPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
