"""The Redis side of fleet mode: one short, bounded call per operation, or `FleetUnavailable`.

redis-py's own retries are off (a retry would stretch a call past its budget); every call is cut
to `call_timeout_s` and to the time the caller gives it. Script loading is redis-py's: EVALSHA,
then EVAL once when Redis answers NOSCRIPT (e.g. after a restart).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.fleet import scripts
from openclaw_deepinfra.fleet.config import FleetConfig

CALL_TIMEOUT_S = 0.25
# Window recovery after a fleet-wide 429: this share of the limit per second (full in ~20 s).
RECOVERY_SHARE_PER_S = 0.05
SHRINK_INTERVAL_MS = 1000

_INSTALL_HINT = 'install the fleet extra: pip install "openclaw-deepinfra[fleet]"'


class FleetUnavailable(Exception):
    """Redis did not answer in time, refused, or failed; the message never carries the URL."""


@dataclass(frozen=True)
class Admission:
    granted: int
    total: int
    alive: int
    window: int
    fair: int


@dataclass(frozen=True)
class ModelView:
    window: int
    fair: int


def key_prefix(account: str) -> str:
    """Keys of one account (a hash of its API key); the braces keep them in one cluster slot."""
    return f"openclaw-deepinfra:{{{account}}}"


class FleetStore:
    def __init__(
        self, config: FleetConfig, account: str, *, call_timeout_s: float = CALL_TIMEOUT_S, client: Any = None
    ) -> None:
        """`client` is a ready redis.asyncio client (tests); by default one is made from the URL."""
        try:
            from redis.asyncio import Redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            raise ConfigurationError("fleet mode needs redis-py", hint=_INSTALL_HINT) from None
        self.call_timeout_s = call_timeout_s
        self.prefix = key_prefix(account)
        self._redis: Any = client or Redis.from_url(
            config.url,
            socket_timeout=call_timeout_s,
            socket_connect_timeout=call_timeout_s,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        self._admit = self._redis.register_script(scripts.ADMIT)
        self._heartbeat = self._redis.register_script(scripts.HEARTBEAT)
        self._release = self._redis.register_script(scripts.RELEASE)
        self._shrink = self._redis.register_script(scripts.SHRINK)

    def _keys(self, model: str) -> tuple[str, str]:
        return f"{self.prefix}:m:{model}", f"{self.prefix}:w:{model}"

    @property
    def procs_key(self) -> str:
        return f"{self.prefix}:procs"

    async def _call(self, what: str, call: Any, budget_s: float | None = None) -> Any:
        timeout = self.call_timeout_s if budget_s is None else max(0.0, budget_s)
        from redis.exceptions import RedisError

        try:
            async with asyncio.timeout(timeout):
                return await call
        except (RedisError, OSError, TimeoutError) as exc:
            raise FleetUnavailable(f"{what}: {type(exc).__name__}") from None

    async def admit(
        self,
        model: str,
        *,
        me: str,
        mine: int,
        want: int,
        limit: int,
        lease_s: float,
        seq: int,
        budget_s: float | None,
    ) -> Admission:
        key, wkey = self._keys(model)
        args: list[str | int | float] = [me, mine, want, limit, int(lease_s * 1000), _rate(limit), seq]
        timeout = self.call_timeout_s if budget_s is None else min(budget_s, self.call_timeout_s)
        reply = await self._call("admit", self._admit(keys=[self.procs_key, key, wkey], args=args), timeout)
        return Admission(*(int(v) for v in reply))

    async def heartbeat(
        self, me: str, counts: Mapping[str, tuple[int, int]], *, limit: int, lease_s: float, seq: int
    ) -> tuple[int, dict[str, ModelView]]:
        models = list(counts)
        keys = [self.procs_key]
        args: list[Any] = [me, int(lease_s * 1000), limit, _rate(limit), seq]
        for model in models:
            keys += self._keys(model)
            args += counts[model]
        reply = [int(v) for v in await self._call("heartbeat", self._heartbeat(keys=keys, args=args))]
        views = {m: ModelView(reply[1 + 2 * i], reply[2 + 2 * i]) for i, m in enumerate(models)}
        return reply[0], views

    async def release(self, me: str, counts: Mapping[str, int]) -> None:
        """Decrement each model's count by its number; pipelined, one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        for model, n in counts.items():
            await self._release(keys=[self._keys(model)[0]], args=[me, n], client=pipe)  # queues it
        await self._call("release", pipe.execute())

    async def shrink(self, model: str, *, limit: int) -> tuple[bool, int]:
        """Halve the model's shared window (a "Rate limited" 429); False if halved just now."""
        args = [limit, _rate(limit), SHRINK_INTERVAL_MS, 1]
        halved, window = await self._call("shrink", self._shrink(keys=[self._keys(model)[1]], args=args))
        return bool(halved), int(window)

    async def status(self, models: Sequence[str] = ()) -> tuple[int, dict[str, int]]:
        """Processes alive and live slots in flight per model (every model with a row if none named)."""
        found: tuple[int, dict[str, int]] = await self._call(
            "status", self._status(models), budget_s=self.call_timeout_s * 4
        )
        return found

    async def _status(self, models: Sequence[str]) -> tuple[int, dict[str, int]]:
        seconds, micros = await self._redis.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        alive = {p.decode() for p in await self._redis.zrangebyscore(self.procs_key, now_ms, "+inf")}
        names = list(models)
        if not names:
            marker = f"{self.prefix}:m:"
            async for raw in self._redis.scan_iter(match=f"{_glob(marker)}*", count=200):
                names.append(raw.decode()[len(marker) :])
        in_flight: dict[str, int] = {}
        for name in sorted(names):
            rows = await self._redis.hgetall(self._keys(name)[0])
            in_flight[name] = sum(
                max(0, int(v)) for f, v in rows.items() if f.startswith(b"c:") and f[2:].decode() in alive
            )
        return len(alive), in_flight

    async def aclose(self) -> None:
        with suppress(Exception):  # closing a client whose server is gone must not raise, nor hang
            async with asyncio.timeout(self.call_timeout_s * 4):
                await self._redis.aclose()


def _rate(limit: int) -> float:
    return max(1.0, limit * RECOVERY_SHARE_PER_S)


def _glob(text: str) -> str:
    """`text` with Redis glob characters escaped (the prefix contains braces, models may contain *)."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
