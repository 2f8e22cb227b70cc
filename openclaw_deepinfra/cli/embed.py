"""`embed`: embed texts through the registered `deepinfra` embedding adapter, as memory search does."""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from openclaw_deepinfra.cli.inputs import read_text
from openclaw_deepinfra.cli.json_shapes import JSON_HELP, EmbedOutput, dumps
from openclaw_deepinfra.cli.session import CliError, open_host
from openclaw_deepinfra.cli.waiting import Waiting
from openclaw_deepinfra.config_check import require
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.redact import get_logger

logger = get_logger(__name__)

PROVIDER_ID = "deepinfra"
# More texts than one request carries: worth a progress bar on an interactive terminal.
LARGE_INPUT = 1024
_BAR_WIDTH = 30
_PREVIEW_VALUES = 4
_MAX_LINES = 20


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "embed", parents=[common], help="embed texts with a DeepInfra embedding model (memory search)"
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts to embed, one vector each")
    parser.add_argument(
        "--model",
        metavar="REF",
        help="model id or deepinfra/<model> ref (default: memory.search.model, else BAAI/bge-m3)",
    )
    parser.add_argument(
        "--file", type=Path, metavar="PATH", help="also embed every non-blank line of PATH ('-' = stdin)"
    )
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.set_defaults(handler=run)


def _read_texts(args: argparse.Namespace) -> list[str]:
    texts = list(args.texts)
    path: Path | None = args.file
    if path is not None:
        content = read_text(path, "--file")
        texts.extend(line for line in content.splitlines() if line.strip())
    if not texts:
        raise CliError("nothing to embed: pass TEXT arguments or --file PATH", exit_code=2)
    return texts


def _configured_model(config: OpenClawConfig) -> str:
    provider = require(config, "memory.search.provider")
    model = require(config, "memory.search.model")
    if isinstance(provider, str) and provider.strip().lower() == PROVIDER_ID and isinstance(model, str):
        return model
    return ""


class _ProgressBar:
    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream

    def __call__(self, done: int, total: int) -> None:
        filled = _BAR_WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        self.stream.write(f"\rembedding [{bar}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


async def _embed(provider: Any, texts: Sequence[str], progress: Callable[[int, int], None] | None) -> Any:
    detailed = getattr(provider, "embed_batch_detailed", None)
    if detailed is None:
        return await provider.embed_batch(list(texts)), None
    if progress is not None and "progress" in inspect.signature(detailed).parameters:
        result = await detailed(list(texts), progress=progress)
    else:
        result = await detailed(list(texts))
    return result.embeddings, result.usage


async def run(args: argparse.Namespace) -> int:
    texts = _read_texts(args)
    session = open_host(args)
    try:
        adapter: Any = session.require("embedding-provider", PROVIDER_ID)
        model = args.model or _configured_model(session.config)
        options = EmbeddingProviderCreateOptions(config=session.config, provider=PROVIDER_ID, model=model)
        created = await adapter.create(options)
        provider = created.provider
        if provider is None:
            raise CliError("the deepinfra embedding adapter created no provider")
        large = len(texts) > LARGE_INPUT and sys.stderr.isatty()
        bar = _ProgressBar(len(texts), sys.stderr) if large else None
        waiting = Waiting(f"embeddings from {provider.model}", session.config)
        vectors, usage = await waiting.run(_embed(provider, texts, bar))
    finally:
        await session.aclose()
    report = EmbedOutput(
        model=provider.model, dimensions=len(vectors[0]) if vectors else None, count=len(vectors),
        usage=usage, embeddings=vectors,
    )  # fmt: skip
    print(dumps(report) if args.json else render(report, texts))
    return 0


def render(report: EmbedOutput, texts: Sequence[str]) -> str:
    tokens = f", {report.usage.prompt_tokens} tokens" if report.usage else ""
    lines = [f"model {report.model}: {report.count} vectors of {report.dimensions} dimensions{tokens}"]
    shown = list(zip(report.embeddings, texts, strict=True))[:_MAX_LINES]
    for index, (vector, text) in enumerate(shown):
        head = " ".join(f"{value:+.4f}" for value in vector[:_PREVIEW_VALUES])
        preview = text if len(text) <= 40 else text[:39] + "…"
        lines.append(f"[{index}] {head} … {json.dumps(preview, ensure_ascii=False)}")
    if report.count > len(shown):
        lines.append(f"… {report.count - len(shown)} more (use --json for every vector)")
    return "\n".join(lines)
