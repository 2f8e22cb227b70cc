"""`describe`: describe one or more images with the media-understanding provider the host selects."""

from __future__ import annotations

import argparse
import mimetypes
from pathlib import Path
from typing import Any

from openclaw_deepinfra.cli.inputs import IMAGE_LIMIT, check_input, read_input
from openclaw_deepinfra.cli.json_shapes import JSON_HELP
from openclaw_deepinfra.cli.media_pick import pick_media, print_result, text_option
from openclaw_deepinfra.cli.session import CliError, open_host
from openclaw_deepinfra.cli.waiting import Waiting
from openclaw_deepinfra.host.contracts.media import (
    ImageDescriptionRequest,
    ImagesDescriptionRequest,
    MediaImage,
    MediaUnderstandingResult,
)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "describe", parents=[common], help="describe images with a vision model",
        description="Describe IMAGE (jpg, png or webp); several images go to the model together.",
    )  # fmt: skip
    parser.add_argument("--model", metavar="REF", help="deepinfra/<org>/<model> (a vision model)")
    parser.add_argument("--prompt", metavar="P", help='what to ask (default: "Describe the image.")')
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.add_argument("images", metavar="IMAGE", type=Path, nargs="+", help="image file(s)")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    for path in args.images:  # every image checked before any is read
        check_input(path, "IMAGE", IMAGE_LIMIT)
    images = [
        MediaImage(
            buffer=read_input(path, "IMAGE", IMAGE_LIMIT),
            file_name=path.name,
            mime=mimetypes.guess_type(path.name)[0],
        )
        for path in args.images
    ]
    async with open_host(args) as session:
        method = "describe_image" if len(images) == 1 else "describe_images"
        pick = pick_media(session, "image", args.model, method)
        if not pick.model:
            raise CliError(
                f"provider {pick.provider_id!r} has no default image model; pass --model", exit_code=2
            )
        common: dict[str, Any] = {
            "prompt": text_option(args.prompt, pick.options.get("prompt"), pick.block.get("prompt")),
            "timeout_ms": pick.timeout_ms,
            "cfg": session.config,
            "auth_store": session.auth_store,
            "model": pick.model,
            "provider": pick.provider_id,
        }
        waiting = Waiting(f"the description from {pick.model}", session.config, pick.timeout_ms)
        if len(images) == 1:
            image = images[0]
            request = ImageDescriptionRequest(
                buffer=image.buffer, file_name=image.file_name, mime=image.mime, **common
            )
            call = pick.provider.describe_image(request)
        else:
            call = pick.provider.describe_images(ImagesDescriptionRequest(images=images, **common))
        result: MediaUnderstandingResult = await waiting.run(call)
    print_result(result, pick, as_json=args.json)
    return 0
