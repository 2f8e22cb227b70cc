"""`image` and `video`: generate (or, with --input, edit) images, and text-to-video with progress on
stderr, through the registered generation providers.

Video progress comes from the request's optional `on_progress` callback (a `VideoProgress` per
status change or poll); a URL-only result is downloaded through the provider's `fetch_video` when it
offers one, so the download uses the plugin's HTTP layer (timeouts, byte cap, key scoping).
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from openclaw_deepinfra.cli.files import IMAGE_LIMIT, check_out, prompt_text, read_input, save_and_report
from openclaw_deepinfra.cli.json_shapes import JSON_HELP
from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, HostSession, Waiting, open_host
from openclaw_deepinfra.host.contracts.image import ImageGenerationRequest, ImageGenerationResult, ImageInput
from openclaw_deepinfra.host.contracts.protocols import ImageGenerationProvider, VideoGenerationProvider
from openclaw_deepinfra.host.contracts.video import GeneratedVideo, VideoGenerationRequest, VideoProgress
from openclaw_deepinfra.host.refs import parse_model_ref, strip_provider_prefix

IMAGE_KIND = "image-generation-provider"
VIDEO_KIND = "video-generation-provider"
Fetch = Callable[..., Awaitable[tuple[bytes, str | None]]]


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    image = sub.add_parser(
        "image", parents=[common], help="generate an image (or edit one with --input)",
        description="Generate images with DeepInfra; with --input, edit that image.",
    )  # fmt: skip
    image.add_argument("--model", metavar="REF", help="deepinfra/<org>/<model> or <org>/<model>")
    image.add_argument(
        "--size", metavar="WxH",
        help="e.g. 1792x1024 (default 1024x1024; an unsupported size is refused with the list)",
    )  # fmt: skip
    image.add_argument("--count", metavar="N", type=int, help="number of images (at most 4)")
    image.add_argument("--input", metavar="IMAGE", type=Path, action="append", help="image to edit")
    image.add_argument(
        "--out", metavar="PATH", required=True,
        help="file to write; with several images a directory, or PATH gets -1, -2, ... suffixes",
    )  # fmt: skip
    image.add_argument("--json", action="store_true", help=JSON_HELP)
    image.add_argument("prompt", nargs="+", help="what to draw ('-' reads it from stdin)")
    image.set_defaults(handler=run_image)
    video = sub.add_parser("video", parents=[common], help="generate a video from a prompt")
    video.add_argument("--model", metavar="REF", help="deepinfra/<org>/<model> or <org>/<model>")
    video.add_argument("--aspect-ratio", metavar="R", help="16:9, 4:3, 1:1, 3:4 or 9:16")
    video.add_argument("--duration", metavar="S", type=float, help="seconds (DeepInfra renders 5 or 8)")
    video.add_argument("--seed", metavar="N", type=int, help="0 to 4294967295, for repeatable output")
    video.add_argument("--negative-prompt", metavar="TEXT", help="what the video should not show")
    video.add_argument("--style", metavar="TEXT", help="a style name the model understands")
    video.add_argument("--out", metavar="PATH", required=True, help="file (a directory gets video-1.mp4)")
    video.add_argument("--json", action="store_true", help=JSON_HELP)
    video.add_argument("prompt", nargs="+", help="what happens in the video ('-' reads it from stdin)")
    video.set_defaults(handler=run_video)


def choose_model(
    session: HostSession, kind: Literal["image", "video"], provider: object, given: str | None
) -> tuple[str, int | None]:
    """(model id, timeout ms): `--model` (with or without `deepinfra/`), else the config's
    `agents.defaults.mediaModels.<kind>` when it names a DeepInfra model, else "" - the provider's
    default, which it picks during the call from the catalog it decides everything else from (its
    `default_model` attribute is only a hint from whatever catalog this process has seen)."""
    selection = session.config.media_model(kind)
    timeout_ms = selection.timeout_ms if selection is not None else None
    if timeout_ms is None:
        default_timeout = getattr(provider, "default_timeout_ms", None)
        timeout_ms = default_timeout if isinstance(default_timeout, int) else None
    if given is not None and given.strip():
        return strip_provider_prefix(given.strip(), PLUGIN_ID), timeout_ms
    if selection is not None and selection.primary:
        ref = parse_model_ref(selection.primary)
        if ref.provider == PLUGIN_ID:
            return ref.model, timeout_ms
    return "", timeout_ms


def _check_count(count: int | None, provider: object, *, editing: bool) -> None:
    """More images than the provider declares it makes would be silently clamped: refuse instead,
    so the user is not surprised by fewer files (the limit comes from the capabilities data)."""
    caps = getattr(provider, "capabilities", None)
    mode = getattr(caps, "edit" if editing else "generate", None)
    limit = getattr(mode, "max_count", None)
    if count is not None and isinstance(limit, int) and count > limit:
        what = "an edit" if editing else "one request"
        raise CliError(f"--count must be from 1 to {limit} ({what} makes at most {limit})", exit_code=2)


async def run_image(args: argparse.Namespace) -> int:
    if args.count is not None and args.count < 1:
        raise CliError("--count must be at least 1", exit_code=2)
    prompt = prompt_text(args.prompt, None, "PROMPT")
    inputs = [ImageInput(buffer=read_input(path, "--input", IMAGE_LIMIT), file_name=path.name,
                         mime_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")
              for path in args.input or []] or None  # fmt: skip
    check_out(args.out)
    async with open_host(args) as session:
        provider = session.require(IMAGE_KIND, PLUGIN_ID)
        if not isinstance(provider, ImageGenerationProvider):
            raise CliError(f"the registered {IMAGE_KIND} {PLUGIN_ID!r} does not implement generate_image")
        _check_count(args.count, provider, editing=bool(inputs))
        model, timeout_ms = choose_model(session, "image", provider, args.model)
        request = ImageGenerationRequest(
            provider=PLUGIN_ID, model=model, prompt=prompt, cfg=session.config,
            auth_store=session.auth_store, timeout_ms=timeout_ms, count=args.count, size=args.size,
            input_images=inputs,
        )  # fmt: skip
        waiting = Waiting(f"the image from {model or 'the default image model'}", session.config, timeout_ms)
        result: ImageGenerationResult = await waiting.run(provider.generate_image(request))
    items = [(image.file_name or f"image-{i}", image.buffer, image.mime_type, image.revised_prompt)
             for i, image in enumerate(result.images, start=1)]  # fmt: skip
    save_and_report(args, items, result.model or model, result.metadata)
    return 0


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


async def run_video(args: argparse.Namespace) -> int:
    prompt = prompt_text(args.prompt, None, "PROMPT")
    check_out(args.out)
    items: list[tuple[str, bytes, str, str | None]] = []
    async with open_host(args) as session:
        provider = session.require(VIDEO_KIND, PLUGIN_ID)
        if not isinstance(provider, VideoGenerationProvider):
            raise CliError(f"the registered {VIDEO_KIND} {PLUGIN_ID!r} does not implement generate_video")
        model, timeout_ms = choose_model(session, "video", provider, args.model)
        waiting = Waiting(f"the video from {model or 'the default video model'}", session.config, timeout_ms)

        def on_progress(report: VideoProgress) -> None:
            waiting.touch()
            job = f" job {report.job_id}" if report.job_id else ""
            where = f"{report.elapsed_seconds:.0f}s elapsed, {report.api or '?'} API"
            print(f"video: {report.status}{job} ({where})", file=sys.stderr, flush=True)

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
