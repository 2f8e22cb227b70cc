"""`FleetGate`: the admission gate the transport consults after a call has its local model slot.

Per model the gate keeps this process's absolute count of fleet slots (`held`) and a FIFO queue of
calls waiting for one. Only the front talks to Redis: the first caller asks inline; while others
queue, one pump task asks for all of them in one script call (several slots per round trip) and
polls with a short backoff while the fleet is full. A released slot goes straight to the next local
waiter while this process is within its fair share, with no Redis round trip, or is kept as a
spare for the next local call (a few per model, given back by the next heartbeat); otherwise it is
decremented in Redis (batched, failure ignored: the heartbeat restates the absolute count).

When Redis does not answer (refused, or `CALL_TIMEOUT_S` without a reply) the gate skips it for
`skip_s` and admits against a local share: the shared window divided by the processes last seen
alive, never the whole limit, never waiting on Redis past the caller's deadline. For one lease
after Redis answers again grants stay within that share, so processes still on their local share
are counted before anyone grows past it. Each switch is logged once.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import socket
import time
from collections import Counter, deque
from collections.abc import Callable
from contextlib import suppress

from openclaw_deepinfra.fleet.config import FleetConfig
from openclaw_deepinfra.fleet.store import FleetStore, FleetUnavailable
from openclaw_deepinfra.redact import get_logger

logger = get_logger("openclaw_deepinfra.fleet")

POLL_MIN_S = 0.002
POLL_MAX_S = 0.025
SKIP_MAX_S = 3.0  # how long an unanswering Redis is skipped (at most half a lease)
CLOSE_WAIT_S = 1.0  # how long aclose waits for its cancelled background tasks


def max_spare(limit: int) -> int:
    """Idle slots a process keeps per model until its next heartbeat: 4 % of the limit, 1 to 8."""
    return max(1, min(8, limit // 25))


class ModelState:
    """One model's slots in this process."""

    __slots__ = ("asking", "fair", "held", "pending", "pump", "spare", "unacked", "waiters", "wake", "window")

    def __init__(self, limit: int) -> None:
        self.held = 0  # fleet slots this process holds (in use, spare, or granted and being handed out)
        self.spare = 0  # held but idle: kept for the next local call until the next heartbeat
        self.pending = 0  # slots asked for in an admission call still in flight
        self.unacked = 0  # decrements sent (or about to be) that Redis has not confirmed
        self.window = limit  # the shared window as last seen
        self.fair = limit  # this process's fair share as last seen
        self.waiters: deque[asyncio.Future[None]] = deque()
        self.pump: asyncio.Task[None] | None = None
        self.asking = False  # a caller at the front is asking Redis inline
        self.wake = asyncio.Event()

    @property
    def recorded(self) -> int:
        """The count to write to Redis: never below what Redis will hold once every call lands."""
        return self.held + self.pending + self.unacked

    @property
    def idle(self) -> bool:
        return not (self.held or self.pending or self.unacked or self.waiters)

    @property
    def queued(self) -> int:
        return sum(1 for f in self.waiters if not f.done())

    def next_waiter(self) -> asyncio.Future[None] | None:
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                return fut
        return None


class FleetGate:
    def __init__(
        self,
        config: FleetConfig,
        account: str,
        limit: int,
        *,
        store: FleetStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.limit = limit
        self.me = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.store = store if store is not None else FleetStore(config, account)
        self.skip_s = min(SKIP_MAX_S, config.lease_s / 2)
        self.alive = config.workers  # processes last seen alive; the configured guess until then
        self.counters: Counter[str] = Counter()
        self._clock = clock
        self._models: dict[str, ModelState] = {}
        self._down_until = 0.0
        self._down = False
        self._settle_until = 0.0
        self._decrements: Counter[str] = Counter()
        self._flush: asyncio.Task[None] | None = None
        self._beat: asyncio.Task[None] | None = None
        self._side: set[asyncio.Task[None]] = set()
        self._closed = False
        self._seq = 0  # orders this process's absolute writes (see fleet.scripts)
        self._max_spare = max_spare(limit)

    # -- admission ---------------------------------------------------------------------------

    async def admit(self, model: str, timeout_s: float, *, front: bool = False) -> None:
        """Take one fleet slot for `model` within `timeout_s` (TimeoutError otherwise)."""
        m = self._state(model)
        self._start_heartbeat()
        if m.spare and not m.waiters:
            m.spare -= 1
            self.counters["spares_used"] += 1
            return
        if not m.waiters and m.pump is None and not m.asking:
            m.asking = True  # we are the front: callers arriving meanwhile queue behind us
            try:
                granted = await self._try_admit(model, m, 1, budget_s=timeout_s)
            finally:
                m.asking = False
                self._start_pump(model, m)
            if granted:
                return
            front = True
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if front:
            m.waiters.appendleft(fut)
        else:
            m.waiters.append(fut)
        self._start_pump(model, m)
        try:
            async with asyncio.timeout(max(timeout_s, 0.0)):
                await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                self.release(model)  # granted just as we gave up: pass it on
            else:
                with suppress(ValueError):
                    m.waiters.remove(fut)
            raise

    def release(self, model: str) -> None:
        m = self._models.get(model)
        if m is None or m.held <= 0:
            return
        within = m.held <= self._cap(m)
        if m.waiters and within:
            fut = m.next_waiter()
            if fut is not None:  # hand over: the fleet count does not change
                self.counters["handoffs"] += 1
                fut.set_result(None)
                return
        if within and m.spare < self._max_spare and not self._closed:
            m.spare += 1  # keep it a moment: a sequential caller then needs no round trip at all
            return
        m.held -= 1
        if not self._is_down() and not self._closed:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # released outside the loop (a finalizer): the heartbeat restates it
                return
            self._decrements[model] += 1
            m.unacked += 1
            if self._flush is None:
                self._flush = loop.create_task(self._flush_releases())
        if m.waiters:
            m.wake.set()

    def on_rate_limited(self, model: str) -> None:
        """A "Rate limited" 429: halve the model's window for the whole fleet (best effort)."""
        if self._is_down() or self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._shrink(model))
        self._side.add(task)
        task.add_done_callback(self._side.discard)

    # -- inside --------------------------------------------------------------------------------

    def _state(self, model: str) -> ModelState:
        found = self._models.get(model)
        if found is None:
            found = self._models[model] = ModelState(self.limit)
        return found

    def _share(self, m: ModelState) -> int:
        return max(1, m.window // max(1, self.alive))

    def _cap(self, m: ModelState) -> int:
        """How many slots this process may hold without asking Redis first."""
        return self._share(m) if self._on_shares() else min(m.fair, m.window)

    def _is_down(self) -> bool:
        return self._down and self._clock() < self._down_until

    def _settling(self) -> bool:
        return self._clock() < self._settle_until

    def _on_shares(self) -> bool:
        """Local shares bound this process: Redis is down, being probed, or answered only lately."""
        return self._down or self._settling()

    async def _try_admit(self, model: str, m: ModelState, want: int, *, budget_s: float | None) -> int:
        if self._is_down():
            return self._local_grant(m, want)
        if self._on_shares():  # a probe, or just back: Redis may not know the others yet
            want = min(want, self._share(m) - m.held)
            if want <= 0:
                return 0
        mine = m.held + m.unacked
        m.pending += want
        self._seq += 1
        try:
            got = await self.store.admit(
                model, me=self.me, mine=mine, want=want, limit=self.limit,
                lease_s=self.config.lease_s, seq=self._seq, budget_s=budget_s,
            )  # fmt: skip
        except FleetUnavailable as exc:
            self._went_down(exc)
            return self._local_grant(m, want)
        finally:
            m.pending -= want
        self._came_up()
        self._saw_alive(got.alive)
        m.window, m.fair = got.window, got.fair
        m.held += got.granted
        self.counters["shared_grants"] += got.granted
        return got.granted

    def _local_grant(self, m: ModelState, want: int) -> int:
        granted = max(0, min(want, self._share(m) - m.held))
        m.held += granted
        self.counters["local_grants"] += granted
        return granted

    def _start_pump(self, model: str, m: ModelState) -> None:
        if m.waiters and m.pump is None and not m.asking and not self._closed:
            m.pump = asyncio.get_running_loop().create_task(self._pump(model, m))

    async def _pump(self, model: str, m: ModelState) -> None:
        delay = POLL_MIN_S
        try:
            while not self._closed:  # not `True`: a cancel swallowed below Redis must not keep it alive
                want = m.queued
                if not want:
                    return
                granted = await self._try_admit(model, m, want, budget_s=None)
                for _ in range(granted):
                    fut = m.next_waiter()
                    if fut is None:
                        self.release(model)  # everyone left while we asked
                    else:
                        fut.set_result(None)
                if granted:
                    delay = POLL_MIN_S
                    continue
                m.wake.clear()
                with suppress(TimeoutError):
                    async with asyncio.timeout(delay * (0.5 + random.random())):  # noqa: S311 - jitter
                        await m.wake.wait()
                delay = min(delay * 2, POLL_MAX_S)
        finally:
            m.pump = None

    async def _flush_releases(self) -> None:
        try:
            while self._decrements:
                batch, self._decrements = self._decrements, Counter()
                try:
                    await self.store.release(self.me, batch)
                except FleetUnavailable:
                    self.counters["lost_decrements"] += sum(batch.values())  # the heartbeat heals it
                finally:
                    for name, n in batch.items():
                        m = self._models.get(name)
                        if m is not None:
                            m.unacked = max(0, m.unacked - n)
        finally:
            self._flush = None

    async def _shrink(self, model: str) -> None:
        try:
            halved, window = await self.store.shrink(model, limit=self.limit)
        except FleetUnavailable:
            return
        if halved:
            logger.debug("fleet: model %s rate limited; shared window now %d", model, window)
        self._state(model).window = window

    def _start_heartbeat(self) -> None:
        if self._beat is None and not self._closed:
            self._beat = asyncio.get_running_loop().create_task(self._heartbeats())

    async def _heartbeats(self) -> None:
        while not self._closed:  # as in _pump: closing ends the loop even if a cancel was swallowed
            await asyncio.sleep(self.config.heartbeat_s)
            if not self._is_down():
                await self.heartbeat()

    async def heartbeat(self) -> bool:
        """Renew this process's lease and restate every count; False if Redis did not answer."""
        models = dict(self._models)
        self._return_spares()  # no process keeps idle slots past a beat
        counts = {name: (m.recorded, m.queued) for name, m in models.items()}
        self._seq += 1
        try:
            alive, views = await self.store.heartbeat(
                self.me, counts, limit=self.limit, lease_s=self.config.lease_s, seq=self._seq
            )
        except FleetUnavailable as exc:
            self._went_down(exc)
            return False
        self._came_up()
        self._saw_alive(alive)
        for name, view in views.items():
            m = models[name]
            m.window, m.fair = view.window, view.fair
            if m.idle and counts[name] == (0, 0) and self._models.get(name) is m:
                del self._models[name]  # its row was just deleted; forget the idle model
        return True

    def _return_spares(self) -> None:
        for m in self._models.values():
            m.held -= m.spare
            m.spare = 0

    def _saw_alive(self, alive: int) -> None:
        # Right after Redis comes back, processes still on local shares have not restated their
        # leases yet: never let a low count then widen the local share.
        self.alive = max(self.alive, alive) if self._settling() else max(1, alive)

    def _went_down(self, exc: FleetUnavailable) -> None:
        self._down_until = self._clock() + self.skip_s
        self._return_spares()  # counted against the local share from now on
        if not self._down:
            self._down = True
            self.counters["went_local"] += 1
            logger.warning(
                "fleet: Redis at %s did not answer (%s); admitting against local shares "
                "(window / %d processes) until it does",
                self.config.display_url, exc, self.alive,
            )  # fmt: skip

    def _came_up(self) -> None:
        if self._down:
            self._down = False
            self._settle_until = self._clock() + self.config.lease_s
            self.counters["went_shared"] += 1
            logger.warning(
                "fleet: Redis at %s answers again; back to the shared limit", self.config.display_url
            )

    async def aclose(self) -> None:
        """Stop the background tasks and give this process's slots back (best effort)."""
        if self._closed:
            return
        self._closed = True
        tasks = [t for t in (self._beat, self._flush, *self._side) if t is not None]
        tasks += [m.pump for m in self._models.values() if m.pump is not None]
        for task in tasks:
            task.cancel()
        # Bounded: a gateway shutdown must not hang on a task that is slow to honour its cancel.
        done = (await asyncio.wait(tasks, timeout=CLOSE_WAIT_S))[0] if tasks else set()
        for task in done:
            if not task.cancelled():
                task.exception()  # retrieved, so a task that died earlier is not reported again
        if not self._is_down():
            with suppress(FleetUnavailable):
                self._seq += 1
                await self.store.heartbeat(
                    self.me, {n: (0, 0) for n in self._models}, limit=self.limit, lease_s=0.001, seq=self._seq
                )
        await self.store.aclose()
