"""The fleet's Lua scripts, edge by edge, on fakeredis's Lua engine (the process tests use a real
redis-server). Times come from Redis's clock; short leases and a backdated window stand in for waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import fakeredis
import pytest

from openclaw_deepinfra.fleet.config import FleetConfig
from openclaw_deepinfra.fleet.store import FleetStore

LEASE_S = 5.0


@pytest.fixture
async def store() -> AsyncIterator[FleetStore]:
    client = fakeredis.FakeAsyncRedis()
    found = FleetStore(FleetConfig("redis://localhost", source="test"), "acct", client=client)
    yield found
    await found.aclose()


async def admit(store: FleetStore, me: str, *, mine: int, want: int, limit: int = 10, seq: int = 1,
                lease_s: float = LEASE_S) -> tuple[int, int, int, int, int]:  # fmt: skip
    got = await store.admit(
        "m", me=me, mine=mine, want=want, limit=limit, lease_s=lease_s, seq=seq, budget_s=None
    )
    return got.granted, got.total, got.alive, got.window, got.fair


async def count(store: FleetStore) -> int:
    return (await store.status(["m"]))[1]["m"]


async def test_admission_grants_up_to_the_window_and_no_further(store: FleetStore) -> None:
    assert await admit(store, "a", mine=0, want=4) == (4, 4, 1, 10, 10)
    assert await admit(store, "b", mine=0, want=10) == (6, 10, 2, 10, 10)  # a partial grant
    assert await admit(store, "b", mine=6, want=1, seq=2) == (0, 10, 2, 10, 10)
    assert await count(store) == 10


async def test_counts_are_absolute_so_a_restatement_replaces_the_old_number(store: FleetStore) -> None:
    await admit(store, "a", mine=0, want=8)
    # "a" says it holds 2 (six decrements were lost): its next admission starts from 2, not 8.
    assert await admit(store, "a", mine=2, want=1, seq=2) == (1, 3, 1, 10, 10)
    assert await count(store) == 3


async def test_a_write_with_an_older_sequence_number_does_not_overwrite_a_newer_one(
    store: FleetStore,
) -> None:
    await admit(store, "a", mine=0, want=5, seq=7)
    await admit(store, "a", mine=0, want=1, seq=6)  # arrived late: its count is not recorded
    assert await count(store) == 5
    await store.heartbeat("a", {"m": (0, 0)}, limit=10, lease_s=LEASE_S, seq=5)  # late too: no delete
    assert await count(store) == 5
    await store.heartbeat("a", {"m": (2, 0)}, limit=10, lease_s=LEASE_S, seq=8)
    assert await count(store) == 2


async def test_an_expired_process_is_dropped_and_its_slots_return(store: FleetStore) -> None:
    await admit(store, "dead", mine=0, want=10, lease_s=0.05)
    assert await admit(store, "b", mine=0, want=1) == (0, 10, 2, 10, 10)
    await asyncio.sleep(0.1)  # the lease ran out on Redis's clock
    assert await admit(store, "b", mine=0, want=3, seq=2) == (3, 3, 1, 10, 10)
    rows = await store._redis.hkeys(f"{store.prefix}:m:m")
    assert not any(b"dead" in row for row in rows)  # its rows were deleted, not just skipped


async def test_a_queued_process_caps_the_others_at_their_fair_share(store: FleetStore) -> None:
    await admit(store, "a", mine=0, want=6)
    # b asks for 10 and gets the 4 left; it stays queued for 6 more.
    assert await admit(store, "b", mine=0, want=10) == (4, 10, 2, 10, 10)
    await store.release("a", {"m": 3})
    # a holds 3 but b is queued: a may grow to ceil(10 / 2) = 5 only, though 3 slots are free.
    assert await admit(store, "a", mine=3, want=3, seq=2) == (2, 9, 2, 10, 5)
    assert await admit(store, "b", mine=4, want=6, seq=2) == (1, 10, 2, 10, 5)


async def test_release_never_goes_below_zero_nor_recreates_a_deleted_row(store: FleetStore) -> None:
    await admit(store, "a", mine=0, want=2)
    await store.release("a", {"m": 5})
    assert await store._redis.hget(f"{store.prefix}:m:m", "c:a") == b"0"
    await store.heartbeat("a", {"m": (0, 0)}, limit=10, lease_s=LEASE_S, seq=2)  # idle: row deleted
    await store.release("a", {"m": 1})
    assert await store._redis.hget(f"{store.prefix}:m:m", "c:a") is None


async def test_negative_counts_left_by_hand_count_as_zero(store: FleetStore) -> None:
    await admit(store, "a", mine=0, want=1)
    await store._redis.hset(f"{store.prefix}:m:m", "c:a", -5)
    assert await admit(store, "b", mine=0, want=10) == (10, 10, 2, 10, 10)


async def test_the_heartbeat_renews_the_lease_and_reports_each_model(store: FleetStore) -> None:
    await admit(store, "a", mine=0, want=4, lease_s=0.2)
    for seq in range(2, 6):
        await asyncio.sleep(0.08)
        alive, views = await store.heartbeat("a", {"m": (4, 0)}, limit=10, lease_s=0.2, seq=seq)
        assert alive == 1 and views["m"].window == 10
    assert await admit(store, "b", mine=0, want=10) == (6, 10, 2, 10, 10)  # a is still counted


async def test_a_rate_limit_halves_the_shared_window_once_per_interval(store: FleetStore) -> None:
    assert await store.shrink("m", limit=10) == (True, 5)
    assert await store.shrink("m", limit=10) == (False, 5)  # the same burst of 429s
    assert await admit(store, "a", mine=0, want=10) == (5, 5, 1, 5, 5)
    # Backdate the shrink by 2 s: recovery is 5 % of the limit per second, at least 1 slot/s.
    key = f"{store.prefix}:w:m"
    at = int(await store._redis.hget(key, "at"))
    await store._redis.hset(key, "at", at - 2000)
    assert await admit(store, "a", mine=5, want=10, seq=2) == (2, 7, 1, 7, 7)
    assert await store.shrink("m", limit=10) == (True, 3)
    await store._redis.hset(key, "at", at - 60_000)
    assert (await admit(store, "a", mine=0, want=0, seq=3))[3] == 10  # fully recovered


async def test_the_window_never_shrinks_below_one(store: FleetStore) -> None:
    key = f"{store.prefix}:w:m"
    for _ in range(5):
        await store.shrink("m", limit=2)
        await store._redis.hset(key, "at", 0)  # long ago, so the next one counts
    assert await store._redis.hget(key, "base") == b"1"


async def test_status_counts_only_live_processes(store: FleetStore) -> None:
    await admit(store, "a", mine=0, want=3)
    await admit(store, "gone", mine=0, want=2, lease_s=0.05)
    await asyncio.sleep(0.1)
    assert await store.status() == (1, {"m": 3})
