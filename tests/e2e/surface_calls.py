"""One call per DeepInfra surface through the registry (as a gateway makes them), the loopback
routes that answer them, and the catalog those routes serve (which differs from the shipped one
exactly where a decision depends on it)."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

from openclaw_deepinfra.host.contracts.chat import ChatRequest
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.host.contracts.image import ImageGenerationRequest, ImageInput
from openclaw_deepinfra.host.contracts.media import AudioTranscriptionRequest, ImageDescriptionRequest
from openclaw_deepinfra.host.contracts.speech import SpeechSynthesisRequest
from openclaw_deepinfra.host.contracts.video import VideoGenerationRequest
from tests.catalog_rows import row as _row
from tests.e2e.loopback import LoopbackServer, Reply, Seen
from tests.gateway import Host

KEY = "di-e2e-consistency-key-0123456789abcdef"
API = "/v1/openai"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 40
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x55" * 200
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
MP4_URL = "data:video/mp4;base64," + base64.b64encode(MP4).decode()
THINKER = "acme/Thinker-9"
SEER = "acme/Seer-VL"
EMBEDDER = "acme/Embed-Small"


CATALOG = {
    "data": [
        _row(THINKER, "chat", "reasoning_effort", context_length=6000, max_tokens=3000,
             pricing={"input_tokens": 0.5, "output_tokens": 1.5}),
        _row(SEER, "chat", "vlm", context_length=32000, max_tokens=2048),
        _row("black-forest-labs/FLUX-2-pro", "image-gen", default_width=1024, default_height=768),
        _row("black-forest-labs/FLUX-1-schnell", "image-gen"),
        _row("Wan-AI/Wan2.9-T2V", "video-gen"),
        _row("Pixverse/Pixverse-T2V", "video-gen"),
        _row("hexgrad/Kokoro-82M", "tts"),
        _row("openai/whisper-large-v3-turbo", "stt"),
        _row(EMBEDDER, "embed", context_length=4),
    ]
}  # fmt: skip
CHAT_ANSWER = {
    "id": "c1",
    "model": THINKER,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1},
}
STREAM = (
    b'data: {"model": "acme/Thinker-9", "choices": [{"index": 0, "delta": {"content": "ok"},'
    b' "finish_reason": "stop"}]}\n\n',
    b"data: [DONE]\n\n",
)


def _chat(seen: Seen) -> Reply:
    return Reply.event_stream(STREAM) if json.loads(seen.body).get("stream") else Reply.json(CHAT_ANSWER)


def _embeddings(seen: Seen) -> Reply:
    texts = json.loads(seen.body)["input"]
    data = [
        {"object": "embedding", "index": i, "embedding": [float(len(t)), 0.5]} for i, t in enumerate(texts)
    ]
    return Reply.json({"object": "list", "model": EMBEDDER, "data": data})


def routes(server: LoopbackServer) -> None:
    images = Reply.json({"data": [{"b64_json": base64.b64encode(PNG).decode()}]})
    server.route("GET", f"{API}/models", Reply.json(CATALOG))
    server.route("POST", f"{API}/chat/completions", _chat)
    server.route("POST", f"{API}/images/generations", images)
    server.route("POST", f"{API}/images/edits", images)
    server.route("POST", "/v1/inference/Wan-AI/Wan2.9-T2V",
                 Reply.json({"video_url": MP4_URL, "inference_status": {"status": "succeeded"}}))  # fmt: skip
    server.route("POST", f"{API}/videos",
                 Reply.json({"id": "vid_1", "status": "completed", "data": [{"url": MP4_URL}]}))  # fmt: skip
    server.route("POST", f"{API}/audio/speech", Reply(body=MP3, headers=(("Content-Type", "audio/mpeg"),)))
    server.route("POST", f"{API}/audio/transcriptions", Reply.json({"text": "buy milk"}))
    server.route("POST", f"{API}/embeddings", _embeddings)


def _chat_request() -> ChatRequest:
    return ChatRequest.model_validate(
        {"model": f"deepinfra/{THINKER}", "messages": [{"role": "user", "content": "hi"}],
         "options": {"thinking_level": "high"}}
    )  # fmt: skip


async def chat(host: Host) -> None:
    result = await host.get("provider").complete(_chat_request())
    assert result.warnings == []


async def chat_stream(host: Host) -> None:
    async with host.get("provider").stream(_chat_request()) as events:
        async for _event in events:
            pass


async def describe(host: Host) -> None:
    await host.get("media-understanding-provider").describe_image(
        ImageDescriptionRequest(buffer=PNG, file_name="pic.png", cfg=host.config, timeout_ms=10_000,
                                model=SEER, provider="deepinfra")
    )  # fmt: skip


async def image(host: Host) -> None:
    await host.get("image-generation-provider").generate_image(
        ImageGenerationRequest(provider="deepinfra", model="", prompt="a red square", cfg={})
    )


async def image_edit(host: Host) -> None:
    source = ImageInput(buffer=PNG, mime_type="image/png", file_name="photo.png")
    await host.get("image-generation-provider").generate_image(
        ImageGenerationRequest(
            provider="deepinfra", model="", prompt="at night", cfg={}, input_images=[source]
        )
    )


async def video(host: Host) -> None:
    await host.get("video-generation-provider").generate_video(
        VideoGenerationRequest(provider="deepinfra", model="", prompt="a boat", cfg={}, duration_seconds=8,
                               provider_options={"guidance_scale": 5.0, "seed": 7})
    )  # fmt: skip


async def tts(host: Host) -> None:
    await host.get("speech-provider").synthesize(
        SpeechSynthesisRequest(text="hello", cfg=host.config, timeout_ms=10_000)
    )


async def stt(host: Host) -> None:
    media = host.get("media-understanding-provider")
    await media.transcribe_audio(
        AudioTranscriptionRequest(buffer=MP3, file_name="memo.mp3", timeout_ms=10_000,
                                  auth=media.resolve_auth(None))
    )  # fmt: skip


async def embeddings(host: Host) -> None:
    created = await host.get("embedding-provider").create(
        EmbeddingProviderCreateOptions(config=host.config, model=EMBEDDER)
    )
    # The first text is over the live model's 4-token input limit, so it travels alone.
    await created.provider.embed_batch(["one two three four five six", "seven"])


Call = Callable[[Host], Awaitable[None]]
JOBS: dict[str, Any] = {"models": {"providers": {"deepinfra": {"video": {"api": "jobs"}}}}}
SURFACES: dict[str, tuple[Call, dict[str, Any]]] = {
    "chat": (chat, {}),
    "chat-stream": (chat_stream, {}),
    "describe": (describe, {}),
    "image": (image, {}),
    "image-edit": (image_edit, {}),
    "video-native": (video, {}),
    "video-jobs": (video, JOBS),
    "tts": (tts, {}),
    "stt": (stt, {}),
    "embeddings": (embeddings, {}),
}
