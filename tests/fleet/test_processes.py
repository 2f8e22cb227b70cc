"""Fleet mode with real worker processes, a real redis-server and a loopback DeepInfra that counts
requests in flight per model. Leases are 1 s (heartbeat 1/3 s) so the suite stays short."""

from __future__ import annotations

import time
from pathlib import Path

import redis

from openclaw_deepinfra.fleet.store import key_prefix
from openclaw_deepinfra.settings import ApiKey
from tests.fleet.harness import (
    HEARTBEAT_S,
    KEY,
    LEASE_S,
    LIMIT,
    MODEL_NAME,
    concurrency_server,
    wait_until,
    workers,
)
from tests.fleet.redis_server import RedisServer

# A poll of a full fleet backs off to 25 ms (x1.5 jitter); the rest is process scheduling.
SLACK_S = 0.4


def _client(server: RedisServer) -> redis.Redis:
    return redis.Redis(unix_socket_path=str(server.socket_path))


def test_three_processes_of_fifty_calls_never_pass_the_shared_limit(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    with (
        concurrency_server() as (server, inflight),
        workers(["a", "b", "c"], server, redis_server.url, tmp_path) as procs,
    ):
        for proc in procs:
            proc.run(50, delay_ms=100, timeout_s=30, rounds=2)
        results = [call for proc in procs for call in proc.results(60)]
        with _client(redis_server) as client:
            keys = [k.decode() for k in client.keys("*")]

    print(
        f"3 x 50 calls, limit {LIMIT}: peak {inflight.peak[MODEL_NAME]},",
        f"per worker {dict(inflight.peak_by_tag)}",
    )
    assert [c["error"] for c in results if c["error"]] == []
    assert len(results) == 300
    assert inflight.peak[MODEL_NAME] <= LIMIT
    assert inflight.peak[MODEL_NAME] >= LIMIT - 2, inflight.peak  # the limit is used, not just respected
    assert all(inflight.peak_by_tag[tag] > 0 for tag in "abc")
    # One account's keys: prefixed with a hash of the API key, never the key itself.
    prefix = key_prefix(ApiKey(KEY, "test").fingerprint())
    assert keys and all(k.startswith(prefix) for k in keys), keys
    assert not any(KEY in k for k in keys)


def test_a_killed_holders_slots_return_within_one_lease(redis_server: RedisServer, tmp_path: Path) -> None:
    with (
        concurrency_server() as (server, inflight),
        workers(["holder", "other"], server, redis_server.url, tmp_path) as (holder, other),
    ):
        holder.run(LIMIT, delay_ms=20_000, timeout_s=60)
        wait_until(lambda: inflight.by_tag["holder"] == LIMIT, 20, "the holder to fill the limit")
        other.run(10, delay_ms=50, timeout_s=20)
        time.sleep(HEARTBEAT_S)
        assert "other" not in inflight.first_seen, "admitted past the limit while the holder was alive"
        killed = time.monotonic()
        holder.kill()  # SIGKILL: no release, no goodbye; only its lease can end its slots
        results = other.results(30)

    recovered = inflight.first_seen["other"] - killed
    print(f"kill -9 of a holder: slots back after {recovered:.3f} s (lease {LEASE_S} s)")
    # Its last heartbeat was at most one beat before the kill, so the lease ran out within
    # (lease - beat, lease] after it.
    assert LEASE_S - HEARTBEAT_S - SLACK_S <= recovered <= LEASE_S + SLACK_S, recovered
    assert [c["error"] for c in results if c["error"]] == []


def test_a_lost_decrement_heals_within_one_heartbeat(redis_server: RedisServer, tmp_path: Path) -> None:
    with (
        concurrency_server() as (server, inflight),
        workers(["a", "b"], server, redis_server.url, tmp_path) as (a, b),
    ):
        a.run(5, delay_ms=4000, timeout_s=20)
        wait_until(lambda: inflight.by_tag["a"] == 5, 20, "a to hold 5 slots")
        time.sleep(HEARTBEAT_S * 1.5)  # b's heartbeat gives back the spare slot its warm-up left
        row = f"{key_prefix(ApiKey(KEY, 'test').fingerprint())}:m:{MODEL_NAME}"
        with _client(redis_server) as client:
            wait_until(lambda: _holding(client, row, 5) is not None, 5, "Redis to count a's 5 slots")
            client.hset(row, _holding(client, row, 5), LIMIT)  # 15 of its decrements never arrived
        corrupted = time.monotonic()
        b.run(10, delay_ms=50, timeout_s=20)
        results = b.results(30)
        a.results(30)

    healed = inflight.first_seen["b"] - corrupted
    print(f"lost decrements healed after {healed:.3f} s (heartbeat {HEARTBEAT_S:.3f} s)")
    assert healed <= HEARTBEAT_S + SLACK_S, healed
    assert [c["error"] for c in results if c["error"]] == []
    assert inflight.peak[MODEL_NAME] <= LIMIT


def _holding(client: redis.Redis, row: str, count: int) -> bytes | None:
    """The count field of the one process that Redis says holds `count` slots."""
    found = [f for f, v in client.hgetall(row).items() if f.startswith(b"c:") and int(v) == count]
    return bytes(found[0]) if len(found) == 1 else None


def test_redis_stopping_and_restarting_mid_run(redis_server: RedisServer, tmp_path: Path) -> None:
    timeout_s = 15.0
    with (
        concurrency_server() as (server, inflight),
        workers(["a", "b", "c"], server, redis_server.url, tmp_path) as procs,
    ):
        for proc in procs:
            proc.run(50, delay_ms=50, timeout_s=timeout_s, rounds=14)
        t0 = time.monotonic()
        time.sleep(1.5)
        redis_server.stop()
        t1 = time.monotonic()
        time.sleep(1.5)
        redis_server.start()
        t2 = time.monotonic()
        results = [call for proc in procs for call in proc.results(90)]
        run_peak = inflight.peak[MODEL_NAME]

        # Back to the shared limit: alone (the others idle but alive), one worker may use it all,
        # where a local share would stop it at 20 // 3.
        inflight.reset_peaks()
        procs[0].run(LIMIT, delay_ms=300, timeout_s=timeout_s)
        alone = procs[0].results(30)
        logs = [proc.stderr for proc in procs]

    slowest = max(c["elapsed_s"] for c in results)
    print(f"Redis stopped/restarted: peak {run_peak}, slowest call {slowest:.2f} s of {timeout_s} s,")
    print(f"  afterwards one worker alone reached {inflight.peak_by_tag['a']} (share {LIMIT // 3})")
    assert [c["error"] for c in results + alone if c["error"]] == []
    assert max(c["elapsed_s"] for c in results) < timeout_s
    assert run_peak <= LIMIT, (inflight.peak_at[MODEL_NAME] - t0, t1 - t0, t2 - t0, logs)
    assert inflight.peak_by_tag["a"] > LIMIT // 3
    # Each switch is logged once each way (not once per failed call). On a loaded machine a slow
    # heartbeat can be a switch of its own, so count pairs rather than demand exactly one.
    for lines in logs:
        down = sum("did not answer" in line for line in lines)
        assert down >= 1 and down == sum("answers again" in line for line in lines), lines
