"""`stt` and `describe`: the media-understanding commands, and how they (and `tts`) turn `--model`
and the config into the provider and model a gateway would use, through the host's selection
(never by importing a surface)."""

from __future__ import annotations

import argparse
import mimetypes
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openclaw_deepinfra.cli.files import AUDIO_LIMIT, IMAGE_LIMIT, check_input, read_input
from openclaw_deepinfra.cli.json_shapes import JSON_HELP, TextOutput, dumps
from openclaw_deepinfra.cli.session import CliError, HostSession, Waiting, open_host
from openclaw_deepinfra.config_blocks import first_text
from openclaw_deepinfra.host.contracts.media import (
    ApiKeyMediaAuth,
    AudioTranscriptionRequest,
    ImageDescriptionRequest,
    ImagesDescriptionRequest,
    MediaImage,
    MediaResolveAuthContext,
    MediaUnderstandingResult,
    NoneMediaAuth,
)
from openclaw_deepinfra.host.media_selection import select_media_understanding
from openclaw_deepinfra.host.selection import match_provider, providers_of

MEDIA_KIND = "media-understanding-provider"
DEFAULT_MEDIA_TIMEOUT_MS = 120_000
_KEY_HINT = (
    "set DEEPINFRA_API_KEY (or run `openclaw-deepinfra onboard`), or name a provider in tools.media.models"
)


def split_ref(ref: str | None, providers: Mapping[str, object]) -> tuple[str | None, str | None]:
    """`provider/model` when the first segment names a registered provider, else a bare model id
    (DeepInfra ids contain a slash themselves: `openai/whisper-large-v3`)."""
    if ref is None or not ref.strip():
        return None, None
    text = ref.strip()
    head, sep, rest = text.partition("/")
    if sep and rest:
        pid = match_provider(providers, head)
        if pid is not None:
            return pid, rest
    return None, text


@dataclass(frozen=True)
class MediaPick:
    provider_id: str
    provider: Any
    model: str | None
    timeout_ms: int
    options: Mapping[str, Any] = field(default_factory=dict)
    block: Mapping[str, Any] = field(default_factory=dict)
    """`tools.media.<capability>` (prompt, language, ...)."""


def pick_media(
    session: HostSession, capability: Literal["image", "audio"], ref: str | None, method: str
) -> MediaPick:
    providers = providers_of(session.registry, MEDIA_KIND)
    wanted_pid, wanted_model = split_ref(ref, providers)
    candidates = [
        s
        for s in select_media_understanding(session.config, providers, capability)
        if callable(getattr(providers[s.provider_id], method, None))
    ]
    block_value = session.config.get(("tools", "media", capability))
    block = block_value if isinstance(block_value, Mapping) else {}
    if wanted_pid is not None and not callable(getattr(providers[wanted_pid], method, None)):
        raise CliError(f"media-understanding provider {wanted_pid!r} cannot do {capability}", exit_code=2)
    if wanted_pid is None and not candidates:
        raise CliError(
            f"no media-understanding provider is configured for {capability}: {_KEY_HINT}", exit_code=2
        )
    pid = wanted_pid or candidates[0].provider_id
    chosen = next((s for s in candidates if s.provider_id == pid), None)
    options, timeout = (chosen.options, chosen.timeout_ms) if chosen else ({}, None)
    model = wanted_model or next((s.model for s in candidates if s.provider_id == pid and s.model), None)
    if model is None:
        defaults = getattr(providers[pid], "default_models", None)
        model = defaults.get(capability) if isinstance(defaults, Mapping) else None
    seconds = block.get("timeoutSeconds")
    if timeout is None and isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
        timeout = int(seconds * 1000)
    return MediaPick(pid, providers[pid], model, timeout or DEFAULT_MEDIA_TIMEOUT_MS, options, block)


def media_auth(session: HostSession, pick: MediaPick) -> ApiKeyMediaAuth | NoneMediaAuth | None:
    """What the provider's `resolve_auth` hook says (a gateway resolves credentials this way)."""
    hook = getattr(pick.provider, "resolve_auth", None)
    if not callable(hook):
        return None
    ctx = MediaResolveAuthContext(
        config=session.config,
        provider=pick.provider_id,
        provider_config=session.config.provider_config(pick.provider_id),
    )
    auth = hook(ctx)
    return auth if isinstance(auth, ApiKeyMediaAuth | NoneMediaAuth) else None


async def answer(
    session: HostSession, pick: MediaPick, what: str, call: Awaitable[MediaUnderstandingResult], json: bool
) -> None:
    """Await the provider's call (saying so while it is silent), then print the text, or with
    --json the text and the model that actually answered."""
    waiting = Waiting(f"{what} from {pick.model or pick.provider_id}", session.config, pick.timeout_ms)
    result = await waiting.run(call)
    shape = TextOutput(text=result.text, model=result.model or pick.model, provider=pick.provider_id)
    print(dumps(shape) if json else result.text)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    stt = sub.add_parser(
        "stt", parents=[common], help="transcribe an audio file (speech to text)",
        description="Transcribe AUDIO (mp3, wav, ogg, flac, m4a, webm) and print the text.",
    )  # fmt: skip
    stt.add_argument("--model", metavar="REF", help="deepinfra/<org>/<model> or <org>/<model>")
    stt.add_argument("--language", metavar="L", help="spoken language, e.g. en (default: detected)")
    stt.add_argument("--prompt", metavar="P", help="context for the transcriber (names, spelling)")
    stt.add_argument("--json", action="store_true", help=JSON_HELP)
    stt.add_argument("audio", metavar="AUDIO", type=Path, help="audio file to transcribe")
    stt.set_defaults(handler=run_stt)
    describe = sub.add_parser(
        "describe", parents=[common], help="describe images with a vision model",
        description="Describe IMAGE (jpg, png or webp); several images go to the model together.",
    )  # fmt: skip
    describe.add_argument("--model", metavar="REF", help="deepinfra/<org>/<model> (a vision model)")
    describe.add_argument("--prompt", metavar="P", help='what to ask (default: "Describe the image.")')
    describe.add_argument("--json", action="store_true", help=JSON_HELP)
    describe.add_argument("images", metavar="IMAGE", type=Path, nargs="+", help="image file(s)")
    describe.set_defaults(handler=run_describe)


async def run_stt(args: argparse.Namespace) -> int:
    data = read_input(args.audio, "AUDIO", AUDIO_LIMIT)
    async with open_host(args) as session:
        pick = pick_media(session, "audio", args.model, "transcribe_audio")
        request = AudioTranscriptionRequest(
            buffer=data,
            file_name=args.audio.name,
            mime=mimetypes.guess_type(args.audio.name)[0],
            auth=media_auth(session, pick),
            model=pick.model,
            language=first_text(args.language, pick.options.get("language"), pick.block.get("language")),
            prompt=first_text(args.prompt, pick.options.get("prompt"), pick.block.get("prompt")),
            timeout_ms=pick.timeout_ms,
        )
        await answer(session, pick, "the transcript", pick.provider.transcribe_audio(request), args.json)
    return 0


async def run_describe(args: argparse.Namespace) -> int:
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
        prompt = first_text(args.prompt, pick.options.get("prompt"), pick.block.get("prompt"))
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
