"""`describe`: describe one or more images with the media-understanding provider the host selects."""

from __future__ import annotations

import argparse
import mimetypes
from pathlib import Path
from typing import Any

from openclaw_deepinfra.cli.inputs import IMAGE_LIMIT, check_input, read_input
from openclaw_deepinfra.cli.json_shapes import JSON_HELP
from openclaw_deepinfra.cli.media_pick import answer, pick_media, text_option
from openclaw_deepinfra.cli.session import CliError, open_host
from openclaw_deepinfra.host.contracts.media import (
    ImageDescriptionRequest,
    ImagesDescriptionRequest,
    MediaImage,
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
    images = [MediaImage(buffer=read_input(path, "IMAGE", IMAGE_LIMIT), file_name=path.name,
                         mime=mimetypes.guess_type(path.name)[0]) for path in args.images]  # fmt: skip
    async with open_host(args) as session:
        method = "describe_image" if len(images) == 1 else "describe_images"
        pick = pick_media(session, "image", args.model, method)
        if not pick.model:
            raise CliError(
                f"provider {pick.provider_id!r} has no default image model; pass --model", exit_code=2
            )
        prompt = text_option(args.prompt, pick.options.get("prompt"), pick.block.get("prompt"))
        common: dict[str, Any] = {
            "prompt": prompt, "timeout_ms": pick.timeout_ms, "cfg": session.config,
            "auth_store": session.auth_store, "model": pick.model, "provider": pick.provider_id,
        }  # fmt: skip
        if len(images) == 1:
            call = pick.provider.describe_image(ImageDescriptionRequest(**dict(images[0]), **common))
        else:
            call = pick.provider.describe_images(ImagesDescriptionRequest(images=images, **common))
        await answer(session, pick, "the description", call, args.json)
    return 0
