"""`video`: text-to-video through the registered video provider, with progress on stderr.

Progress comes from the request's optional `on_progress` callback (a `VideoProgress` per status
change or poll); a URL-only result is downloaded through the provider's `fetch_video` when it
offers one, so the download uses the plugin's HTTP layer (timeouts, byte cap, key scoping).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from openclaw_deepinfra.cli.inputs import prompt_text
from openclaw_deepinfra.cli.json_shapes import JSON_HELP
from openclaw_deepinfra.cli.media_output import check_out, choose_model, save_and_report
from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, open_host
from openclaw_deepinfra.cli.waiting import Waiting
from openclaw_deepinfra.host.contracts.protocols import VideoGenerationProvider
from openclaw_deepinfra.host.contracts.video import GeneratedVideo, VideoGenerationRequest, VideoProgress

KIND = "video-generation-provider"
Fetch = Callable[..., Awaitable[tuple[bytes, str | None]]]


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("video", parents=[common], help="generate a video from a prompt")
    parser.add_argument("--model", metavar="REF", help="deepinfra/<org>/<model> or <org>/<model>")
    parser.add_argument("--aspect-ratio", metavar="R", help="16:9, 4:3, 1:1, 3:4 or 9:16")
    parser.add_argument("--duration", metavar="S", type=float, help="seconds (DeepInfra renders 5 or 8)")
    parser.add_argument("--seed", metavar="N", type=int, help="0 to 4294967295, for repeatable output")
    parser.add_argument("--negative-prompt", metavar="TEXT", help="what the video should not show")
    parser.add_argument("--style", metavar="TEXT", help="a style name the model understands")
    parser.add_argument("--out", metavar="PATH", required=True, help="file (a directory gets video-1.mp4)")
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.add_argument("prompt", nargs="+", help="what happens in the video ('-' reads it from stdin)")
    parser.set_defaults(handler=run)


def show_progress(report: VideoProgress) -> None:
    job = f" job {report.job_id}" if report.job_id else ""
    where = f"{report.elapsed_seconds:.0f}s elapsed, {report.api or '?'} API"
    print(f"video: {report.status}{job} ({where})", file=sys.stderr, flush=True)


def _options(args: argparse.Namespace) -> dict[str, Any] | None:
    options = {"seed": args.seed, "negative_prompt": args.negative_prompt, "style": args.style}
    return {name: value for name, value in options.items() if value not in (None, "")} or None


async def _content(provider: object, video: GeneratedVideo, timeout_ms: int | None) -> tuple[bytes, str]:
    if video.buffer:
        return video.buffer, video.mime_type
    fetch: Fetch | None = getattr(provider, "fetch_video", None)
    if fetch is None or video.url is None:
        raise CliError(f"the video is only available at a URL and the provider cannot fetch it: {video.url}")
    data, served = await fetch(video.url, timeout_ms=timeout_ms)
    mime = served if served and served.startswith("video/") else video.mime_type
    return data, mime


async def run(args: argparse.Namespace) -> int:
    prompt = prompt_text(args.prompt, None, "PROMPT")
    check_out(args.out)
    items: list[tuple[str, bytes, str, str | None]] = []
    async with open_host(args) as session:
        provider = session.require(KIND, PLUGIN_ID)
        if not isinstance(provider, VideoGenerationProvider):
            raise CliError(f"the registered {KIND} {PLUGIN_ID!r} does not implement generate_video")
        model, timeout_ms = choose_model(session, "video", provider, args.model)
        waiting = Waiting(f"the video from {model or 'the default video model'}", session.config, timeout_ms)

        def on_progress(report: VideoProgress) -> None:
            waiting.touch()
            show_progress(report)

        request = VideoGenerationRequest(
            provider=PLUGIN_ID, model=model, prompt=prompt, cfg=session.config,
            auth_store=session.auth_store, timeout_ms=timeout_ms, aspect_ratio=args.aspect_ratio,
            duration_seconds=args.duration, provider_options=_options(args), on_progress=on_progress,
        )  # fmt: skip
        result = await waiting.run(provider.generate_video(request))
        for i, video in enumerate(result.videos, start=1):
            data, mime = await waiting.run(_content(provider, video, timeout_ms))
            items.append((video.file_name or f"video-{i}.mp4", data, mime, None))
    url = next((video.url for video in result.videos if video.url), None)
    save_and_report(args, items, result.model or model, result.metadata, url=url)
    return 0
