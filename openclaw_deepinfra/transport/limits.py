"""Admission: a call's model slot, the fleet's slot (fleet mode) and a connection permit.

* `FairLimiter`, one per model (`ModelLimits`): at most N requests in flight per model. DeepInfra
  allows 200 concurrent requests per model per account; going past that only earns 429s. Its
  window adapts AIMD-style: an account-level "Rate limited" 429 halves it (floor 1, at most once
  per `decrease_interval_s` so one burst of 429s is one decrease), each success adds
  `recovery_per_success` back up to the capacity. "Model busy" 429s do not touch the window.
* `ConnectionGate`, one per base URL (`ClientPool.gate`): first come first served across models
  (issue 16). Its capacity is the sum of the per-model limits of the models the process has used
  (plus `MODELLESS_HEADROOM` for calls without a model: catalog, job polls, downloads), capped by
  the pool size: the per-model limiters already bound the in-flight sum, so the gate only queues
  when that sum exceeds the cap. The connector under it is sized a little above the gate, so it
  never queues itself (aiohttp's queue is not FIFO, and its wait counted as a connect timeout).

Both hand permits over strictly FIFO (`_Fifo`: asyncio.Semaphore can let a newcomer overtake a
woken waiter, and a waiter cancelled just after being woken can strand a permit); a retry queues
ahead of newcomers (`front=True`). `admit` takes them in order for one attempt; time queued
counts against the call's deadline, never as a connect timeout, and never spends a retry.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Protocol

from openclaw_deepinfra.transport.deadline import CallRecord, Deadline

DEFAULT_MAX_CONCURRENT_PER_MODEL = 200
MODELLESS_HEADROOM = 16
_MAX_IDLE_LIMITERS = 1024  # model ids are caller input: forget idle limiters past this many


class _Fifo:
    """A FIFO counting semaphore over `in_use` and `_limit()`; `front=True` goes ahead of newcomers."""

    def __init__(self) -> None:
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.in_use = 0
        self.granted = 0
        self.queued_total = 0  # calls that had to wait at all

    def _limit(self) -> int:
        raise NotImplementedError

    @property
    def waiting(self) -> int:
        return sum(1 for fut in self._waiters if not fut.done())

    def try_acquire(self) -> bool:
        """Take a permit now if one is free and nobody is queued; never waits."""
        if not self._waiters and self.in_use < self._limit():
            self.in_use += 1
            self.granted += 1
            return True
        return False

    async def acquire(self, *, front: bool = False) -> None:
        if self.try_acquire():
            return
        self.queued_total += 1
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if front:
            self._waiters.appendleft(fut)
        else:
            self._waiters.append(fut)
        self._wake()  # cancelled waiters not yet removed must not hold up a free permit
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # handed over just as we were cancelled: pass it on
            else:
                with suppress(ValueError):
                    self._waiters.remove(fut)
                self._wake()
            raise

    def release(self) -> None:
        if self.in_use <= 0:
            raise RuntimeError(f"{type(self).__name__}.release() called more times than acquire()")
        self.in_use -= 1
        if self._waiters:  # nobody queued (the common case): nothing to hand over
            self._wake()

    def _wake(self) -> None:
        limit = self._limit()
        while self._waiters and self.in_use < limit:
            fut = self._waiters.popleft()
            if fut.done():  # cancelled while queued; its own task finishes the cleanup
                continue
            self.in_use += 1
            self.granted += 1
            fut.set_result(None)


@dataclass(frozen=True)
class LimiterStats:
    capacity: int
    window: int
    in_flight: int
    waiting: int
    granted: int
    shrinks: int


class FairLimiter(_Fifo):
    """A FIFO counting limiter whose window shrinks on rate limits and recovers on successes."""

    def __init__(
        self,
        capacity: int,
        *,
        floor: int = 1,
        recovery_per_success: float = 1.0,
        decrease_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1 or not 1 <= floor <= capacity:
            raise ValueError("capacity must be >= 1 and floor between 1 and capacity")
        super().__init__()
        self.capacity = capacity
        self.floor = floor
        self.recovery_per_success = recovery_per_success
        self.decrease_interval_s = decrease_interval_s
        self._clock = clock
        self._window = float(capacity)
        self._last_decrease: float | None = None
        self.shrinks = 0

    def _limit(self) -> int:
        return self.window

    @property
    def window(self) -> int:
        return max(self.floor, int(self._window))

    @property
    def idle(self) -> bool:
        return self.in_use == 0 and not self._waiters and self.window == self.capacity

    def stats(self) -> LimiterStats:
        return LimiterStats(self.capacity, self.window, self.in_use, self.waiting, self.granted, self.shrinks)

    def on_success(self) -> None:
        if self._window < self.capacity:
            self._window = min(float(self.capacity), self._window + self.recovery_per_success)
            self._wake()

    def on_rate_limited(self) -> bool:
        """Halve the window (multiplicative decrease); False if a decrease happened just now."""
        now = self._clock()
        if self._last_decrease is not None and now - self._last_decrease < self.decrease_interval_s:
            return False
        self._last_decrease = now
        self._window = max(float(self.floor), self._window / 2.0)
        self.shrinks += 1
        return True


class ModelLimits:
    """One `FairLimiter` per model id, created on first use, plus transport counters. One per
    `ClientPool` (so one per gateway process): the pool owns it."""

    def __init__(
        self, capacity: int = DEFAULT_MAX_CONCURRENT_PER_MODEL, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if capacity < 1:
            raise ValueError("the per-model concurrency limit must be >= 1")
        self.capacity = capacity
        self._clock = clock
        self._limiters: dict[str, FairLimiter] = {}
        # Counters by event: "requests", "attempts", "retries", "retry:<reason>", "rate_limited",
        # "model_busy", "deadline_exceeded", "pool_queued". Read by tests and the load / fault suites.
        self.counters: Counter[str] = Counter()

    def limiter(self, model: str) -> FairLimiter:
        found = self._limiters.get(model)
        if found is None:
            if len(self._limiters) >= _MAX_IDLE_LIMITERS:
                for key in [k for k, lim in self._limiters.items() if lim.idle]:
                    del self._limiters[key]
            found = FairLimiter(self.capacity, clock=self._clock)
            self._limiters[model] = found
        return found

    def snapshot(self) -> dict[str, LimiterStats]:
        return {model: lim.stats() for model, lim in self._limiters.items()}


@dataclass(frozen=True)
class GateStats:
    cap: int
    capacity: int
    in_use: int
    waiting: int
    granted: int
    queued_total: int


class ConnectionGate(_Fifo):
    """FIFO permits for one pool's connections, whatever the model."""

    def __init__(self, cap: int, *, headroom: int = MODELLESS_HEADROOM) -> None:
        if cap < 1:
            raise ValueError("a connection pool needs at least one connection")
        super().__init__()
        self.cap = cap
        self.capacity = min(cap, max(1, headroom))
        self._models: set[str] = set()

    def _limit(self) -> int:
        return self.capacity

    def add_model(self, model: str, limit: int) -> None:
        """Count a model's per-model limit into the capacity (once per model, up to the cap)."""
        if self.capacity >= self.cap or model in self._models:
            return
        self._models.add(model)
        self.capacity = min(self.cap, self.capacity + limit)
        self._wake()

    def stats(self) -> GateStats:
        return GateStats(self.cap, self.capacity, self.in_use, self.waiting, self.granted, self.queued_total)


class AdmissionGate(Protocol):
    """The fleet's slot (fleet mode, issue 15; `openclaw_deepinfra.fleet`, Redis), asked after the
    local model slot. Admission calls only this protocol; `ClientPool.fleet_gate` makes the gates."""

    async def admit(self, model: str, timeout_s: float, *, front: bool = False) -> None:
        """Take one slot of `model` within `timeout_s`, or raise TimeoutError."""

    def release(self, model: str) -> None:
        """Give one slot back; never raises, never waits."""

    def on_rate_limited(self, model: str) -> None:
        """DeepInfra answered "Rate limited" for `model`."""


class Slot:
    """One call's hold on a model slot, a fleet slot and a connection permit; `release()` is
    idempotent and gives back whatever is held."""

    __slots__ = ("admitted", "fleet", "gate", "held", "limiter", "model")

    def __init__(self, limiter: FairLimiter | None, gate: ConnectionGate | None, model: str | None) -> None:
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


async def _wait(
    acquire: Awaitable[None], slot: Slot, deadline: Deadline, record: CallRecord, counters: Counter[str],
    *, during: str,
) -> None:  # fmt: skip
    """Await `acquire` within the deadline, noting the wait in `record` (as a connection's or a model
    slot's, `during`); the slot goes back on failure."""
    started = deadline.clock()
    try:
        async with asyncio.timeout(max(deadline.remaining(), 0.0)):
            await acquire
        timed_out = False
    except TimeoutError:
        timed_out = True
    except BaseException:
        slot.release()
        raise
    waited = deadline.clock() - started
    if during == "connection":
        record.pool_wait_s += waited
    else:
        record.slot_wait_s += waited
    if timed_out:
        slot.release()
        counters["deadline_exceeded"] += 1
        raise record.expired(deadline, during=during)


async def admit(
    slot: Slot,
    deadline: Deadline,
    record: CallRecord,
    counters: Counter[str],
    fleet: AdmissionGate | None,
    *,
    front: bool,
) -> None:
    """The model slot, the fleet slot, then a connection permit, for one attempt."""
    limiter = slot.limiter
    if limiter is not None:
        if not limiter.try_acquire():
            record.queued_behind = limiter.in_use + limiter.waiting
            await _wait(limiter.acquire(front=front), slot, deadline, record, counters, during="model slot")
        slot.held = True
        if fleet is not None and slot.model is not None:
            admitted = fleet.admit(slot.model, deadline.remaining(), front=front)
            await _wait(admitted, slot, deadline, record, counters, during="model slot")
            slot.fleet = fleet
    gate = slot.gate
    if gate is None:
        return
    if not gate.try_acquire():
        record.pool_queued_behind = gate.in_use + gate.waiting
        record.pool_cap = gate.capacity
        counters["pool_queued"] += 1
        await _wait(gate.acquire(front=front), slot, deadline, record, counters, during="connection")
    slot.admitted = True
