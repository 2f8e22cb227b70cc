"""`image`: generate (or, with --input, edit) images through the registered image provider."""

from __future__ import annotations

import argparse
import mimetypes
from pathlib import Path
from typing import Any

from openclaw_deepinfra.cli.inputs import IMAGE_LIMIT, prompt_text, read_input
from openclaw_deepinfra.cli.json_shapes import JSON_HELP
from openclaw_deepinfra.cli.media_output import check_out, choose_model, save_and_report
from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, open_host
from openclaw_deepinfra.cli.waiting import Waiting
from openclaw_deepinfra.host.contracts.image import ImageGenerationRequest, ImageGenerationResult, ImageInput
from openclaw_deepinfra.host.contracts.protocols import ImageGenerationProvider

KIND = "image-generation-provider"


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "image", parents=[common], help="generate an image (or edit one with --input)",
        description="Generate images with DeepInfra; with --input, edit that image.",
    )  # fmt: skip
    parser.add_argument("--model", metavar="REF", help="deepinfra/<org>/<model> or <org>/<model>")
    parser.add_argument(
        "--size", metavar="WxH",
        help="e.g. 1792x1024 (default 1024x1024; an unsupported size is refused with the list)",
    )  # fmt: skip
    parser.add_argument("--count", metavar="N", type=int, help="number of images (at most 4)")
    parser.add_argument("--input", metavar="IMAGE", type=Path, action="append", help="image to edit")
    parser.add_argument(
        "--out", metavar="PATH", required=True,
        help="file to write; with several images a directory, or PATH gets -1, -2, ... suffixes",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.add_argument("prompt", nargs="+", help="what to draw ('-' reads it from stdin)")
    parser.set_defaults(handler=run)


def _inputs(paths: list[Path] | None) -> list[ImageInput] | None:
    images = [ImageInput(buffer=read_input(path, "--input", IMAGE_LIMIT), file_name=path.name,
                         mime_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")
              for path in paths or []]  # fmt: skip
    return images or None


def _check_count(count: int | None, provider: object, *, editing: bool) -> None:
    """More images than the provider declares it makes would be silently clamped: refuse instead,
    so the user is not surprised by fewer files (the limit comes from the capabilities data)."""
    caps = getattr(provider, "capabilities", None)
    mode = getattr(caps, "edit" if editing else "generate", None)
    limit = getattr(mode, "max_count", None)
    if count is not None and isinstance(limit, int) and count > limit:
        what = "an edit" if editing else "one request"
        raise CliError(f"--count must be from 1 to {limit} ({what} makes at most {limit})", exit_code=2)


async def run(args: argparse.Namespace) -> int:
    if args.count is not None and args.count < 1:
        raise CliError("--count must be at least 1", exit_code=2)
    prompt = prompt_text(args.prompt, None, "PROMPT")
    inputs = _inputs(args.input)
    check_out(args.out)
    async with open_host(args) as session:
        provider = session.require(KIND, PLUGIN_ID)
        if not isinstance(provider, ImageGenerationProvider):
            raise CliError(f"the registered {KIND} {PLUGIN_ID!r} does not implement generate_image")
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
