"""Pooled httpx clients and `DeepInfraHttp`, the only object in the plugin that sends requests.

Every request goes through one attempt loop (`transport.attempts`, planned by `transport.retry`) and
one error boundary (`transport.errors`). Bodies are read under a byte cap. Streams are consumed
inside a context manager that returns the connection to the pool after a complete stream and closes
it otherwise (`transport.streaming`).

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
import json as jsonlib
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from openclaw_deepinfra.errors import MalformedResponseError, RequestValidationError, excerpt
from openclaw_deepinfra.transport.attempts import Attempts, deadline_timeout
from openclaw_deepinfra.transport.deadline import Deadline, resolve_budget
from openclaw_deepinfra.transport.errors import error_from_transport, request_id_from
from openclaw_deepinfra.transport.fleet_admission import fleet_gate
from openclaw_deepinfra.transport.lease import Releasable
from openclaw_deepinfra.transport.limits import ModelLimits, shared_limits
from openclaw_deepinfra.transport.pool import (
    ClientPool,
    user_agent,
)
from openclaw_deepinfra.transport.responses import (
    BodyTooLarge,
    BytesResponse,
    JsonResponse,
    read_body,
)
from openclaw_deepinfra.transport.retry import RetryPolicy
from openclaw_deepinfra.transport.streaming import (
    OpenBytes,
    OpenSSE,
)
from openclaw_deepinfra.urls import display, same_origin

if TYPE_CHECKING:
    from openclaw_deepinfra.settings import Settings

# The error-body cap and the drain limits now live with the code that uses them (`responses`,
# `streaming`); they are re-exported so imports from here keep working.
__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DeepInfraHttp",
]

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


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
        self._monotonic = monotonic  # deadlines
        self.max_body_bytes = max_body_bytes
        pool.configure(settings.max_connections)  # the first settings on a pool size it
        # Shared by every DeepInfraHttp on this pool, so the per-model limit is per process.
        self.model_limits = (
            model_limits
            if model_limits is not None
            else shared_limits(pool, settings.max_concurrent_per_model)
        )
        self.attempts = Attempts(
            settings,
            pool,
            self.model_limits,
            fleet=fleet_gate(pool, settings),
            # Looked up at each backoff, so replacing `_sleep` after construction still takes effect.
            sleep=lambda delay: self._sleep(delay),
            rand=rand,
            clock=clock,
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
        configured = self.settings.headers
        if configured is not None and configured.values:
            # Only on the origin they were configured for (never a CDN download, never another host).
            _merge(headers, configured.for_url(url))
        if extra:
            _merge(headers, extra)
        if authenticated:
            key = self.settings.require_key()
            # `url(path)` output starts with the base URL and a "/" (which ends the authority): same
            # origin without parsing two URLs per request; anything else is parsed and compared.
            base = self.settings.base_url
            if not url.startswith(f"{base}/") and not same_origin(url, base):
                raise RequestValidationError(
                    f"refusing to send the DeepInfra API key to {display(url)}",
                    hint="authenticated requests must go to the configured base URL's host",
                )
            headers["Authorization"] = f"Bearer {key.reveal()}"
        return headers

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
        response, slot, record = await self.attempts.send(
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
            raise self.attempts.expired(record, call_deadline, "reading the response body") from None
        except BodyTooLarge:
            raise MalformedResponseError(
                f"{label or 'DeepInfra response'} is larger than {self.max_body_bytes} bytes",
                status=response.status_code,
                request_id=request_id_from(response.headers),
            ) from None
        except httpx.HTTPError as exc:
            if deadline_timeout(exc, call_deadline):
                raise self.attempts.expired(record, call_deadline, "reading the response body") from exc
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

    def stream_sse(
        self,
        path: str,
        *,
        json: Any,
        timeout: float | None = None,
        label: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        model: str | None = None,
        deadline: Deadline | None = None,
    ) -> OpenSSE:
        """`async with` it: POST `json` and iterate its events. Errors before the first byte are
        mapped (and retried). With `model`, the model slot is held until the stream is closed."""
        url = self.url(path)
        request_headers = self._headers(url, authenticated=True, accept="text/event-stream", extra=headers)

        async def send() -> tuple[httpx.Response, Releasable]:
            response, slot, _record = await self.attempts.send(
                "POST", url, headers=request_headers, timeout_s=timeout, label=label,
                policy=retry_policy or self.retry, model=model,
                deadline=deadline if deadline is not None else self.deadline(timeout), json=json,
            )  # fmt: skip
            return response, slot

        return OpenSSE(send, label)

    def stream_bytes(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        label: str | None = None,
        retry_policy: RetryPolicy | None = None,
        model: str | None = None,
        deadline: Deadline | None = None,
    ) -> OpenBytes:
        """`async with` it: send a request and read its body as it arrives (synthesized audio).

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

        async def send() -> tuple[httpx.Response, Releasable]:
            response, slot, _record = await self.attempts.send(
                method, url, headers=request_headers, timeout_s=timeout, label=label,
                policy=retry_policy or self.retry, model=model,
                deadline=deadline if deadline is not None else self.deadline(timeout), **content,
            )  # fmt: skip
            return response, slot

        return OpenBytes(send, label)


def _merge(headers: dict[str, str], more: Mapping[str, str]) -> None:
    """`headers` updated by `more`, names compared case-insensitively (one `user-agent`, not two)."""
    for name, value in more.items():
        lowered = name.lower()
        for existing in [k for k in headers if k.lower() == lowered]:
            del headers[existing]
        headers[name] = value
