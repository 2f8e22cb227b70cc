"""Embeddings benchmark: the `deepinfra` adapter against raw httpx on the same batched requests.

Not a test. Starts a minimal HTTP/1.1 server on 127.0.0.1 in a separate process (so its CPU is
not counted), answering each `/embeddings` request with a canned float32-valued JSON answer sized
to the batch. Then embeds N short texts (default 20,000) through the adapter, and sends the same
batched requests (<= 1024 inputs each, same concurrency) through a bare `httpx.AsyncClient` with
`json.loads`, interleaved, for several repetitions. Prints throughput and client CPU
(`time.process_time` of this process) per 1,000 texts, and the adapter/raw CPU ratio (target <= 1.15).

    python benchmarks/embeddings.py [--texts 20000] [--dims 1024] [--reps 3] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import random
import statistics
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import httpx

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.surfaces.embeddings import DeepInfraEmbeddingAdapter

KEY = "bench-key-0123456789abcdef0123456789"
MODEL = "BAAI/bge-m3"
BATCH = 1024


# -- the server (its own process) -------------------------------------------------------------------


def _canned_vectors(dims: int, count: int = 16) -> list[bytes]:
    rng = random.Random(1)  # noqa: S311 - canned benchmark data, not a secret
    vectors = []
    for _ in range(count):
        # float32 values printed as Python floats: the digits a real embeddings answer carries
        values = struct.unpack(
            f"{dims}f", struct.pack(f"{dims}f", *(rng.gauss(0, 0.05) for _ in range(dims)))
        )
        vectors.append(json.dumps(list(values)).encode())
    return vectors


def _answer(n: int, vectors: list[bytes]) -> bytes:
    items = b",".join(
        b'{"object":"embedding","index":%d,"embedding":%s}' % (i, vectors[i % len(vectors)]) for i in range(n)
    )
    usage = b'{"prompt_tokens":%d,"total_tokens":%d}' % (n * 8, n * 8)
    return b'{"object":"list","model":"%s","data":[%s],"usage":%s}' % (MODEL.encode(), items, usage)


def _serve(dims: int, ready: Connection) -> None:
    vectors = _canned_vectors(dims)
    cache: dict[int, bytes] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                n = len(json.loads(body)["input"])
                payload = cache.get(n)
                if payload is None:
                    payload = cache[n] = _answer(n, vectors)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                    % len(payload)
                )
                writer.write(payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=256)
        ready.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# -- the two clients -------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    wall_s: float
    cpu_s: float
    texts: int

    @property
    def cpu_ms_per_1k(self) -> float:
        return self.cpu_s * 1000 / (self.texts / 1000)

    @property
    def texts_per_s(self) -> float:
        return self.texts / self.wall_s


async def _measure(label: str, texts: list[str], fn: Callable[[list[str]], Any]) -> Run:
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    vectors = await fn(texts)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert len(vectors) == len(texts), (label, len(vectors))
    del vectors
    return Run(label, wall, cpu, len(texts))


def _raw_client(base: str, concurrency: int) -> tuple[httpx.AsyncClient, Callable[[list[str]], Any]]:
    client = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=400, max_keepalive_connections=200),
        timeout=httpx.Timeout(120.0, connect=10.0),
        headers={"Authorization": f"Bearer {KEY}"},
    )

    async def embed(texts: list[str]) -> list[list[float]]:
        semaphore = asyncio.Semaphore(concurrency)

        async def one(start: int) -> list[list[float]]:
            chunk = texts[start : start + BATCH]
            async with semaphore:
                response = await client.post(
                    f"{base}/embeddings", json={"model": MODEL, "input": chunk, "encoding_format": "float"}
                )
                response.raise_for_status()
                data = json.loads(response.content)
            out: list[Any] = [None] * len(chunk)
            for item in data["data"]:
                out[item["index"]] = item["embedding"]
            return out

        parts = await asyncio.gather(*(one(s) for s in range(0, len(texts), BATCH)))
        return [v for part in parts for v in part]

    return client, embed


async def _bench(port: int, args: argparse.Namespace) -> list[tuple[Run, Run]]:
    base = f"http://127.0.0.1:{port}/v1/openai"
    texts = [f"memory note {i}: short text to embed" for i in range(args.texts)]
    with tempfile.TemporaryDirectory() as cache:
        env = {"DEEPINFRA_API_KEY": KEY, "DEEPINFRA_BASE_URL": base, "OPENCLAW_DEEPINFRA_CACHE_DIR": cache}
        config = OpenClawConfig(
            {"memory": {"search": {"remote": {"batch": {"concurrency": args.concurrency}}}}}, env=env
        )
        runtime = DeepInfraRuntime(config, env=env)
        created = await DeepInfraEmbeddingAdapter(runtime).create(
            EmbeddingProviderCreateOptions(config=config, model=MODEL)
        )
        provider = created.provider
        assert provider is not None
        client, raw = _raw_client(base, args.concurrency)
        adapter_embed: Callable[[list[str]], Any] = provider.embed_batch
        try:
            # warm-up: connections opened, code paths imported
            await adapter_embed(texts[: 2 * BATCH])
            await raw(texts[: 2 * BATCH])
            results = []
            for rep in range(args.reps):
                pair = [("adapter", adapter_embed), ("raw httpx", raw)]
                if rep % 2:
                    pair.reverse()  # alternate who goes first so warm caches favour neither
                runs = {label: await _measure(label, texts, fn) for label, fn in pair}
                results.append((runs["adapter"], runs["raw httpx"]))
        finally:
            await client.aclose()
            await runtime.aclose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--dims", type=int, default=1024)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    server = context.Process(target=_serve, args=(args.dims, send), daemon=True)
    server.start()
    try:
        port = receive.recv()
        results = asyncio.run(_bench(port, args))
    finally:
        server.terminate()
        server.join(5)

    requests = -(-args.texts // BATCH)
    print(
        f"embeddings benchmark: {args.texts} texts, {requests} requests of <= {BATCH} inputs, "
        f"{args.dims} dims, concurrency {args.concurrency}, server in pid {server.pid}"
    )
    print(f"{'rep':>3}  {'client':<10} {'wall s':>7} {'texts/s':>9} {'CPU ms/1k texts':>16}")
    for rep, (ours, base) in enumerate(results, 1):
        for run in (ours, base):
            speed = f"{run.wall_s:7.3f} {run.texts_per_s:9.0f}"
            print(f"{rep:>3}  {run.label:<10} {speed} {run.cpu_ms_per_1k:16.1f}")
        print(f"{'':>3}  {'ratio':<10} {'':>7} {'':>9} {ours.cpu_ms_per_1k / base.cpu_ms_per_1k:15.3f}x")
    ours_cpu = statistics.median(r[0].cpu_ms_per_1k for r in results)
    base_cpu = statistics.median(r[1].cpu_ms_per_1k for r in results)
    ratio = ours_cpu / base_cpu
    verdict = "within" if ratio <= 1.15 else "ABOVE"
    print(
        f"median CPU per 1,000 texts: adapter {ours_cpu:.1f} ms, raw httpx {base_cpu:.1f} ms; "
        f"ratio {ratio:.3f}x ({verdict} the 1.15x target)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
