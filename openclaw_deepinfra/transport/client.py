"""Pooled httpx clients and `DeepInfraHttp`, the only object in the plugin that sends requests.

Every request goes through one retry loop (`transport.retry`) and one error boundary
(`transport.errors`). Bodies are read under a byte cap. Streams are consumed inside a context
manager that returns the connection to the pool after a complete stream and closes it otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from openclaw_deepinfra.errors import MalformedResponseError, RequestValidationError, excerpt
from openclaw_deepinfra.transport.errors import (
    error_from_response,
    error_from_stream_frame,
    error_from_transport,
    request_id_from,
)
from openclaw_deepinfra.transport.pool import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    ClientPool,
    timeout_from_seconds,
    user_agent,
)
from openclaw_deepinfra.transport.redact import get_logger, redact
from openclaw_deepinfra.transport.responses import BodyTooLarge, BytesResponse, JsonResponse, read_body
from openclaw_deepinfra.transport.retry import RetryPolicy, backoff_delay, decide_retry, parse_retry_after
from openclaw_deepinfra.transport.sse import SSEDecoder, SSEEvent

if TYPE_CHECKING:
    from openclaw_deepinfra.settings import Settings

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_TIMEOUT",
    "ByteStream",
    "BytesResponse",
    "ClientPool",
    "DeepInfraHttp",
    "JsonResponse",
    "timeout_from_seconds",
    "user_agent",
]

logger = get_logger(__name__)

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_ERROR_BODY_BYTES = 64 * 1024  # only an excerpt is kept
DRAIN_MAX_BYTES = 64 * 1024
DRAIN_TIMEOUT_S = 2.0


@dataclass
class _StreamState:
    chunks: AsyncIterator[bytes]
    saw_done: bool = False
    exhausted: bool = False


@dataclass(frozen=True)
class ByteStream:
    """An open streamed body: the 2xx status, headers and request id, and the chunks as they come."""

    status: int
    headers: httpx.Headers
    request_id: str | None
    chunks: AsyncIterator[bytes]

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";", 1)[0].strip().lower() if value else None


class DeepInfraHttp:
    """Sends JSON, bytes and SSE requests for one `Settings`, through a shared `ClientPool`."""

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
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.retry = retry if retry is not None else RetryPolicy(max_retries=settings.max_retries)
        self._sleep = sleep
        self._rand = rand
        self._clock = clock
        self.max_body_bytes = max_body_bytes

    def url(self, path: str) -> str:
        """`path` joined to the base URL; an absolute http(s) URL is used as given."""
        if path.startswith(("https://", "http://")):
            return path
        return f"{self.settings.base_url}/{path.lstrip('/')}"

    def _headers(
        self, url: str, *, authenticated: bool, accept: str, extra: Mapping[str, str] | None
    ) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": user_agent()}
        if extra:
            headers.update(extra)
        if authenticated:
            key = self.settings.require_key()
            base = httpx.URL(self.settings.base_url)
            target = httpx.URL(url)
            if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
                raise RequestValidationError(
                    f"refusing to send the DeepInfra API key to {target.scheme}://{target.host}",
                    hint="authenticated requests must go to the configured base URL's host",
                )
            headers["Authorization"] = f"Bearer {key.reveal()}"
        return headers

    def _timeout(self, timeout: float | None) -> httpx.Timeout | None:
        seconds = timeout if timeout is not None else self.settings.timeout_s
        return timeout_from_seconds(seconds, self.pool.timeout) if seconds is not None else None

    async def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        timeout_s: float | None,
        label: str | None,
        policy: RetryPolicy,
        **content: Any,
    ) -> httpx.Response:
        """The response to the first attempt that got a 2xx; retries happen only in here."""
        client = self.pool.client(self.settings.base_url)
        request_timeout = self._timeout(timeout_s)
        attempt = 0
        while True:
            request = client.build_request(
                method,
                url,
                headers=headers,
                timeout=request_timeout if request_timeout is not None else httpx.USE_CLIENT_DEFAULT,
                **content,
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.HTTPError as exc:
                if not decide_retry(policy, attempt=attempt, error=exc):
                    raise error_from_transport(exc, label=label) from exc
                await self._backoff(policy, attempt, request, f"{type(exc).__name__}: {exc}", None)
                attempt += 1
                continue
            if response.is_success:
                return response
            try:
                body = await read_body(response, MAX_ERROR_BODY_BYTES, truncate=True)
            except httpx.HTTPError:
                body = b""
            finally:
                await response.aclose()
            if not decide_retry(policy, attempt=attempt, status=response.status_code):
                raise error_from_response(response.status_code, response.headers, body, label=label)
            reason = f"HTTP {response.status_code}: {excerpt(body, 120) or response.reason_phrase}"
            await self._backoff(policy, attempt, request, reason, self._retry_after(response.headers))
            attempt += 1

    def _retry_after(self, headers: httpx.Headers) -> float | None:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            seconds = parse_retry_after(millis, now=self._clock())
            if seconds is not None:
                return seconds / 1000.0
        return parse_retry_after(headers.get("retry-after"), now=self._clock())

    async def _backoff(
        self,
        policy: RetryPolicy,
        attempt: int,
        request: httpx.Request,
        reason: str,
        retry_after: float | None,
    ) -> None:
        delay = backoff_delay(policy, attempt, retry_after=retry_after, rand=self._rand)
        logger.debug(
            "retrying %s %s (attempt %d of %d) in %.2fs: %s",
            request.method,
            request.url.path,
            attempt + 2,
            policy.max_retries + 1,
            delay,
            redact(reason),
        )
        await self._sleep(delay)

    async def _fetch(
        self,
        method: str,
        path: str,
        *,
        accept: str,
        json: Any,
        params: Mapping[str, str] | None,
        data: Mapping[str, Any] | None,
        files: Any,
        headers: Mapping[str, str] | None,
        authenticated: bool,
        timeout_s: float | None,
        label: str | None,
        retry_policy: RetryPolicy | None,
    ) -> tuple[httpx.Response, bytes]:
        url = self.url(path)
        request_headers = self._headers(url, authenticated=authenticated, accept=accept, extra=headers)
        content: dict[str, Any] = {"params": params}
        if json is not None:
            content["json"] = json
        if data is not None:
            content["data"] = data
        if files is not None:
            content["files"] = files
        response = await self._send(
            method,
            url,
            headers=request_headers,
            timeout_s=timeout_s,
            label=label,
            policy=retry_policy or self.retry,
            **content,
        )
        try:
            body = await read_body(response, self.max_body_bytes)
        except BodyTooLarge:
            raise MalformedResponseError(
                f"{label or 'DeepInfra response'} is larger than {self.max_body_bytes} bytes",
                status=response.status_code,
                request_id=request_id_from(response.headers),
            ) from None
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, label=label) from exc
        finally:
            await response.aclose()
        return response, body

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        timeout: float | None = None,  # noqa: ASYNC109 - a per-request httpx budget, not a wrapper
        label: str | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> JsonResponse:
        response, body = await self._fetch(
            method, path, accept="application/json", json=json, params=params, data=data, files=files,
            headers=headers, authenticated=authenticated, timeout_s=timeout, label=label,
            retry_policy=retry_policy,
        )  # fmt: skip
        request_id = request_id_from(response.headers)
        parsed: Any = None
        if body.strip():
            try:
                parsed = jsonlib.loads(body)
            except ValueError:
                raise MalformedResponseError(
                    f"{label or 'DeepInfra response'} is not valid JSON",
                    status=response.status_code,
                    request_id=request_id,
                    body_excerpt=excerpt(body),
                ) from None
        return JsonResponse(response.status_code, response.headers, parsed, request_id)

    async def request_bytes(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        timeout: float | None = None,  # noqa: ASYNC109 - a per-request httpx budget, not a wrapper
        label: str | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> BytesResponse:
        response, body = await self._fetch(
            method, path, accept="*/*", json=json, params=params, data=data, files=files,
            headers=headers, authenticated=authenticated, timeout_s=timeout, label=label,
            retry_policy=retry_policy,
        )  # fmt: skip
        return BytesResponse(response.status_code, response.headers, body, request_id_from(response.headers))

    @contextlib.asynccontextmanager
    async def stream_sse(
        self,
        path: str,
        *,
        json: Any,
        timeout: float | None = None,  # noqa: ASYNC109 - a per-request httpx budget, not a wrapper
        label: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> AsyncIterator[AsyncIterator[SSEEvent]]:
        """POST `json` and yield its events. Errors before the first byte are mapped (and retried)."""
        url = self.url(path)
        request_headers = self._headers(url, authenticated=True, accept="text/event-stream", extra=headers)
        response = await self._send(
            "POST", url, headers=request_headers, timeout_s=timeout, label=label,
            policy=retry_policy or self.retry, json=json,
        )  # fmt: skip
        if "application/json" in response.headers.get("content-type", "").lower():
            await self._reject_json_stream(response, label)
        state = _StreamState(chunks=response.aiter_bytes())
        events = self._events(state, label)
        completed = False
        try:
            yield events
            completed = True
        finally:
            try:
                await events.aclose()
            finally:
                await self._finish_stream(response, state, drain=completed and state.saw_done)

    @contextlib.asynccontextmanager
    async def stream_bytes(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a per-request httpx budget, not a wrapper
        label: str | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> AsyncIterator[ByteStream]:
        """Send a request and yield its body as it arrives (e.g. synthesized audio).

        Errors before the first byte are mapped and retried like any request; a failure after it
        is mapped but never retried (the request was processed). The connection is closed on exit.
        """
        url = self.url(path)
        request_headers = self._headers(url, authenticated=True, accept="*/*", extra=headers)
        content: dict[str, Any] = {}
        if json is not None:
            content["json"] = json
        if data is not None:
            content["data"] = data
        if files is not None:
            content["files"] = files
        response = await self._send(
            method, url, headers=request_headers, timeout_s=timeout, label=label,
            policy=retry_policy or self.retry, **content,
        )  # fmt: skip
        chunks = self._byte_chunks(response, label)
        try:
            yield ByteStream(
                response.status_code, response.headers, request_id_from(response.headers), chunks
            )
        finally:
            try:
                await chunks.aclose()
            finally:
                await response.aclose()

    async def _byte_chunks(self, response: httpx.Response, label: str | None) -> AsyncGenerator[bytes, None]:
        try:
            async for chunk in response.aiter_bytes():
                if chunk:
                    yield chunk
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, label=label) from exc

    async def _reject_json_stream(self, response: httpx.Response, label: str | None) -> None:
        """A 2xx JSON answer to a streaming request: an error frame, or not a stream at all."""
        try:
            body = await read_body(response, MAX_ERROR_BODY_BYTES, truncate=True)
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, label=label) from exc
        finally:
            await response.aclose()
        try:
            parsed = jsonlib.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, Mapping):
            err = error_from_stream_frame(parsed)
            if err is not None:
                raise err
        raise MalformedResponseError(
            f"{label or 'DeepInfra stream'} answered JSON instead of an event stream",
            status=response.status_code,
            request_id=request_id_from(response.headers),
            body_excerpt=excerpt(body),
        )

    async def _events(self, state: _StreamState, label: str | None) -> AsyncGenerator[SSEEvent, None]:
        decoder = SSEDecoder()
        try:
            async for chunk in state.chunks:
                for event in decoder.feed(chunk):
                    if event.is_done:
                        state.saw_done = True
                    yield event
            state.exhausted = True
            for event in decoder.flush():
                yield event
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, label=label) from exc

    async def _finish_stream(self, response: httpx.Response, state: _StreamState, *, drain: bool) -> None:
        """Return the connection to the pool after a complete stream; close it otherwise."""
        try:
            if drain and not state.exhausted:
                received = 0
                with contextlib.suppress(httpx.HTTPError, TimeoutError):
                    async with asyncio.timeout(DRAIN_TIMEOUT_S):
                        async for chunk in state.chunks:
                            received += len(chunk)
                            if received > DRAIN_MAX_BYTES:
                                break
        finally:
            close_chunks = getattr(state.chunks, "aclose", None)
            if close_chunks is not None:
                with contextlib.suppress(httpx.HTTPError, RuntimeError):
                    await close_chunks()
            await response.aclose()
