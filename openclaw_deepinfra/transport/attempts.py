"""The attempt loop behind `DeepInfraHttp`: send, classify the failure, back off, try again.

`Attempts.send` is the only place a request is retried. It returns the first 2xx response still
unread, with the model slot (`transport.limits`) that response holds; every failure path gives the
slot back before raising or sleeping, so a backoff never occupies a slot and the retry queues ahead
of newcomers. Each attempt's httpx timeouts are cut to what is left of the call's `Deadline`; a
timeout (or a retry the deadline has no room for) that is really the deadline's surfaces as
`DeadlineExceededError`, anything else keeps its own error type.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx

from openclaw_deepinfra.errors import DeadlineExceededError, DeepInfraError, ModelBusyError, excerpt
from openclaw_deepinfra.redact import get_logger, redact
from openclaw_deepinfra.transport.admission import ConnectionGate
from openclaw_deepinfra.transport.deadline import CallRecord, Deadline
from openclaw_deepinfra.transport.errors import DEFAULT_LABEL, error_from_response, error_from_transport
from openclaw_deepinfra.transport.limits import FairLimiter, ModelLimits
from openclaw_deepinfra.transport.pool import ClientPool, timeout_from_seconds
from openclaw_deepinfra.transport.responses import MAX_ERROR_BODY_BYTES, read_body
from openclaw_deepinfra.transport.retry import (
    RetryPlan,
    RetryPolicy,
    parse_retry_after,
    plan_retry,
    retryable_status,
)

if TYPE_CHECKING:
    from openclaw_deepinfra.settings import Settings
    from openclaw_deepinfra.transport.fleet_admission import AdmissionGate

__all__ = ["DEADLINE_SLACK_S", "Attempts", "Slot", "deadline_timeout"]

logger = get_logger("openclaw_deepinfra.transport.client")  # one logger name for the whole client

# A retry wait this long (or longer) is announced: shorter ones pass unnoticed anyway.
LONG_WAIT_S = 2.0
# An httpx timeout that fires with this little (or less) of the deadline left is the deadline's.
DEADLINE_SLACK_S = 0.05


def deadline_timeout(exc: BaseException, deadline: Deadline) -> bool:
    """`exc` is an httpx timeout that fired because the call's deadline ran out."""
    return isinstance(exc, httpx.TimeoutException) and deadline.remaining() <= DEADLINE_SLACK_S


class Slot:
    """One call's hold on a model slot and a connection permit; `release()` is idempotent."""

    __slots__ = ("admitted", "fleet", "gate", "held", "limiter", "model")

    def __init__(
        self, limiter: FairLimiter | None, gate: ConnectionGate | None = None, model: str | None = None
    ) -> None:
        self.limiter = limiter
        self.gate = gate
        self.held = False
        self.admitted = False
        self.model = model
        self.fleet: AdmissionGate | None = None  # fleet mode: set while a fleet slot is held

    def release(self) -> None:
        if self.admitted and self.gate is not None:
            self.admitted = False
            self.gate.release()
        if self.held and self.limiter is not None:
            self.held = False
            fleet, self.fleet = self.fleet, None
            if fleet is not None and self.model is not None:
                fleet.release(self.model)
            self.limiter.release()


class Attempts:
    """Sends one call's attempts for a `DeepInfraHttp` and decides, per failure, whether to retry."""

    def __init__(
        self,
        settings: Settings,
        pool: ClientPool,
        model_limits: ModelLimits,
        *,
        sleep: Callable[[float], Awaitable[None]],
        rand: Callable[[], float],
        clock: Callable[[], float],
        fleet: AdmissionGate | None = None,
    ) -> None:
        self.settings = settings
        self.fleet = fleet  # fleet mode: asked after the local model slot, before sending
        self.pool = pool
        self.model_limits = model_limits
        self._sleep = sleep
        self._rand = rand
        self._clock = clock  # wall clock: Retry-After may be an HTTP date

    def expired(self, record: CallRecord, deadline: Deadline, during: str) -> DeadlineExceededError:
        """The error for a call whose deadline ran out `during` a step, counted once."""
        self.model_limits.counters["deadline_exceeded"] += 1
        return record.expired(deadline, during=during)

    async def send(
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
    ) -> tuple[httpx.Response, Slot, CallRecord]:
        """The response to the first attempt that got a 2xx, with the model slot it holds.

        Retries happen only in here; the slot is released here on every failure and by the caller
        once the successful response is consumed.
        """
        client = self.pool.client(self.settings.base_url)
        record = CallRecord(label or DEFAULT_LABEL, model)
        gate = self.pool.gate(self.settings.base_url)
        limiter = self.model_limits.limiter(model) if model else None
        if model and limiter is not None:
            gate.add_model(model, limiter.capacity)
        slot = Slot(limiter, gate, model)
        counters = self.model_limits.counters
        counters["requests"] += 1
        attempt = 0
        while True:
            await self._acquire(slot, deadline, record, front=attempt > 0)
            try:
                if deadline.expired:
                    raise self.expired(record, deadline, "retrying")
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
                    if deadline_timeout(exc, deadline):
                        raise self.expired(record, deadline, "waiting for DeepInfra") from exc
                    plan = plan_retry(
                        policy, attempt=attempt, method=method, error=exc,
                        remaining_s=deadline.remaining(), rand=self._rand,
                    )  # fmt: skip
                    if not plan.retry:
                        failure = error_from_transport(exc, label=label)
                        if plan.stopped_by_deadline and self._stopped(failure, record, deadline, plan):
                            raise self.expired(record, deadline, "retrying") from failure
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

    async def _acquire(self, slot: Slot, deadline: Deadline, record: CallRecord, *, front: bool) -> None:
        """The model slot, then a connection permit: queueing for either spends only the deadline
        (never a connect timeout, never a retry); a retry queues ahead of newcomers for both."""
        limiter = slot.limiter
        if limiter is not None:
            if not limiter.try_acquire():
                record.queued_behind = limiter.in_flight + limiter.waiting
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
            if self.fleet is not None and slot.model is not None:
                await self._admit_fleet(self.fleet, slot, slot.model, deadline, record, front=front)
        gate = slot.gate
        if gate is None:
            return
        if not gate.try_acquire():
            record.pool_queued_behind = gate.in_use + gate.waiting
            record.pool_cap = gate.capacity
            started = deadline.clock()
            self.model_limits.counters["pool_queued"] += 1
            try:
                async with asyncio.timeout(max(deadline.remaining(), 0.0)):
                    await gate.acquire(front=front)
            except TimeoutError:
                record.pool_wait_s += deadline.clock() - started
                slot.release()
                self.model_limits.counters["deadline_exceeded"] += 1
                raise record.expired(deadline, during="connection") from None
            except BaseException:
                slot.release()
                raise
            record.pool_wait_s += deadline.clock() - started
        slot.admitted = True

    async def _admit_fleet(
        self,
        fleet: AdmissionGate,
        slot: Slot,
        model: str,
        deadline: Deadline,
        record: CallRecord,
        *,
        front: bool,
    ) -> None:
        """The fleet slot, taken while holding the local one; on failure the local one goes back."""
        started = deadline.clock()
        try:
            await fleet.admit(model, deadline.remaining(), front=front)
        except TimeoutError:
            slot.release()
            record.slot_wait_s += deadline.clock() - started
            self.model_limits.counters["deadline_exceeded"] += 1
            raise record.expired(deadline, during="model slot") from None
        except BaseException:
            slot.release()
            raise
        record.slot_wait_s += deadline.clock() - started
        slot.fleet = fleet

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

    async def _failed(
        self,
        response: httpx.Response,
        slot: Slot,
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
        if plan.shrink_window and self.fleet is not None and record.model:
            self.fleet.on_rate_limited(record.model)  # the fleet's window, not only this process's
        if plan.shrink_window and slot.limiter is not None and slot.limiter.on_rate_limited():
            logger.debug(
                "DeepInfra rate limited model %s: in-flight window now %d of %d",
                record.model, slot.limiter.window, slot.limiter.capacity,
            )  # fmt: skip
        if not plan.retry:
            if plan.stopped_by_deadline and self._stopped(error, record, deadline, plan):
                raise self.expired(record, deadline, "retrying") from error
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
        if plan.delay_s >= LONG_WAIT_S:
            # A long pause is otherwise silent: say what is awaited and for how long.
            logger.warning(
                "waiting %.0f s for DeepInfra (%s%s) before attempt %d of %d of %s %s",
                plan.delay_s,
                plan.reason,
                f", Retry-After {retry_after:g} s" if retry_after is not None else "",
                attempt + 2,
                policy.max_retries + 1,
                request.method,
                request.url.path,
            )
        await self._sleep(plan.delay_s)
