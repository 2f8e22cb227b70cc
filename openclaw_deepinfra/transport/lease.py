"""`ResponseLease`: an open streamed response and the model slot it holds, given back exactly once.

A consumer may leave a stream in any way: finish it, close it, break out of `async for`, raise in
the loop body, have its task cancelled, or drop the last reference without closing anything. The
first ones reach `aclose()` through the stream's own `finally`; a dropped stream reaches it when
the event loop finalises the surface's async generator. Two things make that safe:

* The lease is a plain object, not an async generator: a generator nested in another one (an
  `asynccontextmanager` inside the surface's generator) may be finalised on its own, before or
  concurrently with the outer one, and the outer one's `athrow()` then fails ("generator didn't
  stop after athrow()") with the slot never given back.
* `__del__` is the last resort: a lease that becomes unreachable unclosed (a stream result dropped
  before its generator ever ran, or a cycle the collector breaks) releases on the next loop turn.
  It never releases inline: the collector can run in the middle of the limiter's own code.

Closing never waits on the network: the aiohttp transport closes a connection synchronously
(`CLOSE_NOW_EXTENSION`); any other transport's `aclose()` is awaited, or run as a task from `__del__`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

import httpx

from openclaw_deepinfra.transport.responses import Response

__all__ = ["CLOSE_NOW_EXTENSION", "Releasable", "ResponseLease"]

# The response extension under which the aiohttp transport offers a synchronous close of its body.
CLOSE_NOW_EXTENSION = "openclaw_close_now"

_closing: set[asyncio.Task[None]] = set()  # strong refs: a task only weakly held may be collected


class Releasable(Protocol):
    def release(self) -> None: ...


class ResponseLease:
    """Closes a response and releases `slot` once, whichever way the stream ends.

    With the aiohttp transport it keeps only the body's synchronous close, not the
    response: an open stream then holds no httpx request, headers or URL objects (a few
    KiB per stream that nothing reads after the status check; issue 16).
    """

    __slots__ = ("_close_now", "_loop", "_response", "_slot", "closed")

    def __init__(self, response: Response, slot: Releasable) -> None:
        close_now: Callable[[], None] | None = response.extensions.get(CLOSE_NOW_EXTENSION)
        self._close_now = close_now
        self._response = response if close_now is None else None
        self._slot = slot
        self._loop = asyncio.get_running_loop()
        self.closed = False

    async def aclose(self) -> None:
        """Close the connection (never reused half-read) and give the slot back."""
        if self.closed:
            return
        self.closed = True
        try:
            if self._close_now is not None:
                self._close_now()
            elif self._response is not None:
                with contextlib.suppress(httpx.HTTPError, RuntimeError):
                    await self._response.aclose()
        finally:
            self._slot.release()

    def close_now(self) -> None:
        """Synchronous `aclose()`: release now; a transport that can only close by awaiting gets a task."""
        if self.closed:
            return
        self.closed = True
        try:
            if self._close_now is not None:
                self._close_now()
            elif self._response is not None and not self._loop.is_closed():
                task = self._loop.create_task(_quiet_close(self._response))
                _closing.add(task)
                task.add_done_callback(_closing.discard)
        finally:
            self._slot.release()

    def __del__(self) -> None:
        if self.closed:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nothing waits for the slot
            self._loop.call_soon_threadsafe(self.close_now)


async def _quiet_close(response: Response) -> None:
    with contextlib.suppress(httpx.HTTPError, RuntimeError, OSError):
        await response.aclose()
