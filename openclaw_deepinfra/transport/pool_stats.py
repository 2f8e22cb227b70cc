"""What a connection pool holds right now, read the same way from aiohttp's pool and httpcore's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["PoolStats", "pool_stats_of"]


@dataclass(frozen=True)
class PoolStats:
    """Connections lent to a response now, idle ones kept alive, and requests queued for one."""

    in_use: int = 0
    idle: int = 0
    queued: int = 0

    def __add__(self, other: PoolStats) -> PoolStats:
        return PoolStats(self.in_use + other.in_use, self.idle + other.idle, self.queued + other.queued)


def pool_stats_of(transport: Any) -> PoolStats:
    """The transport's own `pool_stats()`, or httpcore's pool read through httpx's transport.

    Both pools keep these counters private; a leak check has to see them, and an unknown
    transport (a test's mock) reports an empty pool rather than failing.
    """
    own = getattr(transport, "pool_stats", None)
    if callable(own):
        stats = own()
        return stats if isinstance(stats, PoolStats) else PoolStats()
    pool = getattr(transport, "_pool", None)
    connections = getattr(pool, "connections", None)
    if connections is None:
        return PoolStats()
    idle = sum(1 for c in connections if c.is_idle())
    requests = getattr(pool, "_requests", ())
    return PoolStats(
        in_use=len(connections) - idle,
        idle=idle,
        queued=sum(1 for r in requests if r.is_queued()),
    )
