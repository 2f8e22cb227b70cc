"""`DeepInfraHttp`, the only object in the plugin that sends requests, and its attempt loop.

A request's path: the surface -> `request_json` / `stream_sse` (headers, the attempt loop, the
body read: this module) -> the pooled httpx client -> `transport.aiohttp_transport` -> the socket.
Decisions on the way are lookups: `transport.retry` (what is repeated, how long to wait),
`transport.errors` (failures into the error tree), `transport.limits` (model slot, connection
permit), `transport.deadline`. The runtime owns one client; what a call may change is a frozen
`RequestOptions`, and `with_options(...)` returns a cheap view on the same pool, limits and hooks
(openai-python's spelling).

Every call has one `Deadline` (the options', else one from the settings): queueing for a model
slot, attempts (each httpx timeout cut to the time left), backoff sleeps and the body read share
it. A call with `model=` holds one of that model's slots while an attempt is in flight and, on
success, until its body is read or its stream closes; the slot is given back during a backoff
sleep and the retry queues ahead of newcomers. For a stream the deadline bounds everything up to
the first byte; after that each read waits at most the read timeout it was opened with.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json as jsonlib
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from openclaw_deepinfra.errors import (
    DeadlineExceededError,
    DeepInfraError,
    MalformedResponseError,
    ModelBusyError,
    excerpt,
)
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.transport.deadline import DEFAULT_DEADLINE_S, CallRecord, Deadline, deadline_timeout
from openclaw_deepinfra.transport.direct import Attempts
from openclaw_deepinfra.transport.errors import (
    DEFAULT_LABEL,
    error_from_response,
    error_from_transport,
    request_id_from,
)
from openclaw_deepinfra.transport.limits import ModelLimits, Slot, admit, fleet_gate
from openclaw_deepinfra.transport.options import (
    DEFAULT_MAX_BODY_BYTES,
    RequestOptions,
    Shared,
    request_headers,
)
from openclaw_deepinfra.transport.pool import ClientPool
from openclaw_deepinfra.transport.responses import (
    MAX_ERROR_BODY_BYTES,
    BodyTooLarge,
    BytesResponse,
    JsonResponse,
    Response,
    read_body,
)
from openclaw_deepinfra.transport.retry import (
    RetryKind,
    RetryPlan,
    RetryPolicy,
    log_retry,
    plan_retry,
    retry_after,
    retryable_status,
)
from openclaw_deepinfra.transport.streaming import OpenBytes, OpenSSE

if TYPE_CHECKING:
    from openclaw_deepinfra.settings import ApiKey, Settings

__all__ = ["DeepInfraHttp"]

logger = get_logger(__name__)


class DeepInfraHttp:
    """Sends JSON, bytes and SSE requests with its `options`, through a shared `ClientPool`."""

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
        self.shared = Shared(pool, limits, fleet_gate(pool, settings), sleep, rand, clock, monotonic)
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
    ) -> DeepInfraHttp:
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
        view = object.__new__(DeepInfraHttp)
        view.shared = self.shared
        view.options = RequestOptions(
            old.base_url if base_url is None else base_url.rstrip("/"),
            old.api_key if api_key is None else api_key,
            old.headers,
            old.max_body_bytes if max_body_bytes is None else max_body_bytes,
            retry,
            old.deadline if deadline is None else deadline,
            old.timeout_s,
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
        """`async with` it: POST `json` and iterate its events. Errors before the first byte are
        mapped (and retried). With `model`, the model slot is held until the stream is closed."""
        opener = self._opener("POST", path, "text/event-stream", headers, label, model, {"json": json})
        return OpenSSE(opener, label)

    def stream_bytes(
        self, method: str, path: str, *, json: Any = None, data: Mapping[str, Any] | None = None,
        files: Any = None, headers: Mapping[str, str] | None = None, label: str | None = None,
        model: str | None = None,
    ) -> OpenBytes:  # fmt: skip
        """`async with` it: send a request and read its body as it arrives (synthesized audio).
        Errors before the first byte are mapped and retried like any request; a failure after it
        is mapped but never retried (the request was processed). The connection is closed on exit."""
        content = _content(json, data, files, None)
        return OpenBytes(self._opener(method, path, "*/*", headers, label, model, content), label)

    def _opener(
        self, method: str, path: str, accept: str, headers: Mapping[str, str] | None, label: str | None,
        model: str | None, content: dict[str, Any],
    ) -> Callable[[], Awaitable[tuple[Response, Slot]]]:  # fmt: skip
        url = self.url(path)
        sent = request_headers(self.options, url, authenticated=True, accept=accept, extra=headers)

        async def send() -> tuple[Response, Slot]:
            deadline = self.options.deadline or self.deadline()
            response, slot, _record = await self._send(method, url, sent, label, model, deadline, content)
            return response, slot

        return send

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
        attempts = Attempts(pool.client(base_url), method, url, headers, content)
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
                    response = await attempts.send(timeouts)
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
            log_retry(method, attempts.path, record.model, attempt + 2, of, plan, waited, reason)
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
