"""A gateway worker process for the multi-process fleet tests, driven over stdin/stdout.

Started as `python -m tests.fleet.worker` with the environment a gateway worker would have
(`DEEPINFRA_API_KEY`, `DEEPINFRA_BASE_URL`, `OPENCLAW_DEEPINFRA_REDIS_URL`) and a JSON config
in argv[1]. Commands, one JSON object a line: {"run": calls, "rounds": r, "delay_ms": d,
"timeout_s": t} runs `calls` concurrent tasks of `r` sequential chat requests through the plugin's
own transport and answers one JSON line with every call's outcome; {"quit": true} closes the
runtime (its gate gives its slots back) and exits. Fleet log lines go to stderr.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import Any

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.runtime import DeepInfraRuntime

MODEL = "fleet-test/model"


async def _call(runtime: DeepInfraRuntime, tag: str, delay_ms: float, timeout_s: float) -> dict[str, Any]:
    started = time.monotonic()
    try:
        http = runtime.http()
        await http.with_options(deadline=http.deadline(timeout_s)).request_json(
            "POST", "/chat/completions", json={"model": MODEL, "delay_ms": delay_ms, "tag": tag}, model=MODEL
        )
        error = None
    except Exception as exc:  # reported to the test, which asserts on it
        error = f"{type(exc).__name__}: {exc}"
    return {"elapsed_s": time.monotonic() - started, "error": error}


async def _task(
    runtime: DeepInfraRuntime, tag: str, rounds: int, delay_ms: float, timeout_s: float
) -> list[Any]:
    return [await _call(runtime, tag, delay_ms, timeout_s) for _ in range(rounds)]


async def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s %(message)s")
    tag = sys.argv[2]
    runtime = DeepInfraRuntime(OpenClawConfig(json.loads(sys.argv[1])))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps({"ready": True}), flush=True)
    try:
        while line := await reader.readline():
            command = json.loads(line)
            if command.get("quit"):
                break
            who, rounds = command.get("tag", tag), command.get("rounds", 1)
            tasks = [
                _task(runtime, who, rounds, command["delay_ms"], command["timeout_s"])
                for _ in range(command["run"])
            ]
            results = [call for calls in await asyncio.gather(*tasks) for call in calls]
            print(json.dumps({"calls": results}), flush=True)
    finally:
        await runtime.aclose()


if __name__ == "__main__":
    asyncio.run(main())
