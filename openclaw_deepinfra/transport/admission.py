"""Admission to the connection pool: first come first served across models (issue 16).

A call first takes one of its model's slots (`transport.limits`, fair within the model), then a
permit from its base URL's `ConnectionGate`, and holds both until its response is closed. The
gate is a FIFO counting semaphore: whoever asked first, whatever the model, gets the next free
connection. The pool under it (aiohttp's connector, or httpcore's) is sized a little above the
gate, so it never has to queue: aiohttp's own queue is not first come first served (a newcomer
takes a connection a woken waiter was about to use), and its wait counted as a connect timeout,
which the retry policy then paid for with a retry at the back of the queue.

The gate's capacity is the sum of the per-model limits of the models the process has used (plus
`MODELLESS_HEADROOM` for calls without a model: catalog, job polls, downloads), capped by the
configured pool size: the per-model limiters already bound the in-flight sum, so the gate only
ever queues when that sum exceeds the cap. Time queued here counts against the call's deadline,
never as a connect timeout, and never spends a retry.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import suppress
from dataclasses import dataclass

__all__ = ["MODELLESS_HEADROOM", "ConnectionGate", "GateStats"]

MODELLESS_HEADROOM = 16


@dataclass(frozen=True)
class GateStats:
    cap: int
    capacity: int
    in_use: int
    waiting: int
    granted: int
    queued_total: int


class ConnectionGate:
    """FIFO permits for one pool's connections; `front=True` (a retry) goes ahead of newcomers."""

    def __init__(self, cap: int, *, headroom: int = MODELLESS_HEADROOM) -> None:
        if cap < 1:
            raise ValueError("a connection pool needs at least one connection")
        self.cap = cap
        self.capacity = min(cap, max(1, headroom))
        self._models: set[str] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.in_use = 0
        self.granted = 0
        self.queued_total = 0  # calls that had to wait here at all

    def add_model(self, model: str, limit: int) -> None:
        """Count a model's per-model limit into the capacity (once per model, up to the cap)."""
        if self.capacity >= self.cap or model in self._models:
            return
        self._models.add(model)
        self.capacity = min(self.cap, self.capacity + limit)
        self._wake()

    @property
    def waiting(self) -> int:
        return sum(1 for fut in self._waiters if not fut.done())

    def stats(self) -> GateStats:
        return GateStats(self.cap, self.capacity, self.in_use, self.waiting, self.granted, self.queued_total)

    def try_acquire(self) -> bool:
        if not self._waiters and self.in_use < self.capacity:
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
        self._wake()
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
            raise RuntimeError("ConnectionGate.release() called more times than acquire()")
        self.in_use -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_use < self.capacity:
            fut = self._waiters.popleft()
            if fut.done():  # cancelled while queued; its own task cleans up
                continue
            self.in_use += 1
            self.granted += 1
            fut.set_result(None)
