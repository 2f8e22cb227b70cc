"""`tts`: synthesize speech with the speech provider the host selects (`tts.provider`, or auto)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openclaw_deepinfra.cli.files import check_out, output_paths, prompt_text, raise_if_fell_back, write_file
from openclaw_deepinfra.cli.json_shapes import JSON_HELP, SpeechOutput, dumps
from openclaw_deepinfra.cli.session import CliError, HostSession, Waiting, open_host
from openclaw_deepinfra.cli.understand import split_ref
from openclaw_deepinfra.host.config_tree import provider_entry
from openclaw_deepinfra.host.contracts.speech import (
    SpeechResolveConfigContext,
    SpeechSynthesisRequest,
    SpeechSynthesisResult,
)
from openclaw_deepinfra.host.media_selection import DEFAULT_TTS_TIMEOUT_MS, select_speech
from openclaw_deepinfra.host.selection import providers_of

KIND = "speech-provider"
FORMATS = ("mp3", "opus", "flac", "wav", "pcm")


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "tts", parents=[common], help="turn text into speech and write the audio to a file",
        description="Synthesize speech with the configured speech provider (tts.provider) or the "
        "first configured one; flags override the tts.providers.<id> settings.",
    )  # fmt: skip
    parser.add_argument("--model", metavar="REF", help="deepinfra/<org>/<model> or <org>/<model>")
    parser.add_argument("--voice", metavar="V", help="voice id (DeepInfra Kokoro default: af_bella)")
    parser.add_argument("--format", metavar="F", help=f"audio format: {', '.join(FORMATS)}")
    parser.add_argument("--speed", metavar="X", type=float, help="speaking speed, 0.25 to 4 (default 1)")
    parser.add_argument("--out", metavar="PATH", required=True, help="file (or directory) to write")
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.add_argument("--file", type=Path, metavar="PATH", help="read the text from PATH ('-' = stdin)")
    parser.add_argument("text", nargs="*", help="what to say ('-' reads it from stdin)")
    parser.set_defaults(handler=run)


def _provider_config(session: HostSession, provider: Any, pid: str, timeout_ms: int) -> dict[str, Any]:
    """`tts.providers.<id>` with the active persona's block on top, normalised by the provider."""
    # Raw: a SecretInput apiKey is resolved by the provider just before its request, not here.
    blocks = (session.config.get(root, raw=True) for root in (("tts",), ("messages", "tts")))
    tts: Mapping[str, Any] = next((block for block in blocks if isinstance(block, Mapping)), {})
    merged = dict(provider_entry(tts.get("providers"), pid) or {})
    persona = tts.get("persona")
    personas = tts.get("personas")
    if isinstance(persona, str) and isinstance(personas, Mapping):
        persona_providers = (personas.get(persona) or {}).get("providers") or {}
        merged.update(provider_entry(persona_providers, pid) or {})
    hook = getattr(provider, "resolve_config", None)
    if not callable(hook):
        return merged
    raw = {"providers": {pid: merged}}
    resolved = hook(SpeechResolveConfigContext(cfg=session.config, raw_config=raw, timeout_ms=timeout_ms))
    return dict(resolved) if isinstance(resolved, Mapping) else merged


async def run(args: argparse.Namespace) -> int:
    text = prompt_text(args.text, args.file, "TEXT")
    check_out(args.out)
    async with open_host(args) as session:
        providers = providers_of(session.registry, KIND)
        pid, model = split_ref(args.model, providers)
        selections = select_speech(session.config, providers, override=pid)
        if not selections:
            raise CliError(
                'no speech provider is configured: set tts.provider to "deepinfra" and a DeepInfra API key '
                "(DEEPINFRA_API_KEY or `openclaw-deepinfra onboard`)",
                exit_code=2,
            )
        selection = selections[0]
        provider: Any = providers[selection.provider_id]
        timeout_ms = selection.timeout_ms or DEFAULT_TTS_TIMEOUT_MS
        overrides = {"model": model, "voice": args.voice, "responseFormat": args.format, "speed": args.speed}
        request = SpeechSynthesisRequest(
            text=text,
            cfg=session.config,
            provider_config=_provider_config(session, provider, selection.provider_id, timeout_ms),
            provider_overrides={k: v for k, v in overrides.items() if v is not None and v != ""} or None,
            timeout_ms=timeout_ms,
        )
        waiting = Waiting(f"speech from {selection.provider_id}", session.config, timeout_ms)
        result: SpeechSynthesisResult = await waiting.run(provider.synthesize(request))
    saved = write_file(output_paths(args.out, [f"speech{result.dotted_extension}"])[0], result.audio_buffer)
    shape = SpeechOutput(
        path=str(saved.path), bytes=len(result.audio_buffer), format=result.output_format,
        voiceCompatible=result.voice_compatible, provider=selection.provider_id,
        model=result.model or selection.model,
    )  # fmt: skip
    text = f"wrote {shape.bytes} bytes of {shape.format} audio to {shape.path} ({shape.model})"
    print(dumps(shape) if args.json else text)
    raise_if_fell_back([saved], request_id=None)
    return 0
