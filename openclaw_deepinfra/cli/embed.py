"""`embed`: embed texts through the registered `deepinfra` embedding adapter, as memory search does."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openclaw_deepinfra.cli.files import read_text
from openclaw_deepinfra.cli.json_shapes import JSON_HELP, EmbedOutput, dumps
from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, Waiting, open_host
from openclaw_deepinfra.config_blocks import require
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions

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
    provider, model = require(config, "memory.search.provider"), require(config, "memory.search.model")
    ours = isinstance(provider, str) and provider.strip().lower() == PLUGIN_ID
    return model if ours and isinstance(model, str) else ""


def _progress_bar(done: int, total: int) -> None:
    filled = _BAR_WIDTH * done // max(total, 1)
    bar = "#" * filled + "." * (_BAR_WIDTH - filled)
    end = "\n" if done >= total else ""
    print(f"\rembedding [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)


async def run(args: argparse.Namespace) -> int:
    texts = _read_texts(args)
    async with open_host(args) as session:
        adapter: Any = session.require("embedding-provider", PLUGIN_ID)
        model = args.model or _configured_model(session.config)
        options = EmbeddingProviderCreateOptions(config=session.config, provider=PLUGIN_ID, model=model)
        created = await adapter.create(options)
        provider = created.provider
        if provider is None:
            raise CliError("the deepinfra embedding adapter created no provider")
        bar = _progress_bar if len(texts) > LARGE_INPUT and sys.stderr.isatty() else None
        waiting = Waiting(f"embeddings from {provider.model}", session.config)
        result = await waiting.run(provider.embed_batch_detailed(texts, progress=bar))
    vectors = result.embeddings
    report = EmbedOutput(
        model=provider.model, dimensions=len(vectors[0]) if vectors else None, count=len(vectors),
        usage=result.usage, embeddings=vectors,
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
