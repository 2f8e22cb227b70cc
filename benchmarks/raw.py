"""The two baselines: the same HTTP calls through bare aiohttp and bare httpx, parsed with `json.loads`.

Both get the plugin's pool size (400 connections, 200 kept alive) so that neither queues nor
churns connections at 200 in flight; otherwise they are used as their documentation shows.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import httpx

from benchmarks.payloads import CHAT_MODEL, EMBED_MODEL, KEY

HEADERS = {"Authorization": f"Bearer {KEY}"}
CHAT_MESSAGES = [{"role": "user", "content": "Say something about foxes."}]


async def run_workers(total: int, in_flight: int, one: Callable[[int], Awaitable[int]]) -> int:
    """`total` calls of `one(i)`, at most `in_flight` at a time; returns the summed units."""
    counter = iter(range(total))
    units = 0

    async def worker() -> None:
        nonlocal units
        for i in counter:
            done = await one(i)  # not `units += await ...`: that reads `units` before awaiting
            units += done

    await asyncio.gather(*(worker() for _ in range(min(in_flight, total))))
    return units


def batches(texts: list[str], size: int) -> list[list[str]]:
    return [texts[i : i + size] for i in range(0, len(texts), size)]


class RawAiohttp:
    label = "raw aiohttp"

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=400, keepalive_timeout=30.0),
            headers=HEADERS,
            timeout=aiohttp.ClientTimeout(total=120.0, connect=10.0),
        )

    async def aclose(self) -> None:
        await self.session.close()

    async def stream_one(self, _: int) -> int:
        body = {"model": CHAT_MODEL, "messages": CHAT_MESSAGES, "stream": True}
        chunks = 0
        async with self.session.post(f"{self.base}/chat/completions", json=body) as response:
            response.raise_for_status()
            async for line in response.content:  # to the end of the body: the connection is kept
                if line.startswith(b"data: "):
                    data = line[6:].strip()
                    if data != b"[DONE]":
                        json.loads(data)
                        chunks += 1
        return chunks

    async def complete_one(self, _: int) -> int:
        body = {"model": CHAT_MODEL, "messages": CHAT_MESSAGES}
        async with self.session.post(f"{self.base}/chat/completions", json=body) as response:
            response.raise_for_status()
            data = json.loads(await response.read())
        return 1 if data["choices"][0]["message"]["content"] else 0

    async def embed(self, texts: list[str], size: int, concurrency: int) -> list[Any]:
        parts = batches(texts, size)
        out: list[Any] = [None] * len(parts)

        async def one(i: int) -> int:
            body = {"model": EMBED_MODEL, "input": parts[i], "encoding_format": "float"}
            async with self.session.post(f"{self.base}/embeddings", json=body) as response:
                response.raise_for_status()
                data = json.loads(await response.read())
            out[i] = [item["embedding"] for item in sorted(data["data"], key=lambda d: d["index"])]
            return 1

        await run_workers(len(parts), concurrency, one)
        return [v for part in out for v in part]


class RawHttpx:
    label = "raw httpx"

    def __init__(self, base: str) -> None:
        self.base = base
        self.client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=400, max_keepalive_connections=200, keepalive_expiry=30.0),
            timeout=httpx.Timeout(120.0, connect=10.0),
            headers=HEADERS,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def stream_one(self, _: int) -> int:
        body = {"model": CHAT_MODEL, "messages": CHAT_MESSAGES, "stream": True}
        chunks = 0
        async with self.client.stream("POST", f"{self.base}/chat/completions", json=body) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    data = line[6:].strip()
                    if data != "[DONE]":
                        json.loads(data)
                        chunks += 1
        return chunks

    async def complete_one(self, _: int) -> int:
        body = {"model": CHAT_MODEL, "messages": CHAT_MESSAGES}
        response = await self.client.post(f"{self.base}/chat/completions", json=body)
        response.raise_for_status()
        data = json.loads(response.content)
        return 1 if data["choices"][0]["message"]["content"] else 0

    async def embed(self, texts: list[str], size: int, concurrency: int) -> list[Any]:
        parts = batches(texts, size)
        out: list[Any] = [None] * len(parts)

        async def one(i: int) -> int:
            body = {"model": EMBED_MODEL, "input": parts[i], "encoding_format": "float"}
            response = await self.client.post(f"{self.base}/embeddings", json=body)
            response.raise_for_status()
            data = json.loads(response.content)
            out[i] = [item["embedding"] for item in sorted(data["data"], key=lambda d: d["index"])]
            return 1

        await run_workers(len(parts), concurrency, one)
        return [v for part in out for v in part]
