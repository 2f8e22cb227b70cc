"""Streams under overload (issue 16): first-token wait, and resident memory per open stream.

`first_tokens`: `streams` long paced chat streams over three models arrive at a steady rate, more
than the limits admit at once, so later ones queue. For each stream: the wait from its call to
its first token, whether it failed, and its place in the order of first tokens within its model
(an "inversion" is a stream that got its first token before one of the same model that arrived
more than 10 ms earlier). The plugin runs with its per-model limit (`maxConcurrentPerModel`);
raw aiohttp has no per-model limit, only its connection pool of the old fixed size, so all of its
queueing is aiohttp's.

`rss_per_stream`: a fresh child process (spawn) opens `open_streams` slow streams, waits until
each has its first event, and reports how much its resident set grew per open stream (after a
warm-up of a few streams, so imports and pools are already paid for) and the traced Python heap
per stream. Plugin and raw aiohttp run in alternating children of the same benchmark run.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import multiprocessing
import os
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from benchmarks.payloads import BASE_PATH, CHAT_MODEL, KEY
from benchmarks.raw import HEADERS

MODELS = (CHAT_MODEL, "deepseek-ai/DeepSeek-V4-Flash", "Qwen/Qwen9-VL")
MESSAGES = [{"role": "user", "content": "Say something about foxes."}]

INVERSION_SLACK_S = 0.010

FirstEvent = Callable[[int, str], Awaitable[None]]
"""Opens stream `i` for `model`, returns once its first token arrived, then reads it to the end."""


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def first_tokens(
    streams: int, interval_s: float, run: Callable[[int, str, Callable[[], None]], Awaitable[None]]
) -> dict[str, Any]:
    """Start stream i at i * interval_s; `run(i, model, on_first)` calls `on_first()` at its first token."""
    started: dict[int, float] = {}
    firsts: dict[int, float] = {}
    failures: list[str] = []
    order: dict[str, list[int]] = {m: [] for m in MODELS}

    async def one(i: int) -> None:
        await asyncio.sleep(i * interval_s)
        model = MODELS[i % len(MODELS)]
        started[i] = time.perf_counter()

        def on_first() -> None:
            firsts[i] = time.perf_counter()
            order[model].append(i)

        try:
            await run(i, model, on_first)
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}"[:200])

    wall = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(streams)))
    wall = time.perf_counter() - wall
    waits = [firsts[i] - started[i] for i in firsts]
    # An inversion: a stream whose first token came before that of one of the same model that
    # arrived more than INVERSION_SLACK_S earlier (closer arrivals race on the loop and the wire).
    inversions = sum(
        sum(1 for a, b in itertools.pairwise(seq) if started[b] < started[a] - INVERSION_SLACK_S)
        for seq in order.values()
    )
    return {
        "streams": streams,
        "first_tokens": len(firsts),
        "failures": len(failures),
        "first_failure": failures[0] if failures else None,
        "p50_s": percentile(waits, 0.50),
        "p99_s": percentile(waits, 0.99),
        "max_s": max(waits) if waits else float("nan"),
        "inversions": inversions,
        "wall_s": wall,
    }


_REQUESTS: dict[str, Any] = {}


def chat_request(model: str) -> Any:
    """One host request per model, built once (as `plugin_side.Plugin` does: the host builds its
    request once per turn; what a stream costs the plugin is what it adds on top)."""
    found = _REQUESTS.get(model)
    if found is None:
        from openclaw_deepinfra.host.contracts.chat import ChatRequest

        found = _REQUESTS[model] = ChatRequest.model_validate(
            {"model": f"deepinfra/{model}", "messages": MESSAGES}
        )
    return found


async def plugin_stream(provider: Any, model: str, on_first: Callable[[], None]) -> None:
    request = chat_request(model)
    first = True
    async with provider.stream(request) as events:
        async for event in events:
            if first and event.type == "text_delta":
                first = False
                on_first()


async def raw_stream(
    session: aiohttp.ClientSession, base: str, model: str, on_first: Callable[[], None]
) -> None:
    body = {"model": model, "messages": MESSAGES, "stream": True}
    first = True
    async with session.post(f"{base}/chat/completions", json=body) as response:
        response.raise_for_status()
        async for line in response.content:
            if line.startswith(b"data: ") and line[6:].strip() != b"[DONE]":
                json.loads(line[6:])
                if first:
                    first = False
                    on_first()


def raw_session(pool: int) -> aiohttp.ClientSession:
    # As raw.RawAiohttp, with the overload's pool size; connect=40 s spans pool wait + connect,
    # the plugin's old pool (30 s) + connect (10 s) budget.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=pool, keepalive_timeout=30.0),
        headers=HEADERS,
        timeout=aiohttp.ClientTimeout(total=None, connect=40.0, sock_read=120.0),
    )


# -- resident memory per open stream (child processes) --------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def _hold_open(open_stream: Callable[[asyncio.Event], Awaitable[None]], count: int) -> tuple[int, int]:
    """Open `count` streams, wait for every first event; (RSS growth, traced heap growth)."""

    async def open_one(first: asyncio.Event) -> None:
        try:
            await open_stream(first)
        finally:
            if not first.is_set():  # failed before its first event: do not wait for it forever
                first.set()
                failed.append(1)

    failed: list[int] = []
    warm = [asyncio.Event() for _ in range(8)]
    warm_tasks = [asyncio.create_task(open_one(e)) for e in warm]
    await asyncio.gather(*(e.wait() for e in warm))
    gc.collect()
    rss0, heap0 = _rss(), tracemalloc.get_traced_memory()[0]
    events = [asyncio.Event() for _ in range(count)]
    tasks = [asyncio.create_task(open_one(e)) for e in events]
    await asyncio.gather(*(e.wait() for e in events))
    await asyncio.sleep(0.5)  # a few more paced chunks: steady state, not just the first one
    gc.collect()
    grown = (_rss() - rss0, tracemalloc.get_traced_memory()[0] - heap0)
    if failed:
        raise RuntimeError(f"{len(failed)} of {count} streams failed before their first event")
    for task in tasks + warm_tasks:
        task.cancel()
    await asyncio.gather(*tasks, *warm_tasks, return_exceptions=True)
    return grown


async def _child_main(kind: str, base: str, count: int, cache_dir: str, heap: bool) -> tuple[int, int]:
    if heap:
        tracemalloc.start()
    if kind == "plugin":
        from benchmarks.plugin_side import load_registry

        # Every stream open at once: the per-model limit must not hold any of them back.
        registry = load_registry(base, cache_dir, provider={"maxConcurrentPerModel": count + 16})
        provider: Any = registry.get("provider", "deepinfra")
        try:

            async def open_plugin(first: asyncio.Event) -> None:
                await plugin_stream(provider, CHAT_MODEL, first.set)

            return await _hold_open(open_plugin, count)
        finally:
            await registry.aclose()
    session = raw_session(count + 16)
    try:

        async def open_raw(first: asyncio.Event) -> None:
            await raw_stream(session, base, CHAT_MODEL, first.set)

        return await _hold_open(open_raw, count)
    finally:
        await session.close()


def _child(kind: str, base: str, count: int, cache_dir: str, heap: bool, out: Any) -> None:
    out.send(asyncio.run(_child_main(kind, base, count, cache_dir, heap)))


def rss_per_stream(base: str, count: int, reps: int, cache_dir: str) -> dict[str, Any]:
    """Per open stream, median over `reps` alternating children: RSS bytes and traced heap bytes."""
    context = multiprocessing.get_context("spawn")
    kinds_all = ("plugin", "raw aiohttp")
    results: dict[str, dict[str, list[float]]] = {k: {"rss": [], "heap": []} for k in kinds_all}
    for rep in range(reps):
        kinds = ("plugin", "raw aiohttp") if rep % 2 == 0 else ("raw aiohttp", "plugin")
        for kind in kinds:
            for heap in (False, True):  # tracemalloc inflates RSS: measured in a separate child
                parent, child = context.Pipe()
                process = context.Process(target=_child, args=(kind, base, count, cache_dir, heap, child))
                process.start()
                rss, traced = parent.recv()
                process.join(30)
                results[kind]["heap" if heap else "rss"].append((traced if heap else rss) / count)
    out: dict[str, Any] = {"open_streams": count, "reps": reps}
    for kind, values in results.items():
        out[kind] = {
            "rss_per_stream": statistics.median(values["rss"]),
            "heap_per_stream": statistics.median(values["heap"]),
            "rss_runs": values["rss"],
        }
    out["ratio_rss"] = out["plugin"]["rss_per_stream"] / max(out["raw aiohttp"]["rss_per_stream"], 1.0)
    out["ratio_heap"] = out["plugin"]["heap_per_stream"] / max(out["raw aiohttp"]["heap_per_stream"], 1.0)
    return out


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}{BASE_PATH}"


__all__ = ["KEY", "MODELS", "first_tokens", "plugin_stream", "raw_session", "raw_stream", "rss_per_stream"]
