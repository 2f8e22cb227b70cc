"""`still waiting for <what> (N s of M s)` on stderr while a call is silent: after
`FIRST_NOTICE_S` without progress (`touch`: a chunk, a video poll), then every `NOTICE_EVERY_S`.
The call still ends at its own deadline with its own error; stdout (`--json`) never sees a line."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable
from typing import TypeVar

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.settings import resolve_settings
from openclaw_deepinfra.transport.deadline import DEFAULT_DEADLINE_S

T = TypeVar("T")
FIRST_NOTICE_S = 10.0
NOTICE_EVERY_S = 20.0


def budget_s(config: OpenClawConfig, timeout_ms: int | None = None) -> float:
    """The call's deadline as the plugin sets it: the request's `timeout_ms`, else the config's
    `timeoutSeconds`, else the plugin's default."""
    if timeout_ms:
        return timeout_ms / 1000
    try:
        return resolve_settings(config).timeout_s or DEFAULT_DEADLINE_S
    except ConfigurationError:
        return DEFAULT_DEADLINE_S  # the call itself reports the configuration error


class Waiting:
    def __init__(self, what: str, config: OpenClawConfig, timeout_ms: int | None = None) -> None:
        self.what = what
        self.budget_s = budget_s(config, timeout_ms)
        self._started = self._last = time.monotonic()
        self._gap = FIRST_NOTICE_S

    def touch(self) -> None:
        """Progress: the next line comes only after another quiet `FIRST_NOTICE_S`."""
        self._last, self._gap = time.monotonic(), FIRST_NOTICE_S

    async def run(self, call: Awaitable[T]) -> T:
        task = asyncio.ensure_future(call)
        self._started = self._last = time.monotonic()
        try:
            while not task.done():
                quiet_left = self._last + self._gap - time.monotonic()
                if quiet_left > 0:
                    await asyncio.wait({task}, timeout=quiet_left)
                    continue
                spent = f"{time.monotonic() - self._started:.0f} s of {self.budget_s:.0f} s"
                print(f"openclaw-deepinfra: still waiting for {self.what} ({spent})", file=sys.stderr)
                self._last, self._gap = time.monotonic(), NOTICE_EVERY_S
            return task.result()
        finally:
            task.cancel()  # only matters when we are cancelled ourselves (Ctrl-C)
