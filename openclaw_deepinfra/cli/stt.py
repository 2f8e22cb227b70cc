"""`stt`: transcribe an audio file with the media-understanding provider the host selects."""

from __future__ import annotations

import argparse
import mimetypes
from pathlib import Path
from typing import Any

from openclaw_deepinfra.cli.inputs import AUDIO_LIMIT, read_input
from openclaw_deepinfra.cli.json_shapes import JSON_HELP
from openclaw_deepinfra.cli.media_pick import answer, media_auth, pick_media, text_option
from openclaw_deepinfra.cli.session import open_host
from openclaw_deepinfra.host.contracts.media import AudioTranscriptionRequest


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "stt", parents=[common], help="transcribe an audio file (speech to text)",
        description="Transcribe AUDIO (mp3, wav, ogg, flac, m4a, webm) and print the text.",
    )  # fmt: skip
    parser.add_argument("--model", metavar="REF", help="deepinfra/<org>/<model> or <org>/<model>")
    parser.add_argument("--language", metavar="L", help="spoken language, e.g. en (default: detected)")
    parser.add_argument("--prompt", metavar="P", help="context for the transcriber (names, spelling)")
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.add_argument("audio", metavar="AUDIO", type=Path, help="audio file to transcribe")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    data = read_input(args.audio, "AUDIO", AUDIO_LIMIT)
    async with open_host(args) as session:
        pick = pick_media(session, "audio", args.model, "transcribe_audio")
        request = AudioTranscriptionRequest(
            buffer=data,
            file_name=args.audio.name,
            mime=mimetypes.guess_type(args.audio.name)[0],
            auth=media_auth(session, pick),
            model=pick.model,
            language=text_option(args.language, pick.options.get("language"), pick.block.get("language")),
            prompt=text_option(args.prompt, pick.options.get("prompt"), pick.block.get("prompt")),
            timeout_ms=pick.timeout_ms,
        )
        await answer(session, pick, "the transcript", pick.provider.transcribe_audio(request), args.json)
    return 0
