"""Time to first chunk (issue 14): paced streams, plugin against raw aiohttp in the same run.

Each stream's wait is measured from the call (`provider.stream(request)` for the plugin, `post`
for raw aiohttp) to its first content chunk in the caller's hands (the plugin's first
`text_delta` event; raw aiohttp's first parsed `data:` line). The server writes one chunk every
`pace_ms` to every open stream; `in_flight` streams run at once and a worker starts its next stream
as soon as the previous one ended, so streams start in waves (they all end on the same tick) and a
stream's first chunk waits for the request work of the streams that started with it.

The clients take turns in short rounds (`rounds` per repetition, the first client alternating),
and the row is judged on the differences of each round's pair (plugin p50 minus raw aiohttp p50 of
rounds run back to back): raw aiohttp's own p50 moves by more than a millisecond between runs
with the machine's state, which a difference of medians taken minutes apart would carry.
"""

from __future__ import annotations

import gc
import json
import time
from typing import Any

from benchmarks.overload import percentile
from benchmarks.payloads import CHAT_MODEL
from benchmarks.plugin_side import Plugin
from benchmarks.raw import CHAT_MESSAGES, RawAiohttp, run_workers

CLIENTS = ("plugin", "raw aiohttp")


async def _plugin_stream(client: Plugin, waits: list[float]) -> int:
    start, first = time.perf_counter(), True
    async with client.provider.stream(client.request) as events:
        async for event in events:
            if first and event.type == "text_delta":
                waits.append(time.perf_counter() - start)
                first = False
    return 1


async def _raw_stream(client: RawAiohttp, waits: list[float]) -> int:
    body = {"model": CHAT_MODEL, "messages": CHAT_MESSAGES, "stream": True}
    start, first = time.perf_counter(), True
    async with client.session.post(f"{client.base}/chat/completions", json=body) as response:
        response.raise_for_status()
        async for line in response.content:  # to the end of the body: the connection is kept
            if line.startswith(b"data: ") and line[6:].strip() != b"[DONE]":
                json.loads(line[6:])
                if first:
                    waits.append(time.perf_counter() - start)
                    first = False
    return 1


async def measure(clients: dict[str, Any], streams: int, in_flight: int, rounds: int) -> dict[str, Any]:
    """{client: [{"p50_s", "p99_s", "streams"}, ...]}: `rounds` rounds, each client's round after a
    warm-up, the clients' rounds back to back; entry i of both lists is round i's pair."""
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in CLIENTS}
    one = {"plugin": _plugin_stream, "raw aiohttp": _raw_stream}
    for rep in range(rounds):
        order = CLIENTS if rep % 2 == 0 else CLIENTS[::-1]
        for label in order:
            client, stream = clients[label], one[label]
            await run_workers(in_flight, in_flight, lambda _i, c=client, s=stream: s(c, []))
            gc.collect()
            waits: list[float] = []
            await run_workers(streams, in_flight, lambda _i, c=client, s=stream, w=waits: s(c, w))
            if len(waits) != streams:
                raise AssertionError(f"{label}: {len(waits)} first chunks for {streams} streams")
            runs[label].append(
                {"p50_s": percentile(waits, 0.50), "p99_s": percentile(waits, 0.99), "streams": streams}
            )
    return runs
