"""An `httpx.AsyncBaseTransport` over aiohttp's connection pool: the httpx API, aiohttp's speed.

Why not httpcore (httpx's own pool): it scans every connection on every request and moves each
body chunk through several layers of pure-Python state machines, which costs ~20x raw aiohttp
per request at 200 in flight and ~5x per streamed chunk (docs/performance.md). Why not the
`httpx-aiohttp` package: it maps every `aiohttp.ClientConnectionError` (a server that hung up
after the request was sent included) to `httpx.ConnectTimeout`, which the retry policy reads as
"never sent" and would repeat a billed request; here each aiohttp error becomes the httpx error
httpcore raises in the same situation.

Callers see plain httpx: requests, responses, exceptions, timeouts (`connect`, `read`, `pool`).
The aiohttp session is created on first use inside the running event loop and belongs to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import httpx
from multidict import CIMultiDict

from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.transport.lease import CLOSE_NOW_EXTENSION
from openclaw_deepinfra.transport.pool import PoolStats
from openclaw_deepinfra.transport.responses import JoinedHeaders
from openclaw_deepinfra.transport.sse_stream import AT_END_EXTENSION, READ_CHUNK_EXTENSION

if TYPE_CHECKING:
    from openclaw_deepinfra.transport.direct import Route

__all__ = ["AiohttpTransport", "DirectResponse", "map_aiohttp_error"]

_httpx_log = get_logger("httpx")  # httpx's own logger: its log line, its filters


# Most specific first: ClientConnectorError is a ClientOSError, ConnectionTimeoutError and
# SocketTimeoutError are ServerTimeoutErrors, ServerDisconnectedError is a ClientConnectionError.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),  # waiting for a pool slot or connecting
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),  # DNS, refused, TLS handshake: never sent
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),  # as httpcore says it
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),  # body cut short / bad chunking
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),  # not valid HTTP
    (aiohttp.ClientOSError, httpx.ReadError),  # reset on a reused connection
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
)


def map_aiohttp_error(exc: TimeoutError | aiohttp.ClientError) -> httpx.TransportError:
    """The httpx error httpcore would raise for `exc` (another aiohttp error: `TransportError`)."""
    if not isinstance(exc, aiohttp.ClientError):
        return httpx.ReadTimeout(str(exc) or "timed out")
    for source, target in _ERRORS:
        if isinstance(exc, source):
            return target(str(exc) or type(exc).__name__)
    return httpx.TransportError(str(exc) or type(exc).__name__)


class _Body(httpx.AsyncByteStream):
    """The response body as it arrives; the connection goes back to the pool only when it ended.

    The read timeout (httpx's `read`: how long one read may wait for the peer) is kept here, not
    by aiohttp's `sock_read`: aiohttp cancels and re-arms a loop timer on every packet received,
    a measurable share of a streamed chunk's CPU when chunks arrive one per packet. Here a read
    only notes when it started waiting, and one lazy watchdog per body, re-armed at most once per
    timeout period, fails the read that has waited longer than the timeout.
    """

    __slots__ = ("_content", "_loop", "_read_timeout", "_response", "_timer", "_waiting_since")

    def __init__(self, response: aiohttp.ClientResponse, read_timeout: float | None) -> None:
        self._response = response
        self._content = response.content
        self._read_timeout: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._waiting_since: float | None = None
        self._loop = asyncio.get_running_loop()
        connection = response.connection
        protocol = connection.protocol if connection is not None else None
        # Not at EOF: the connection is still this response's (aiohttp releases it at EOF).
        if read_timeout and protocol is not None and not self._content.is_eof():
            protocol.read_timeout = None  # from the next packet on, aiohttp stops re-arming its timer
            self._read_timeout = read_timeout

    async def read_chunk(self) -> bytes:
        """The next piece of the body (whatever has arrived), b"" at its end; httpx errors."""
        content = self._content
        try:
            if self._read_timeout is None:
                return await content.readany()
            if self._timer is None:
                self._arm(self._loop.time())
            self._waiting_since = self._loop.time()
            chunk = await content.readany()
            self._waiting_since = None
            return chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise map_aiohttp_error(exc) from exc

    def _arm(self, start: float) -> None:
        assert self._read_timeout is not None
        self._timer = self._loop.call_at(start + self._read_timeout, self._watch)

    def _watch(self) -> None:
        timeout = self._read_timeout
        assert timeout is not None
        since = self._waiting_since
        now = self._loop.time()
        if since is not None and now - since >= timeout - 0.001:
            self._timer = None
            self._content.set_exception(aiohttp.SocketTimeoutError("Timeout on reading data from socket"))
            return
        self._arm(since if since is not None else now)

    def extensions(self) -> dict[str, Any]:
        """For the plugin's streams: `read_chunk` (`sse_stream`), the synchronous close (`lease`), the end."""
        return {
            READ_CHUNK_EXTENSION: self.read_chunk,
            CLOSE_NOW_EXTENSION: self.close,
            AT_END_EXTENSION: self._content.is_eof,
        }

    async def __aiter__(self) -> AsyncIterator[bytes]:
        read = self.read_chunk
        while True:
            chunk = await read()
            if not chunk:
                return
            yield chunk

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        """Synchronous: a stream dropped by its consumer is closed from a loop callback."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        response = self._response
        if response.content.is_eof():
            response.release()  # complete: keep the connection
        else:
            response.close()  # half-read: the connection cannot be reused


async def _stream_body(stream: httpx.AsyncByteStream) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield chunk


class DirectResponse:
    """A fast-path answer: what `DeepInfraHttp` reads of an `httpx.Response` (the
    `responses.Response` interface), taken straight from aiohttp's response.

    A Content-Encoding body is decoded by an `httpx.Response` built over it (`as_httpx`), so both
    paths decode alike; a transport error reading the body carries the request, as httpx's do.
    """

    __slots__ = ("_body", "_httpx", "_request_of", "_response", "headers", "status_code")

    def __init__(
        self, response: aiohttp.ClientResponse, body: _Body, request_of: Callable[[], httpx.Request]
    ) -> None:
        self._response = response
        self._body = body
        self._request_of = request_of
        self._httpx: httpx.Response | None = None
        self.status_code = response.status
        self.headers = JoinedHeaders(response.headers)

    @property
    def extensions(self) -> dict[str, Any]:
        """What the httpx path's response offers its streams (`sse_stream`, `lease`); built when read."""
        return self._body.extensions()

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def reason_phrase(self) -> str:
        """As `httpx.Response.reason_phrase` reads what `handle_async_request` gives it."""
        reason = self._response.reason
        if not reason:
            return httpx.codes.get_reason_phrase(self.status_code)
        return reason.encode("latin-1", "replace").decode("ascii", errors="ignore")

    def as_httpx(self) -> httpx.Response:
        """The `httpx.Response` over the same body (decoding, the cookie jar); built once."""
        if self._httpx is None:
            response = self._response
            self._httpx = httpx.Response(
                response.status, headers=response.raw_headers, stream=self._body, request=self._request_of()
            )
        return self._httpx

    def received(self) -> bytes | None:
        """The whole body if it has all arrived (most JSON answers come with their head) and needs
        no decoding, taken without waiting: its reader needs no timer and no iterator. Else None."""
        content = self._response.content
        if not content.is_eof() or content.exception() is not None or "content-encoding" in self.headers:
            return None
        body = content.read_nowait()
        self._body.close()
        return body

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        if "content-encoding" in self.headers:
            async for decoded in self.as_httpx().aiter_bytes():
                yield decoded
            return
        read = self._body.read_chunk
        while True:
            try:
                chunk = await read()
            except httpx.RequestError as exc:
                exc.request = self._request_of()
                raise
            if not chunk:
                break
            yield chunk
        self._body.close()  # read to the end: the connection goes back, as httpx closes then

    async def aclose(self) -> None:
        self._body.close()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session (one connection pool) per event loop, sized by `limits`."""

    def __init__(
        self,
        *,
        limits: httpx.Limits,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = False,
    ) -> None:
        self._limits = limits
        self._verify = verify
        self._trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timeouts: dict[tuple[Any, ...], aiohttp.ClientTimeout] = {}
        self._ssl: ssl.SSLContext | None = None

    def _session_now(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None and self._loop is loop and not session.closed:
            return session
        if self._ssl is None:
            # built here, not at import or registration: loading certificates takes ~20 ms
            verify = self._verify
            self._ssl = (
                verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
            )
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            limit_per_host=0,
            keepalive_timeout=self._limits.keepalive_expiry,
            ssl=self._ssl,
            enable_cleanup_closed=False,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # httpx decodes Content-Encoding itself
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx's client keeps cookies
            timeout=aiohttp.ClientTimeout(total=None),
            trust_env=self._trust_env,
            raise_for_status=False,
            # aiohttp would label a bare bytes body application/octet-stream; httpx sends none
            skip_auto_headers=("Content-Type",),
        )
        if hasattr(self._session, "_retry_connection"):
            # aiohttp silently re-sends an idempotent request once when a kept-alive connection
            # turns out dead; `DeepInfraHttp`'s retry policy is the one place that decides retries.
            self._session._retry_connection = False
        self._loop = loop
        return self._session

    def _timeout(self, timeouts: Mapping[str, float | None]) -> aiohttp.ClientTimeout:
        key = (timeouts.get("connect"), timeouts.get("read"), timeouts.get("write"), timeouts.get("pool"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            connect, read, _write, _pool = key
            # aiohttp's `connect` spans waiting for a pool slot and connecting. The pool never
            # waits: `ConnectionGate` (transport.limits) admits no more calls than it has
            # connections, and time queued there is the call deadline's, not a connect timeout.
            timeout = aiohttp.ClientTimeout(total=None, connect=connect, sock_connect=connect, sock_read=read)
            if len(self._timeouts) < 64:
                self._timeouts[key] = timeout
        return timeout

    async def _open(
        self, method: str, url: str, headers: CIMultiDict[str], data: Any,
        timeouts: Mapping[str, float | None], sni_hostname: str | None = None,
    ) -> tuple[aiohttp.ClientResponse, _Body]:  # fmt: skip
        session = self._session_now()
        try:
            response = await session.request(
                method,
                url,
                headers=headers,
                data=data,
                allow_redirects=False,
                compress=None,
                timeout=self._timeout(timeouts),
                server_hostname=sni_hostname,
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise map_aiohttp_error(exc) from exc
        return response, _Body(response, timeouts.get("read"))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        data: Any
        headers = CIMultiDict(request.headers.multi_items())
        try:
            data = request.content or None
        except httpx.RequestNotRead:
            data = _stream_body(request.stream)  # type: ignore[arg-type]
            headers.popall("transfer-encoding", None)  # aiohttp frames the stream itself
        extensions = request.extensions
        timeouts = extensions.get("timeout", {})
        response, body = await self._open(
            request.method, str(request.url), headers, data, timeouts, extensions.get("sni_hostname")
        )
        answer: dict[str, Any] = {"http_version": b"HTTP/1.1", **body.extensions()}
        if response.reason:
            answer["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return httpx.Response(
            status_code=response.status, headers=response.raw_headers, stream=body, extensions=answer
        )

    async def send_direct(
        self, route: Route, timeouts: dict[str, float], cookies: httpx.Cookies
    ) -> DirectResponse:
        """The fast path (`transport.direct`): the request httpx would have handed this transport,
        given as its parts, and its answer without httpx's request and response objects. What
        `client.send` does with an answer is done here too: a `Set-Cookie` reaches the client's jar
        (`cookies`) through httpx's own code, and httpx's "HTTP Request: ..." line is logged."""
        try:
            response, stream = await self._open(
                route.method, route.target.text, CIMultiDict(route.wire), route.body, timeouts
            )
        except httpx.RequestError as exc:
            exc.request = route.request(timeouts)
            raise
        answer = DirectResponse(response, stream, lambda: route.request(timeouts))
        if "set-cookie" in answer.headers:
            cookies.extract_cookies(answer.as_httpx())
        if _httpx_log.isEnabledFor(logging.INFO):
            status, reason = answer.status_code, answer.reason_phrase
            url = route.target.url
            _httpx_log.info('HTTP Request: %s %s "%s %d %s"', route.method, url, "HTTP/1.1", status, reason)
        return answer

    def pool_stats(self) -> PoolStats:
        """Read from aiohttp's connector (its counters are private: a leak check must see them)."""
        session = self._session
        connector = session.connector if session is not None and not session.closed else None
        if connector is None:
            return PoolStats()
        acquired = getattr(connector, "_acquired", ())
        idle = getattr(connector, "_conns", {})
        waiters = getattr(connector, "_waiters", {})
        return PoolStats(
            in_use=len(acquired),
            idle=sum(len(conns) for conns in idle.values()),
            queued=sum(len(queue) for queue in waiters.values()),
        )

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            with contextlib.suppress(RuntimeError):  # its loop is gone: nothing left to close
                await session.close()
