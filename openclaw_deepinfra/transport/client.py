"""Pooled httpx clients and `DeepInfraHttp`, the only object in the plugin that sends requests.

Every request goes through one retry loop (`transport.retry`) and one error boundary
(`transport.errors`). Bodies are read under a byte cap. Streams are consumed inside a context
manager that returns the connection to the pool after a complete stream and closes it otherwise.

Every call has one `Deadline` (given, or built from `timeout` / `settings.timeout_s`): queueing for
a model slot, attempts (each httpx timeout is cut to the time left), backoff sleeps and the body
read all share it. A call with `model=` holds one of that model's slots (`transport.limits`) while
an attempt is in flight and, on success, until its body is read or its stream closes; the slot is
given back during a backoff sleep and the retry queues ahead of newcomers. For a stream the
deadline bounds everything up to the first byte; after that each read waits at most the read
timeout the stream was opened with.
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

from openclaw_deepinfra.errors import (
    DeadlineExceededError,
    DeepInfraError,
    MalformedResponseError,
    ModelBusyError,
    RequestValidationError,
    excerpt,
)
from openclaw_deepinfra.transport.deadline import CallRecord, Deadline, resolve_budget
from openclaw_deepinfra.transport.errors import (
    DEFAULT_LABEL,
    error_from_response,
    error_from_stream_frame,
    error_from_transport,
    request_id_from,
)
from openclaw_deepinfra.transport.limits import FairLimiter, ModelLimits, shared_limits
from openclaw_deepinfra.transport.pool import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    ClientPool,
    timeout_from_seconds,
    user_agent,
)
from openclaw_deepinfra.transport.redact import get_logger, redact
from openclaw_deepinfra.transport.responses import BodyTooLarge, BytesResponse, JsonResponse, read_body
from openclaw_deepinfra.transport.retry import (
    RetryPlan,
    RetryPolicy,
    parse_retry_after,
    plan_retry,
    retryable_status,
)
from openclaw_deepinfra.transport.sse_stream import SSEStream

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
# An httpx timeout that fires with this little (or less) of the deadline left is the deadline's.
_DEADLINE_SLACK_S = 0.05


class _Slot:
    """One call's hold on a model slot; `release()` is idempotent."""

    __slots__ = ("held", "limiter")

    def __init__(self, limiter: FairLimiter | None) -> None:
        self.limiter = limiter
        self.held = False

    def release(self) -> None:
        if self.held and self.limiter is not None:
            self.held = False
            self.limiter.release()


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
        monotonic: Callable[[], float] = time.monotonic,
        model_limits: ModelLimits | None = None,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.retry = retry if retry is not None else RetryPolicy(max_retries=settings.max_retries)
        self._sleep = sleep
        self._rand = rand
        self._clock = clock  # wall clock: Retry-After may be an HTTP date
        self._monotonic = monotonic  # deadlines
        self.max_body_bytes = max_body_bytes
        # Shared by every DeepInfraHttp on this pool, so the per-model limit is per process.
        self.model_limits = (
            model_limits
            if model_limits is not None
            else shared_limits(pool, settings.max_concurrent_per_model)
        )

    def deadline(self, timeout: float | None = None) -> Deadline:
        """A new call deadline: `timeout` -> `settings.timeout_s` -> `DEFAULT_DEADLINE_S`."""
        return Deadline(
            resolve_budget(timeout_s=timeout, settings_s=self.settings.timeout_s), clock=self._monotonic
        )

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
            # `url(path)` output starts with the base URL and a "/" (which ends the authority): same
            # origin without parsing two URLs per request; anything else is parsed and compared.
            same_origin = url.startswith(f"{self.settings.base_url}/")
            base = httpx.URL(self.settings.base_url) if not same_origin else None
            target = httpx.URL(url) if not same_origin else None
            if base is not None and target is not None and (
                (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port)
            ):
                raise RequestValidationError(
                    f"refusing to send the DeepInfra API key to {target.scheme}://{target.host}",
                    hint="authenticated requests must go to the configured base URL's host",
                )
            headers["Authorization"] = f"Bearer {key.reveal()}"
        return headers

    def _attempt_timeout(self, timeout_s: float | None, deadline: Deadline) -> httpx.Timeout:
        """The configured per-attempt timeouts, each cut to what is left of the deadline."""
        seconds = timeout_s if timeout_s is not None else self.settings.timeout_s
        base = timeout_from_seconds(seconds, self.pool.timeout) if seconds is not None else self.pool.timeout
        left = deadline.clamp(None)

        def cut(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cut(base.connect), read=cut(base.read), write=cut(base.write), pool=cut(base.pool)
        )

    async def _acquire(self, slot: _Slot, deadline: Deadline, record: CallRecord, *, front: bool) -> None:
        limiter = slot.limiter
        if limiter is None:
            return
        if not limiter.try_acquire():
            started = deadline.clock()
            try:
                async with asyncio.timeout(max(deadline.remaining(), 0.0)):
                    await limiter.acquire(front=front)
            except TimeoutError:
                record.slot_wait_s += deadline.clock() - started
                self.model_limits.counters["deadline_exceeded"] += 1
                raise record.expired(deadline, during="model slot") from None
            record.slot_wait_s += deadline.clock() - started
        slot.held = True

    def _stopped(
        self, error: DeepInfraError, record: CallRecord, deadline: Deadline, plan: RetryPlan
    ) -> bool:
        """A retryable failure the deadline leaves no room to retry: True if time is already up
        (raise DeadlineExceededError from the failure). Otherwise the failure is raised itself,
        keeping its type (a caller may fall back on a RateLimitError), and its hint gains why it
        was not retried.
        """
        if deadline.expired:
            return True
        why = f"not retried after {record.attempts} attempt(s) in {deadline.elapsed():.1f} s: {plan.reason}"
        error.hint = excerpt(f"{error.hint} ({why})" if error.hint else why, 1000)
        return False

    def _expired(self, record: CallRecord, deadline: Deadline, during: str) -> DeadlineExceededError:
        self.model_limits.counters["deadline_exceeded"] += 1
        return record.expired(deadline, during=during)

    async def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        timeout_s: float | None,
        label: str | None,
        policy: RetryPolicy,
        model: str | None,
        deadline: Deadline,
        **content: Any,
    ) -> tuple[httpx.Response, _Slot, CallRecord]:
        """The response to the first attempt that got a 2xx, with the model slot it holds.

        Retries happen only in here; the slot is released here on every failure and by the caller
        once the successful response is consumed.
        """
        client = self.pool.client(self.settings.base_url)
        record = CallRecord(label or DEFAULT_LABEL, model)
        slot = _Slot(self.model_limits.limiter(model) if model else None)
        counters = self.model_limits.counters
        counters["requests"] += 1
        attempt = 0
        while True:
            await self._acquire(slot, deadline, record, front=attempt > 0)
            try:
                if deadline.expired:
                    raise self._expired(record, deadline, "retrying")
                request = client.build_request(
                    method,
                    url,
                    headers=headers,
                    timeout=self._attempt_timeout(timeout_s, deadline),
                    **content,
                )
                record.attempts += 1
                counters["attempts"] += 1
                try:
                    response = await client.send(request, stream=True)
                except httpx.HTTPError as exc:
                    slot.release()
                    record.last_failure = type(exc).__name__
                    if isinstance(exc, httpx.TimeoutException) and deadline.remaining() <= _DEADLINE_SLACK_S:
                        raise self._expired(record, deadline, "waiting for DeepInfra") from exc
                    plan = plan_retry(
                        policy, attempt=attempt, method=method, error=exc,
                        remaining_s=deadline.remaining(), rand=self._rand,
                    )  # fmt: skip
                    if not plan.retry:
                        failure = error_from_transport(exc, label=label)
                        if plan.stopped_by_deadline and self._stopped(failure, record, deadline, plan):
                            raise self._expired(record, deadline, "retrying") from failure
                        raise failure from exc
                    reason = f"{type(exc).__name__} ({plan.reason}): {exc}"
                    retry_after = None
                else:
                    if response.is_success:
                        if slot.limiter is not None:
                            slot.limiter.on_success()
                        return response, slot, record
                    plan, reason, retry_after = await self._failed(
                        response, slot, record, policy, attempt, method, deadline, label
                    )
            except BaseException:
                slot.release()  # a cancelled or failed attempt never keeps its slot
                raise
            await self._backoff(policy, attempt, request, reason, plan, record, retry_after)
            attempt += 1

    async def _failed(
        self,
        response: httpx.Response,
        slot: _Slot,
        record: CallRecord,
        policy: RetryPolicy,
        attempt: int,
        method: str,
        deadline: Deadline,
        label: str | None,
    ) -> tuple[RetryPlan, str, float | None]:
        """Read a non-2xx answer, release the slot, adapt the window; raise unless retried."""
        try:
            body = await read_body(response, MAX_ERROR_BODY_BYTES, truncate=True)
        except httpx.HTTPError:
            body = b""
        finally:
            await response.aclose()
        slot.release()
        status = response.status_code
        error = error_from_response(status, response.headers, body, label=label)
        busy = isinstance(error, ModelBusyError)
        record.last_failure = f"HTTP {status}" + (
            " (model busy)" if busy else " (rate limited)" if status == 429 else ""
        )
        retry_after = self._retry_after(response.headers)
        plan = plan_retry(
            policy, attempt=attempt, method=method, status=status, model_busy=busy,
            retry_after=retry_after, remaining_s=deadline.remaining(), rand=self._rand,
        )  # fmt: skip
        if status == 429:
            self.model_limits.counters["model_busy" if busy else "rate_limited"] += 1
        if plan.shrink_window and slot.limiter is not None and slot.limiter.on_rate_limited():
            logger.debug(
                "DeepInfra rate limited model %s: in-flight window now %d of %d",
                record.model, slot.limiter.window, slot.limiter.capacity,
            )  # fmt: skip
        if not plan.retry:
            if plan.stopped_by_deadline and self._stopped(error, record, deadline, plan):
                raise self._expired(record, deadline, "retrying") from error
            if retryable_status(status):
                logger.debug("not retrying %s after HTTP %d: %s", record.label, status, plan.reason)
            raise error
        reason = f"HTTP {status} ({plan.reason}): {excerpt(error.message, 160) or response.reason_phrase}"
        return plan, reason, retry_after

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
        plan: RetryPlan,
        record: CallRecord,
        retry_after: float | None,
    ) -> None:
        counters = self.model_limits.counters
        counters["retries"] += 1
        counters[f"retry:{plan.reason}"] += 1
        record.retries.append(plan.reason)
        logger.debug(
            "retrying %s %s%s (attempt %d of %d) in %.2fs%s: %s",
            request.method,
            request.url.path,
            f" for model {record.model}" if record.model else "",
            attempt + 2,
            policy.max_retries + 1,
            plan.delay_s,
            f" (Retry-After {retry_after:g}s)" if retry_after is not None else "",
            redact(reason),
        )
        await self._sleep(plan.delay_s)

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
        model: str | None,
        deadline: Deadline | None,
    ) -> tuple[httpx.Response, bytes]:
        url = self.url(path)
        call_deadline = deadline if deadline is not None else self.deadline(timeout_s)
        request_headers = self._headers(url, authenticated=authenticated, accept=accept, extra=headers)
        content: dict[str, Any] = {"params": params}
        if json is not None:
            content["json"] = json
        if data is not None:
            content["data"] = data
        if files is not None:
            content["files"] = files
        response, slot, record = await self._send(
            method,
            url,
            headers=request_headers,
            timeout_s=timeout_s,
            label=label,
            policy=retry_policy or self.retry,
            model=model,
            deadline=call_deadline,
            **content,
        )
        try:
            async with asyncio.timeout(max(call_deadline.remaining(), 0.0)):
                body = await read_body(response, self.max_body_bytes)
        except TimeoutError:
            raise self._expired(record, call_deadline, "reading the response body") from None
        except BodyTooLarge:
            raise MalformedResponseError(
                f"{label or 'DeepInfra response'} is larger than {self.max_body_bytes} bytes",
                status=response.status_code,
                request_id=request_id_from(response.headers),
            ) from None
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.TimeoutException) and call_deadline.remaining() <= _DEADLINE_SLACK_S:
                raise self._expired(record, call_deadline, "reading the response body") from exc
            raise error_from_transport(exc, label=label) from exc
        finally:
            try:
                await response.aclose()
            finally:
                slot.release()
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
        model: str | None = None,
        deadline: Deadline | None = None,
    ) -> JsonResponse:
        """`model` holds one of that model's slots for the call; `deadline` bounds the whole call
        (default: `timeout`, else settings, else `DEFAULT_DEADLINE_S`); `timeout` is per attempt."""
        response, body = await self._fetch(
            method, path, accept="application/json", json=json, params=params, data=data, files=files,
            headers=headers, authenticated=authenticated, timeout_s=timeout, label=label,
            retry_policy=retry_policy, model=model, deadline=deadline,
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
        model: str | None = None,
        deadline: Deadline | None = None,
    ) -> BytesResponse:
        response, body = await self._fetch(
            method, path, accept="*/*", json=json, params=params, data=data, files=files,
            headers=headers, authenticated=authenticated, timeout_s=timeout, label=label,
            retry_policy=retry_policy, model=model, deadline=deadline,
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
        model: str | None = None,
        deadline: Deadline | None = None,
    ) -> AsyncIterator[SSEStream]:
        """POST `json` and yield its events. Errors before the first byte are mapped (and retried).

        With `model`, the model slot is held until the stream is closed."""
        url = self.url(path)
        request_headers = self._headers(url, authenticated=True, accept="text/event-stream", extra=headers)
        response, slot, _record = await self._send(
            "POST", url, headers=request_headers, timeout_s=timeout, label=label,
            policy=retry_policy or self.retry, model=model,
            deadline=deadline if deadline is not None else self.deadline(timeout), json=json,
        )  # fmt: skip
        try:
            if "application/json" in response.headers.get("content-type", "").lower():
                await self._reject_json_stream(response, label)
        except BaseException:
            slot.release()
            raise
        events = SSEStream(response, label)
        completed = False
        try:
            yield events
            completed = True
        finally:
            try:
                await self._finish_stream(response, events, drain=completed and events.saw_done)
            finally:
                slot.release()

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
        model: str | None = None,
        deadline: Deadline | None = None,
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
        response, slot, _record = await self._send(
            method, url, headers=request_headers, timeout_s=timeout, label=label,
            policy=retry_policy or self.retry, model=model,
            deadline=deadline if deadline is not None else self.deadline(timeout), **content,
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
                try:
                    await response.aclose()
                finally:
                    slot.release()

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

    async def _finish_stream(self, response: httpx.Response, events: SSEStream, *, drain: bool) -> None:
        """Return the connection to the pool after a complete stream; close it otherwise."""
        try:
            if drain and not events.exhausted:
                received = 0
                with contextlib.suppress(httpx.HTTPError, TimeoutError):
                    async with asyncio.timeout(DRAIN_TIMEOUT_S):
                        while received <= DRAIN_MAX_BYTES:
                            chunk = await events.read_raw()
                            if not chunk:
                                break
                            received += len(chunk)
        finally:
            try:
                with contextlib.suppress(httpx.HTTPError, RuntimeError):
                    await events.aclose()
            finally:
                await response.aclose()
