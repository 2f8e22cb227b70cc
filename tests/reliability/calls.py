"""One host call per DeepInfra surface, and the good answers a fault server gives each of them.

The suites (faults, secrets, isolation) call the surfaces the way a gateway does: through the
providers the registry holds, with the host's request models.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

from openclaw_deepinfra.host.contracts.chat import ChatRequest, ChatResult
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.host.contracts.image import ImageGenerationRequest, ImageInput
from openclaw_deepinfra.host.contracts.media import AudioTranscriptionRequest, ImageDescriptionRequest
from openclaw_deepinfra.host.contracts.speech import SpeechSynthesisRequest
from openclaw_deepinfra.host.contracts.video import VideoGenerationRequest
from tests.e2e.faults import Action, FaultServer, Request, json_reply, reply, sse_reply
from tests.reliability.conftest import CHAT_MODEL, CHAT_PATH, EMBED_PATH, MODELS_PATH, Host

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 40
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x55" * 200
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
SPEECH_PATH = "/v1/openai/audio/speech"
STT_PATH = "/v1/openai/audio/transcriptions"
IMAGE_PATH = "/v1/openai/images/generations"
EDIT_PATH = "/v1/openai/images/edits"
VIDEO_MODEL = "Pixverse/Pixverse-T2V"
VIDEO_PATH = f"/v1/inference/{VIDEO_MODEL}"
VIDEO_FILE_PATH = "/files/clip.mp4"
EMBED_MODEL = "BAAI/bge-m3"


def frame(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def delta(text: str, finish: str | None = None) -> bytes:
    return frame({"model": CHAT_MODEL, "choices": [{"index": 0, "delta": {"content": text},
                                                    "finish_reason": finish}]})  # fmt: skip


DONE = b"data: [DONE]\n\n"
STREAM_FRAMES = (delta("Hel"), delta("lo"), delta("!", "stop"), DONE)
CHAT_ANSWER = {
    "id": "c1",
    "model": CHAT_MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2},
}


def embed_answer(request: Request) -> Action:
    texts = request.json()["input"]
    items = [
        {"object": "embedding", "index": i, "embedding": [float(len(t)), 0.5]} for i, t in enumerate(texts)
    ]
    return json_reply({"object": "list", "model": EMBED_MODEL, "data": items,
                       "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)}})  # fmt: skip


def chat_answer(request: Request) -> Action:
    if request.json().get("stream"):
        return sse_reply(STREAM_FRAMES)
    return json_reply(CHAT_ANSWER)


CATALOG = {
    "data": [
        {"id": CHAT_MODEL, "metadata": {"tags": ["chat"], "context_length": 1048576}},
        {"id": "moonshotai/Kimi-K2.5", "metadata": {"tags": ["chat", "vlm"]}},
        {"id": EMBED_MODEL, "metadata": {"tags": ["embed"], "context_length": 8192}},
        {"id": "black-forest-labs/FLUX-1-schnell", "metadata": {"tags": ["image-gen"]}},
        {"id": VIDEO_MODEL, "metadata": {"tags": ["video-gen"]}},
        {"id": "hexgrad/Kokoro-82M", "metadata": {"tags": ["tts"]}},
        {"id": "openai/whisper-large-v3-turbo", "metadata": {"tags": ["stt"]}},
    ]
}


def route_all_ok(server: FaultServer, *, models: bool = True) -> None:
    """Good answers on every path the surfaces use (`models=False` leaves the catalog route alone)."""
    server.route("POST", CHAT_PATH, responder=chat_answer)
    server.route("POST", EMBED_PATH, responder=embed_answer)
    if models:
        server.route("GET", MODELS_PATH, json_reply(CATALOG))
    server.route("POST", SPEECH_PATH, reply(200, MP3, content_type="audio/mpeg"))
    server.route("POST", STT_PATH, json_reply({"text": "buy milk"}))
    server.route("POST", IMAGE_PATH, json_reply({"data": [{"b64_json": base64.b64encode(PNG).decode()}]}))
    server.route("POST", EDIT_PATH, json_reply({"data": [{"b64_json": base64.b64encode(PNG).decode()}]}))
    server.route(
        "POST",
        VIDEO_PATH,
        responder=lambda request: json_reply({
            "video_url": f"http://{request.headers['host']}{VIDEO_FILE_PATH}",
            "request_id": "vid-1",
            "inference_status": {"status": "succeeded", "cost": 0.1},
        }),
    )  # fmt: skip
    server.route("GET", VIDEO_FILE_PATH, reply(200, MP4, content_type="video/mp4"))


def chat_request(stream: bool = False, **options: Any) -> ChatRequest:
    return ChatRequest.model_validate(
        {"model": f"deepinfra/{CHAT_MODEL}", "messages": [{"role": "user", "content": "hi"}],
         "options": options}
    )  # fmt: skip


async def chat(host: Host) -> str:
    result: ChatResult = await host.get("provider").complete(chat_request())
    return result.text


async def chat_stream(host: Host) -> str:
    texts: list[str] = []
    async with host.get("provider").stream(chat_request()) as events:
        async for event in events:
            if event.type == "text_delta":
                texts.append(event.text)
    return "".join(texts)


async def embed(host: Host, texts: list[str] | None = None) -> list[list[float]]:
    adapter = host.get("embedding-provider")
    created = await adapter.create(EmbeddingProviderCreateOptions(config=host.config, model=EMBED_MODEL))
    vectors: list[list[float]] = await created.provider.embed_batch(texts or ["alpha", "beta"])
    return vectors


async def tts(host: Host) -> bytes:
    result = await host.get("speech-provider").synthesize(
        SpeechSynthesisRequest(text="hello", cfg=host.config, timeout_ms=10_000)
    )
    audio: bytes = result.audio_buffer
    return audio


async def stt(host: Host, buffer: bytes = MP3, file_name: str = "memo.mp3") -> str:
    media = host.get("media-understanding-provider")
    result = await media.transcribe_audio(
        AudioTranscriptionRequest(buffer=buffer, file_name=file_name, timeout_ms=10_000,
                                  auth=media.resolve_auth(None))
    )  # fmt: skip
    text: str = result.text
    return text


async def describe(host: Host, buffer: bytes = PNG) -> str:
    result = await host.get("media-understanding-provider").describe_image(
        ImageDescriptionRequest(buffer=buffer, file_name="pic.png", cfg=host.config, timeout_ms=10_000,
                                model="moonshotai/Kimi-K2.5", provider="deepinfra")
    )  # fmt: skip
    text: str = result.text
    return text


async def image(host: Host) -> int:
    result = await host.get("image-generation-provider").generate_image(
        ImageGenerationRequest(provider="deepinfra", model="deepinfra/black-forest-labs/FLUX-1-schnell",
                               prompt="a fox", cfg={})
    )  # fmt: skip
    return len(result.images)


async def image_edit(host: Host, buffer: bytes = PNG, file_name: str | None = "photo.png") -> int:
    source = ImageInput(buffer=buffer, mime_type="image/png", file_name=file_name)
    result = await host.get("image-generation-provider").generate_image(
        ImageGenerationRequest(provider="deepinfra", model="deepinfra/black-forest-labs/FLUX-1-schnell",
                               prompt="at night", cfg={}, input_images=[source])
    )  # fmt: skip
    return len(result.images)


async def video(host: Host) -> bytes:
    provider = host.get("video-generation-provider")
    result = await provider.generate_video(
        VideoGenerationRequest(
            provider="deepinfra", model=f"deepinfra/{VIDEO_MODEL}", prompt="a boat", cfg={}
        )
    )
    clip = result.videos[0]
    if clip.buffer is not None:
        return bytes(clip.buffer)
    data, _mime = await provider.fetch_video(clip.url, timeout_ms=10_000)
    return bytes(data)


SurfaceCall = Callable[[Host], Awaitable[Any]]

# The billed POST of each surface (path on the server, call); "submit" for the video job.
BILLED_CALLS: dict[str, tuple[str, SurfaceCall]] = {
    "chat": (CHAT_PATH, chat),
    "chat-stream": (CHAT_PATH, chat_stream),
    "embeddings": (EMBED_PATH, embed),
    "tts": (SPEECH_PATH, tts),
    "stt": (STT_PATH, stt),
    "describe": (CHAT_PATH, describe),
    "image": (IMAGE_PATH, image),
    "image-edit": (EDIT_PATH, image_edit),
}
ALL_CALLS: dict[str, SurfaceCall] = {
    **{name: call for name, (_path, call) in BILLED_CALLS.items()},
    "video": video,
}
