"""`DeepInfraHttp`, the only object in the plugin that sends requests: its attempt loop, and the
streams it opens (`OpenStream`).

A request's path: the surface -> `request_json` / `stream_sse` (headers, the attempt loop, the
body read: this module) -> `transport.aiohttp_transport`'s `send_direct` -> the socket. Whether an
attempt may skip httpx is decided once per call (`transport.direct.route`); if not (respx, hooks,
auth, cookies, form bodies), the loop hands it to httpx's `client.send`. Decisions on the way are
lookups: `transport.retry` (what is repeated, how long to wait), `transport.errors` (failures into
the error tree), `transport.limits` (model slot, connection permit), `transport.deadline`. The
runtime owns one client; what a call may change is a frozen `RequestOptions`, and
`with_options(...)` returns a cheap view on the same pool, limits and hooks (`transport.options`).

Every call has one `Deadline` (the options', else one from the settings): queueing for a model
slot, attempts (each httpx timeout cut to the time left), backoff sleeps and the body read share
it. A call with `model=` holds one of that model's slots while an attempt is in flight and, on
success, until its body is read or its stream closes; the slot is given back during a backoff
sleep and the retry queues ahead of newcomers. For a stream the deadline bounds everything up to
the first byte; after that each read waits at most the read timeout it was opened with.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx

from openclaw_deepinfra.errors import (
    DeadlineExceededError,
    DeepInfraError,
    MalformedResponseError,
    ModelBusyError,
    excerpt,
)
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.transport.deadline import CallRecord, Deadline, deadline_timeout
from openclaw_deepinfra.transport.direct import route
from openclaw_deepinfra.transport.errors import (
    DEFAULT_LABEL,
    error_from_response,
    error_from_transport,
    request_id_from,
)
from openclaw_deepinfra.transport.lease import ResponseLease
from openclaw_deepinfra.transport.limits import Slot, admit
from openclaw_deepinfra.transport.options import OptionsView, request_headers
from openclaw_deepinfra.transport.responses import (
    MAX_ERROR_BODY_BYTES,
    BodyTooLarge,
    BytesResponse,
    JsonResponse,
    Response,
    read_body,
    received_body,
)
from openclaw_deepinfra.transport.retry import RetryPlan, log_retry, plan_retry, retry_after, retryable_status
from openclaw_deepinfra.transport.sse_stream import SSEStream
from openclaw_deepinfra.transport.streaming import ByteStream, byte_stream, sse_events

__all__ = ["DeepInfraHttp", "OpenBytes", "OpenSSE", "OpenStream"]

logger = get_logger(__name__)


class DeepInfraHttp(OptionsView):
    """Sends JSON, bytes and SSE requests with its `options`, through a shared `ClientPool`
    (`DeepInfraHttp(settings, pool)`; `with_options(...)` views: `transport.options`)."""

    __slots__ = ()

    async def _read(
        self, method: str, path: str, accept: str, authenticated: bool, headers: Mapping[str, str] | None,
        label: str | None, model: str | None, content: dict[str, Any],
    ) -> tuple[Response, bytes]:  # fmt: skip
        url = self.url(path)
        deadline = self.options.deadline or self.deadline()
        sent = request_headers(self.options, url, authenticated=authenticated, accept=accept, extra=headers)
        response, slot, record = await self._send(method, url, sent, label, model, deadline, content)
        cap = self.options.max_body_bytes
        try:
            body = received_body(response, cap)  # all there already: no wait for the deadline to bound
            if body is None:
                async with asyncio.timeout(max(deadline.remaining(), 0.0)):
                    body = await read_body(response, cap)
        except TimeoutError:
            raise self._expired(record, deadline, "reading the response body") from None
        except BodyTooLarge:
            raise MalformedResponseError(
                f"{label or 'DeepInfra response'} is larger than {cap} bytes",
                status=response.status_code,
                request_id=request_id_from(response.headers),
            ) from None
        except httpx.HTTPError as exc:
            if deadline_timeout(exc, deadline):
                raise self._expired(record, deadline, "reading the response body") from exc
            raise error_from_transport(exc, label=label) from exc
        finally:
            try:
                await response.aclose()
            finally:
                slot.release()
        return response, body

    async def request_json(
        self, method: str, path: str, *, json: Any = None, params: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None, files: Any = None, headers: Mapping[str, str] | None = None,
        authenticated: bool = True, label: str | None = None, model: str | None = None,
    ) -> JsonResponse:  # fmt: skip
        """`model` holds one of that model's slots for the call; the deadline is the options'."""
        content = _content(json, data, files, params)
        accept = "application/json"
        response, body = await self._read(method, path, accept, authenticated, headers, label, model, content)
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
        self, method: str, path: str, *, json: Any = None, params: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None, files: Any = None, headers: Mapping[str, str] | None = None,
        authenticated: bool = True, label: str | None = None, model: str | None = None,
    ) -> BytesResponse:  # fmt: skip
        content = _content(json, data, files, params)
        response, body = await self._read(method, path, "*/*", authenticated, headers, label, model, content)
        return BytesResponse(response.status_code, response.headers, body, request_id_from(response.headers))

    def stream_sse(
        self, path: str, *, json: Any, label: str | None = None, headers: Mapping[str, str] | None = None,
        model: str | None = None,
    ) -> OpenSSE:  # fmt: skip
        """`async with` it: POST `json` and read its events (`next_events()`: one list per network
        read, [] at the end). Errors before the first byte are mapped (and retried). With `model`,
        the model slot is held until the stream is closed."""
        call = self._call("POST", path, "text/event-stream", headers, label, model, {"json": json})
        return OpenStream(self, call, sse_events)

    def stream_bytes(
        self, method: str, path: str, *, json: Any = None, data: Mapping[str, Any] | None = None,
        files: Any = None, headers: Mapping[str, str] | None = None, label: str | None = None,
        model: str | None = None,
    ) -> OpenBytes:  # fmt: skip
        """`async with` it: send a request and read its body as it arrives (synthesized audio).
        Errors before the first byte are mapped and retried like any request; a failure after it
        is mapped but never retried (the request was processed). The connection is closed on exit."""
        content = _content(json, data, files, None)
        return OpenStream(self, self._call(method, path, "*/*", headers, label, model, content), byte_stream)

    def _call(
        self, method: str, path: str, accept: str, headers: Mapping[str, str] | None, label: str | None,
        model: str | None, content: dict[str, Any],
    ) -> _Call:  # fmt: skip
        url = self.url(path)
        sent = request_headers(self.options, url, authenticated=True, accept=accept, extra=headers)
        return method, url, sent, label, model, content

    # -- the attempt loop: the only place a request is retried ------------------------------------

    def _expired(self, record: CallRecord, deadline: Deadline, during: str) -> DeadlineExceededError:
        """The error for a call whose deadline ran out `during` a step, counted once."""
        self.shared.limits.counters["deadline_exceeded"] += 1
        return record.expired(deadline, during=during)

    async def _send(
        self, method: str, url: str, headers: dict[str, str], label: str | None, model: str | None,
        deadline: Deadline, content: dict[str, Any],
    ) -> tuple[Response, Slot, CallRecord]:  # fmt: skip
        """The first 2xx response, unread, with the slot it holds (released by the caller once the
        response is consumed). Every failure releases the slot before raising or sleeping."""
        shared, base_url, policy = self.shared, self.options.base_url, self.options.retry
        pool = shared.pool
        client = pool.client(base_url)
        to = route(client, method, url, headers, content)  # direct to aiohttp, or through httpx
        send_direct = to.send
        record = CallRecord(label or DEFAULT_LABEL, model)
        gate = pool.gate(base_url)
        limiter = shared.limits.limiter(model) if model else None
        if model and limiter is not None:
            gate.add_model(model, limiter.capacity)
        slot = Slot(limiter, gate, model)
        counters = shared.limits.counters
        counters["requests"] += 1
        attempt = 0
        while True:
            await admit(slot, deadline, record, counters, shared.fleet, front=attempt > 0)
            try:
                if deadline.expired:
                    raise self._expired(record, deadline, "retrying")
                timeouts = deadline.attempt_timeouts(pool.timeout)
                record.attempts += 1
                counters["attempts"] += 1
                try:
                    if send_direct is not None:
                        response: Response = await send_direct(to, timeouts, client.cookies)
                    else:
                        timeout = httpx.Timeout(**timeouts)
                        request = client.build_request(
                            method, url, headers=headers, timeout=timeout, **content
                        )
                        response = await client.send(request, stream=True)
                except httpx.HTTPError as exc:
                    slot.release()
                    record.last_failure = type(exc).__name__
                    if deadline_timeout(exc, deadline):
                        raise self._expired(record, deadline, "waiting for DeepInfra") from exc
                    plan = plan_retry(
                        policy, attempt=attempt, method=method, error=exc,
                        remaining_s=deadline.remaining(), rand=shared.rand,
                    )  # fmt: skip
                    if not plan.retry:
                        self._stop(error_from_transport(exc, label=label), plan, record, deadline, exc)
                    reason, waited = f"{type(exc).__name__} ({plan.reason}): {exc}", None
                else:
                    if response.is_success:
                        if limiter is not None:
                            limiter.on_success()
                        return response, slot, record
                    failed = await self._failed(response, slot, record, attempt, method, deadline)
                    plan, reason, waited = failed
            except BaseException:
                slot.release()  # a cancelled or failed attempt never keeps its slot
                raise
            counters["retries"] += 1
            counters[f"retry:{plan.reason}"] += 1
            record.retries.append(plan.reason)
            of = policy.max_retries + 1
            log_retry(method, to.path, record.model, attempt + 2, of, plan, waited, reason)
            await shared.sleep(plan.delay_s)
            attempt += 1

    def _stop(
        self, error: DeepInfraError, plan: RetryPlan, record: CallRecord, deadline: Deadline,
        cause: BaseException | None,
    ) -> None:  # fmt: skip
        """Raise for a failure that is not retried. A retryable one the deadline leaves no room to
        retry is `DeadlineExceededError` once time is up; while time is left it keeps its own type
        (a caller may fall back on a RateLimitError) and its hint says why it was not retried."""
        if plan.stopped_by_deadline:
            if deadline.expired:
                raise self._expired(record, deadline, "retrying") from error
            why = f"not retried after {record.attempts} attempt(s) in {deadline.elapsed():.1f} s"
            why = f"{why}: {plan.reason}"
            error.hint = excerpt(f"{error.hint} ({why})" if error.hint else why, 1000)
        if cause is None:
            raise error
        raise error from cause

    async def _failed(
        self, response: Response, slot: Slot, record: CallRecord, at: int, method: str,
        deadline: Deadline,
    ) -> tuple[RetryPlan, str, float | None]:  # fmt: skip
        """Read a non-2xx answer, release the slot, adapt the window; raise unless retried."""
        try:
            body = await read_body(response, MAX_ERROR_BODY_BYTES, truncate=True)
        except httpx.HTTPError:
            body = b""
        finally:
            await response.aclose()
        slot.release()
        status, shared = response.status_code, self.shared
        error = error_from_response(status, response.headers, body, label=record.label)
        busy = isinstance(error, ModelBusyError)
        record.last_failure = f"HTTP {status}" + (
            " (model busy)" if busy else " (rate limited)" if status == 429 else ""
        )
        waited = retry_after(response.headers, now=shared.clock())
        plan = plan_retry(
            self.options.retry, attempt=at, method=method, status=status, model_busy=busy,
            retry_after=waited, remaining_s=deadline.remaining(), rand=shared.rand,
        )  # fmt: skip
        if status == 429:
            shared.limits.counters["model_busy" if busy else "rate_limited"] += 1
        if plan.shrink_window and shared.fleet is not None and record.model:
            shared.fleet.on_rate_limited(record.model)  # the fleet's window, not only this process's
        if plan.shrink_window and slot.limiter is not None and slot.limiter.on_rate_limited():
            logger.debug(
                "DeepInfra rate limited model %s: in-flight window now %d of %d",
                record.model, slot.limiter.window, slot.limiter.capacity,
            )  # fmt: skip
        if not plan.retry:
            if retryable_status(status):
                logger.debug("not retrying %s after HTTP %d: %s", record.label, status, plan.reason)
            self._stop(error, plan, record, deadline, None)
        reason = f"HTTP {status} ({plan.reason}): {excerpt(error.message, 160) or response.reason_phrase}"
        return plan, reason, waited


def _content(json: Any, data: Any, files: Any, params: Mapping[str, str] | None) -> dict[str, Any]:
    content: dict[str, Any] = {"params": params} if params is not None else {}
    if json is not None:
        content["json"] = json
    if data is not None:
        content["data"] = data
    if files is not None:
        content["files"] = files
    return content


_Call = tuple[str, str, dict[str, str], str | None, str | None, dict[str, Any]]
"""One request: method, URL, headers, label, model, content."""
S = TypeVar("S", SSEStream, ByteStream)


class OpenStream(Generic[S]):
    """`async with http.stream_sse(...) as events` / `http.stream_bytes(...) as stream`: the request
    is sent on entry, by the attempt loop; the connection and model slot are given back on exit or
    `aclose()`, however the block is left. A class, not an `asynccontextmanager` generator: the
    surfaces consume it inside their own generators (`transport.lease` says what goes wrong then)."""

    __slots__ = ("_call", "_http", "_lease", "_open", "_stream")

    def __init__(
        self, http: DeepInfraHttp, call: _Call, open_: Callable[[Response, str | None], Awaitable[S]]
    ) -> None:
        self._http = http
        self._call: _Call | None = call
        self._open: Callable[[Response, str | None], Awaitable[S]] = open_
        self._lease: ResponseLease | None = None
        self._stream: S | None = None

    async def __aenter__(self) -> S:
        http, call, self._call = self._http, self._call, None
        if call is None:
            raise RuntimeError("a stream can be entered only once")
        method, url, headers, label, model, content = call
        deadline = http.options.deadline or http.deadline()
        response, slot, _record = await http._send(method, url, headers, label, model, deadline, content)
        try:
            self._stream = stream = await self._open(response, label)
        except BaseException:
            slot.release()
            raise
        self._lease = ResponseLease(response, slot)
        return stream

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose(completed=exc_type is None)

    async def aclose(self, *, completed: bool = False) -> None:
        """Give the connection back: kept for reuse after a complete stream, closed otherwise."""
        lease, stream = self._lease, self._stream
        if lease is None or lease.closed or stream is None:
            return
        try:
            await stream.finish(completed=completed)
        finally:
            await lease.aclose()


OpenSSE = OpenStream[SSEStream]
OpenBytes = OpenStream[ByteStream]
