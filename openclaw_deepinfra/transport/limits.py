"""Per-model concurrency guard: at most N requests in flight per model, admitted strictly FIFO.

DeepInfra allows 200 concurrent requests per model per account; going past that only earns
429s. `FairLimiter` hands slots over in arrival order (asyncio.Semaphore can let a newcomer
overtake a woken waiter, and a waiter cancelled just after being woken can strand a slot), and
its window adapts AIMD-style: an account-level "Rate limited" 429 halves it (floor 1, at most once
per `decrease_interval_s` so one burst of 429s is one decrease), each success adds
`recovery_per_success` back up to the capacity. "Model busy" 429s do not touch the window.

`ModelLimits` keeps one limiter per model id and the counters tests and operators read
(`snapshot()`); `shared_limits(pool)` gives every `DeepInfraHttp` on one `ClientPool` (one per
runtime, so one per gateway process) the same instance.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

__all__ = [
    "DEFAULT_MAX_CONCURRENT_PER_MODEL",
    "FairLimiter",
    "LimiterStats",
    "ModelLimits",
    "shared_limits",
]

DEFAULT_MAX_CONCURRENT_PER_MODEL = 200
_MAX_IDLE_LIMITERS = 1024  # model ids are caller input: forget idle limiters past this many


@dataclass(frozen=True)
class LimiterStats:
    capacity: int
    window: int
    in_flight: int
    waiting: int
    granted: int
    shrinks: int


class FairLimiter:
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
        self.capacity = capacity
        self.floor = floor
        self.recovery_per_success = recovery_per_success
        self.decrease_interval_s = decrease_interval_s
        self._clock = clock
        self._window = float(capacity)
        self._last_decrease: float | None = None
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.in_flight = 0
        self.granted = 0
        self.shrinks = 0

    @property
    def window(self) -> int:
        return max(self.floor, int(self._window))

    @property
    def waiting(self) -> int:
        return sum(1 for fut in self._waiters if not fut.done())

    @property
    def idle(self) -> bool:
        return self.in_flight == 0 and not self._waiters and self.window == self.capacity

    def stats(self) -> LimiterStats:
        return LimiterStats(
            self.capacity, self.window, self.in_flight, self.waiting, self.granted, self.shrinks
        )

    def try_acquire(self) -> bool:
        """Take a slot now if one is free and nobody is queued; never waits."""
        if not self._waiters and self.in_flight < self.window:
            self._take()
            return True
        return False

    async def acquire(self, *, front: bool = False) -> None:
        """Wait for a slot. `front=True` queues ahead of newcomers (a retry of admitted work)."""
        if self.try_acquire():
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if front:
            self._waiters.appendleft(fut)
        else:
            self._waiters.append(fut)
        self._wake()  # cancelled waiters not yet removed must not hold up a free slot
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # the slot was handed over just as we were cancelled: give it back
            else:
                with suppress(ValueError):
                    self._waiters.remove(fut)
                self._wake()
            raise

    def release(self) -> None:
        if self.in_flight <= 0:
            raise RuntimeError("FairLimiter.release() called more times than acquire()")
        self.in_flight -= 1
        self._wake()

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

    def _take(self) -> None:
        self.in_flight += 1
        self.granted += 1

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.window:
            fut = self._waiters.popleft()
            if fut.done():  # cancelled while queued; its own task finishes the cleanup
                continue
            self._take()
            fut.set_result(None)


class ModelLimits:
    """One `FairLimiter` per model id, created on first use, plus transport counters."""

    def __init__(
        self,
        capacity: int = DEFAULT_MAX_CONCURRENT_PER_MODEL,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError("the per-model concurrency limit must be >= 1")
        self.capacity = capacity
        self._clock = clock
        self._limiters: dict[str, FairLimiter] = {}
        # Counters by event: "requests", "attempts", "retries", "retry:<reason>", "rate_limited",
        # "model_busy", "deadline_exceeded". Read by tests and the load / fault suites.
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

    def window(self, model: str) -> int:
        """The model's current in-flight window (the capacity for a model never seen)."""
        found = self._limiters.get(model)
        return found.window if found is not None else self.capacity

    def snapshot(self) -> dict[str, LimiterStats]:
        return {model: lim.stats() for model, lim in self._limiters.items()}

    @asynccontextmanager
    async def slot(self, model: str) -> AsyncIterator[FairLimiter]:
        limiter = self.limiter(model)
        await limiter.acquire()
        try:
            yield limiter
        finally:
            limiter.release()


_SHARED: weakref.WeakKeyDictionary[object, ModelLimits] = weakref.WeakKeyDictionary()


def shared_limits(owner: object, capacity: int = DEFAULT_MAX_CONCURRENT_PER_MODEL) -> ModelLimits:
    """The `ModelLimits` of `owner` (a `ClientPool`), created with `capacity` on first use.

    Later callers with another capacity get the existing instance: the limit is per process.
    """
    found = _SHARED.get(owner)
    if found is None:
        found = ModelLimits(capacity)
        _SHARED[owner] = found
    return found
