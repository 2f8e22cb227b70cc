"""`chat`: one prompt through the registered DeepInfra text provider, streamed to stdout.

Goes through the registry as a gateway would: the provider's `stream`/`complete` hooks (host
contract `create_stream_fn`), never the chat surface module itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

from openclaw_deepinfra.cli.files import prompt_text
from openclaw_deepinfra.cli.json_shapes import JSON_HELP, ChatOutput, dumps, money
from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, HostSession, Waiting, open_host
from openclaw_deepinfra.host.contracts.chat import (
    ChatCapableProvider,
    ChatMessage,
    ChatOptions,
    ChatRequest,
    ChatResult,
    ChatSystemMessage,
    ChatUserMessage,
    ThinkingLevel,
)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("chat", parents=[common], help="send one prompt to a DeepInfra chat model")
    parser.add_argument(
        "--model",
        help="deepinfra/<org>/<model> or <org>/<model> (default: agents.defaults.model.primary "
        "if it is a deepinfra ref, else the catalog's chat default)",
    )
    parser.add_argument("--system", help="system prompt")
    parser.add_argument("--max-tokens", type=_positive_int, help="maximum output tokens (capped at 16384)")
    parser.add_argument(
        "--thinking",
        choices=get_args(ThinkingLevel),
        help="thinking level, sent as reasoning_effort to models the catalog tags for it "
        "(otherwise not sent, and stderr says so)",
    )
    parser.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.add_argument(
        "--file", type=Path, metavar="PATH", help="read the user message from PATH ('-' = stdin)"
    )
    parser.add_argument("prompt", nargs="?", help="the user message ('-' reads it from stdin)")
    parser.set_defaults(handler=run)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


async def run(args: argparse.Namespace) -> int:
    prompt = prompt_text(args.prompt, args.file, "PROMPT")
    async with open_host(args) as session:
        provider = session.require("provider", PLUGIN_ID)
        if not isinstance(provider, ChatCapableProvider):
            raise CliError(f"provider {PLUGIN_ID!r} does not run chat calls (no stream/complete hooks)")
        system: list[ChatMessage] = [ChatSystemMessage(content=args.system)] if args.system else []
        request = ChatRequest(
            model=await _model(args, session, provider),
            messages=[*system, ChatUserMessage(content=prompt)],
            options=ChatOptions(max_tokens=args.max_tokens, thinking_level=args.thinking),
        )
        waiting = Waiting(f"the answer from {request.model}", session.config)
        if args.no_stream:
            result = await waiting.run(provider.complete(request))
            if not args.json:
                _write(result.text)
        else:
            result = await waiting.run(_stream(provider, request, echo=not args.json, progress=waiting.touch))
    for warning in result.warnings:  # e.g. a thinking level the model does not take
        print(f"openclaw-deepinfra: warning: {warning}", file=sys.stderr)
    if args.json:
        print(dumps(ChatOutput(
            model=result.model, text=result.text, usage=result.usage, cost=money(result.cost.usd),
            finish_reason=result.finish_reason,
        )))  # fmt: skip
    else:
        _write("\n")
    return 0


async def _model(args: argparse.Namespace, session: HostSession, provider: object) -> str:
    if args.model:
        return str(args.model)
    configured = session.config.get("agents.defaults.model")
    primary = configured.get("primary") if isinstance(configured, dict) else configured
    if isinstance(primary, str) and primary.strip().lower().startswith(f"{PLUGIN_ID}/"):
        return primary.strip()
    default_model = getattr(provider, "default_model", None)
    if default_model is None:
        raise CliError("no chat model given: pass --model deepinfra/<org>/<model>", exit_code=2)
    return str(await default_model())


async def _stream(
    provider: ChatCapableProvider, request: ChatRequest, *, echo: bool, progress: Callable[[], None]
) -> ChatResult:
    result: ChatResult | None = None
    async with provider.stream(request) as events:
        async for event in events:
            progress()
            if event.type == "text_delta" and echo:
                _write(event.text)
            elif event.type == "finish":
                result = event.result
    if result is None:
        raise CliError("the chat stream ended without a result")
    return result


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
