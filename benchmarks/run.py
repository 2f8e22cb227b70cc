"""Benchmark entry point: `python -m benchmarks [--smoke] [--json PATH]`.

Starts the loopback server (benchmarks.server) in its own process, measures its ceiling, then
runs each workload through the plugin and through raw aiohttp and raw httpx making the same HTTP
calls, interleaved (the order rotates every repetition), and prints medians and ratios as a
table and as JSON. Client CPU is `time.process_time()` of this process; new connections are
counted by the server for each measured phase (after an unmeasured warm-up at the same
concurrency). Targets are printed next to the numbers; they are judged on full runs only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import multiprocessing
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from benchmarks import ceiling, loadtime, overload, ttfc
from benchmarks.fleet import bench_fleet
from benchmarks.payloads import BASE_PATH, CHAT_MODEL, chat_completion
from benchmarks.plugin_side import Plugin, load_registry
from benchmarks.raw import RawAiohttp, RawHttpx, run_workers
from benchmarks.report import WORKLOADS, render
from benchmarks.server import serve


@dataclass(frozen=True)
class Sizes:
    streams: int = 500
    chunks: int = 200
    stream_in_flight: int = 50
    paced_streams: int = 500
    pace_ms: float = 5.0
    requests: int = 5000
    request_in_flight: int = 200
    texts: int = 20_000
    dims: int = 1024
    embed_batch: int = 1024
    embed_concurrency: int = 16
    load_reps: int = 5
    cached_lookups: int = 20_000
    cold_callers: int = 1000
    ceiling_requests: int = 20_000
    # overload (issue 16): long paced streams over three models, arriving faster than admitted
    overload_streams: int = 1000
    overload_interval_ms: float = 2.0
    overload_chunks: int = 20
    overload_pace_ms: float = 100.0
    overload_per_model: int = 200  # the plugin's maxConcurrentPerModel (the default)
    overload_pool: int = 400  # raw aiohttp's connection limit (the plugin's old fixed pool)
    open_streams: int = 300  # RSS per open stream (below the old fixed pool of 400: comparable)
    # time to first chunk (issue 14): paced streams (pace_ms), short so that many start; judged on
    # the difference of each pair of back-to-back rounds, `ttfc_rounds` pairs per repetition
    ttfc_streams: int = 100
    ttfc_in_flight: int = 10
    ttfc_chunks: int = 40
    ttfc_rounds: int = 5


SMOKE = Sizes(
    streams=40, chunks=50, stream_in_flight=10, paced_streams=20, requests=400, request_in_flight=50,
    texts=2048, load_reps=1, cached_lookups=2000, ceiling_requests=2000,
    overload_streams=90, overload_chunks=10, overload_pace_ms=50.0, overload_per_model=10,
    overload_pool=20, open_streams=50, ttfc_streams=30, ttfc_in_flight=5, ttfc_chunks=10, ttfc_rounds=1,
)  # fmt: skip


class Server:
    def __init__(self, dims: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._control, child = context.Pipe()
        self.process = context.Process(target=serve, args=(dims, child), daemon=True)
        self.process.start()
        self.port: int = self._control.recv()

    def command(self, *message: Any) -> None:
        self._control.send(message)

    def stats(self) -> dict[str, Any]:
        self._control.send(("stats",))
        stats: dict[str, Any] = self._control.recv()
        return stats

    def stop(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.command("stop")
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()


async def measure(server: Server, fn: Callable[[], Awaitable[int]]) -> dict[str, float]:
    gc.collect()
    before = server.stats()
    cpu, wall = time.process_time(), time.perf_counter()
    units = await fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    after = server.stats()
    return {
        "units": units,
        "wall_s": wall,
        "cpu_s": cpu,
        "new_connections": after["connections"] - before["connections"],
        "requests": after["requests"] - before["requests"],
        "catalog_requests": after["models_requests"] - before["models_requests"],
        "server_cpu_s": after["cpu_s"] - before["cpu_s"],
    }


Workload = Callable[[Any, bool], Awaitable[int]]  # (client, warm-up?) -> units done


async def compare(
    server: Server, clients: list[Any], reps: int, workload: Workload, expect: int
) -> dict[str, Any]:
    """`reps` interleaved repetitions of `workload` for every client: {label: [run, ...]}."""
    runs: dict[str, list[dict[str, float]]] = {c.label: [] for c in clients}
    for rep in range(reps):
        shift = rep % len(clients)
        for client in clients[shift:] + clients[:shift]:
            await workload(client, True)  # the same concurrency, unmeasured: the pool is full after it
            run = await measure(server, lambda c=client: workload(c, False))
            if run["units"] != expect:
                raise AssertionError(f"{client.label}: {run['units']} units, expected {expect}")
            runs[client.label].append(run)
    return runs


async def bench_http(
    server: Server, sizes: Sizes, reps: int, cache_dir: str, only: set[str]
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{server.port}{BASE_PATH}"
    registry = load_registry(base, cache_dir, concurrency=sizes.embed_concurrency)
    clients: list[Any] = [Plugin(registry), RawAiohttp(base), RawHttpx(base)]
    results: dict[str, Any] = {}
    try:

        def streams(total: int, in_flight: int) -> Workload:
            async def run(client: Any, warm: bool) -> int:
                return await run_workers(in_flight if warm else total, in_flight, client.stream_one)

            return run

        def want(name: str) -> bool:
            return "http" in only or name in only

        server.command("mode", sizes.chunks, 0.0)
        if want("stream_burst"):
            burst = streams(sizes.streams, sizes.stream_in_flight)
            results["stream_burst"] = await compare(
                server, clients, reps, burst, sizes.streams * sizes.chunks
            )
        if want("stream_paced"):
            server.command("mode", sizes.chunks, sizes.pace_ms)
            paced = streams(sizes.paced_streams, sizes.stream_in_flight)
            total = sizes.paced_streams * sizes.chunks
            results["stream_paced"] = await compare(server, clients, reps, paced, total)
            server.command("mode", sizes.chunks, 0.0)

        async def complete(client: Any, warm: bool) -> int:
            count = 2 * sizes.request_in_flight if warm else sizes.requests
            return await run_workers(count, sizes.request_in_flight, client.complete_one)

        if want("ttfc"):
            server.command("mode", sizes.ttfc_chunks, sizes.pace_ms)
            by_label = {c.label: c for c in clients}
            rounds = reps * sizes.ttfc_rounds
            results["ttfc"] = await ttfc.measure(by_label, sizes.ttfc_streams, sizes.ttfc_in_flight, rounds)
            server.command("mode", sizes.chunks, 0.0)

        if want("chat_complete"):
            results["chat_complete"] = await compare(server, clients, reps, complete, sizes.requests)

        texts = [f"memory note {i}: a short text to embed" for i in range(sizes.texts)]
        batches = -(-sizes.texts // sizes.embed_batch)

        async def embed(client: Any, warm: bool) -> int:
            part = texts[: sizes.embed_batch * min(batches, sizes.embed_concurrency)] if warm else texts
            vectors = await client.embed(part, sizes.embed_batch, sizes.embed_concurrency)
            assert len(vectors) == len(part) and len(vectors[-1]) == sizes.dims
            return -(-len(part) // sizes.embed_batch)

        if want("embeddings"):
            results["embeddings"] = await compare(server, clients, reps, embed, batches)
    finally:
        for client in clients:
            await client.aclose()
    return results


async def bench_catalog(server: Server, sizes: Sizes, reps: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{server.port}{BASE_PATH}"
    out: dict[str, Any] = {"cached_lookup_us": [], "cold": []}
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as cache_dir:
            registry = load_registry(base, cache_dir)
            provider: Any = registry.get("provider", "deepinfra")
            try:
                before = server.stats()
                start = time.perf_counter()
                answers = await asyncio.gather(*(provider.default_model() for _ in range(sizes.cold_callers)))
                wall = time.perf_counter() - start
                after = server.stats()
                assert set(answers) == {f"deepinfra/{CHAT_MODEL}"}, set(answers)
                out["cold"].append(
                    {"callers": sizes.cold_callers, "wall_s": wall,
                     "catalog_requests": after["models_requests"] - before["models_requests"]}
                )  # fmt: skip
                gc.collect()
                cpu = time.process_time()
                for _ in range(sizes.cached_lookups):
                    await provider.default_model()
                cpu = time.process_time() - cpu
                out["cached_lookup_us"].append(cpu * 1e6 / sizes.cached_lookups)
                assert server.stats()["models_requests"] == after["models_requests"]
            finally:
                await registry.aclose()
    return out


async def bench_ceiling(server: Server, sizes: Sizes) -> dict[str, Any]:
    body = json.dumps({"model": CHAT_MODEL, "messages": [{"role": "user", "content": "hi"}]}).encode()
    answer = len(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: bench\r\n")
    answer += len(b"Content-Length: %d\r\n\r\n" % len(chat_completion())) + len(chat_completion())
    path = f"{BASE_PATH}/chat/completions"
    await ceiling.measure(server.port, path, body, answer, 1000, 50)  # warm-up
    before = server.stats()
    wall = await ceiling.measure(server.port, path, body, answer, sizes.ceiling_requests, 50)
    after = server.stats()
    server_cpu = after["cpu_s"] - before["cpu_s"]
    return {
        "requests": sizes.ceiling_requests,
        "requests_per_s": sizes.ceiling_requests / wall,
        "server_cpu_share": server_cpu / wall,
        "server_requests_per_cpu_s": sizes.ceiling_requests / server_cpu if server_cpu else None,
    }


async def bench_overload(server: Server, sizes: Sizes, reps: int, cache_dir: str) -> dict[str, Any]:
    """First-token wait under overload, plugin and raw aiohttp alternating, `reps` times each."""
    base = f"http://127.0.0.1:{server.port}{BASE_PATH}"
    # The canned frames name one model for all three: the "served another model" warning is noise.
    logging.getLogger("openclaw_deepinfra.surfaces.chat").setLevel(logging.ERROR)
    server.command("mode", sizes.overload_chunks, sizes.overload_pace_ms)
    registry = load_registry(base, cache_dir, provider={"maxConcurrentPerModel": sizes.overload_per_model})
    provider: Any = registry.get("provider", "deepinfra")
    session = overload.raw_session(sizes.overload_pool)
    runs: dict[str, list[dict[str, Any]]] = {"plugin": [], "raw aiohttp": []}
    interval = sizes.overload_interval_ms / 1000.0

    async def plugin(i: int, model: str, on_first: Callable[[], None]) -> None:
        await overload.plugin_stream(provider, model, on_first)

    async def raw(i: int, model: str, on_first: Callable[[], None]) -> None:
        await overload.raw_stream(session, base, model, on_first)

    try:
        for model in overload.MODELS:  # warm-up: catalog, connections, imports
            await overload.plugin_stream(provider, model, lambda: None)
            await overload.raw_stream(session, base, model, lambda: None)
        for rep in range(reps):
            order = (("plugin", plugin), ("raw aiohttp", raw))
            for label, run in order if rep % 2 == 0 else order[::-1]:
                gc.collect()
                runs[label].append(await overload.first_tokens(sizes.overload_streams, interval, run))
    finally:
        await session.close()
        await registry.aclose()
        server.command("mode", sizes.chunks, 0.0)
    return {"runs": runs, "per_model": sizes.overload_per_model, "pool": sizes.overload_pool}


def bench_memory(server: Server, sizes: Sizes, reps: int, cache_dir: str) -> dict[str, Any]:
    server.command("mode", 100_000, 200.0)  # streams that stay open far longer than a measurement
    try:
        base = f"http://127.0.0.1:{server.port}{BASE_PATH}"
        return overload.rss_per_stream(base, sizes.open_streams, reps, cache_dir)
    finally:
        server.command("mode", sizes.chunks, 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="reduced sizes (CI): runs everything, judges nothing"
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--json", metavar="PATH", help="also write the JSON report to PATH")
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        help=f"http ({', '.join(WORKLOADS)}, ttfc), overload, memory, catalog, load, fleet (default: all)",
    )
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else Sizes()
    only = set(args.only or ("http", "overload", "memory", "catalog", "load", "fleet"))
    report: dict[str, Any] = {
        "sizes": sizes.__dict__,
        "reps": args.reps,
        "smoke": args.smoke,
        "cpus": os.cpu_count(),
    }
    server = Server(sizes.dims)
    try:
        with tempfile.TemporaryDirectory() as cache_dir:
            report["server"] = asyncio.run(bench_ceiling(server, sizes))
            if only & {"http", "ttfc", *WORKLOADS}:
                report["workloads"] = asyncio.run(bench_http(server, sizes, args.reps, cache_dir, only))
            if "overload" in only:
                report["overload"] = asyncio.run(bench_overload(server, sizes, args.reps, cache_dir))
            if "memory" in only:
                report["memory"] = bench_memory(server, sizes, args.reps, cache_dir)
            if "catalog" in only:
                report["catalog"] = asyncio.run(bench_catalog(server, sizes, args.reps))
            if "fleet" in only:
                base = f"http://127.0.0.1:{server.port}{BASE_PATH}"
                report["fleet"] = asyncio.run(
                    bench_fleet(
                        base, cache_dir,
                        [(sizes.requests, sizes.request_in_flight), (sizes.requests // 10, 1)],
                        args.reps, lambda fn: measure(server, fn),
                    )
                )  # fmt: skip
            if "load" in only:
                env = {**os.environ, "OPENCLAW_DEEPINFRA_CACHE_DIR": cache_dir}
                report["load"] = loadtime.measure(sizes.load_reps, env)
    finally:
        server.stop()
    summary = render(report)
    report["summary"] = summary
    print(json.dumps({"summary": summary}, indent=1))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1)
    return 0
