"""Pre-rendered wire answers for the benchmark server: built once, sent as bytes.

Shapes follow DeepInfra's OpenAI-compatible API (chat completion, chat completion chunks,
embeddings, the `with_meta` model projection) so every client parses the same realistic JSON.
"""

from __future__ import annotations

import json
import random
import struct
from typing import Final

KEY: Final = "bench-key-0123456789abcdef0123456789"
CHAT_MODEL: Final = "zai-org/GLM-5.2"
EMBED_MODEL: Final = "BAAI/bge-m3"
BASE_PATH: Final = "/v1/openai"
CREATED: Final = 1767225600


def chat_completion() -> bytes:
    body = {
        "id": "chatcmpl-bench0123456789",
        "object": "chat.completion",
        "created": CREATED,
        "model": CHAT_MODEL,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "The quick brown fox jumps over the lazy dog. " * 3,
                },
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 42,
            "completion_tokens": 30,
            "total_tokens": 72,
            "estimated_cost": 4.2e-05,
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


def stream_frames(chunks: int) -> list[bytes]:
    """`chunks` SSE frames (each one `data:` event) ending with a finish chunk, usage and [DONE].

    The data lines are what an OpenAI-style server emits: an id, the model and one delta each.
    """
    words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog."]
    frames: list[bytes] = []
    head = {"id": "chatcmpl-bench0123456789", "object": "chat.completion.chunk", "created": CREATED}
    for i in range(max(chunks - 2, 1)):
        delta: dict[str, str] = {"content": words[i % len(words)]}
        if i == 0:
            delta = {"role": "assistant", **delta}
        chunk = {
            **head,
            "model": CHAT_MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
        }
        frames.append(_event(chunk))
    finish = {**head, "model": CHAT_MODEL, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    frames.append(_event(finish))
    usage = {
        **head,
        "model": CHAT_MODEL,
        "choices": [],
        "usage": {"prompt_tokens": 42, "completion_tokens": chunks, "total_tokens": 42 + chunks},
    }
    frames.append(_event(usage))
    frames.append(b"data: [DONE]\n\n")
    return frames


def _event(chunk: object) -> bytes:
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


def canned_vectors(dims: int, count: int = 16) -> list[bytes]:
    rng = random.Random(1)  # noqa: S311 - canned benchmark data, not a secret
    vectors = []
    for _ in range(count):
        # float32 values printed as Python floats: the digits a real embeddings answer carries
        values = struct.unpack(
            f"{dims}f", struct.pack(f"{dims}f", *(rng.gauss(0, 0.05) for _ in range(dims)))
        )
        vectors.append(json.dumps(list(values)).encode())
    return vectors


def embeddings_answer(n: int, vectors: list[bytes]) -> bytes:
    items = b",".join(
        b'{"object":"embedding","index":%d,"embedding":%s}' % (i, vectors[i % len(vectors)]) for i in range(n)
    )
    usage = b'{"prompt_tokens":%d,"total_tokens":%d}' % (n * 8, n * 8)
    return b'{"object":"list","model":"%s","data":[%s],"usage":%s}' % (EMBED_MODEL.encode(), items, usage)


def models_projection() -> bytes:
    """A small live catalog with one model per surface (the refresher needs every surface)."""

    def row(model_id: str, *tags: str, **meta: object) -> dict[str, object]:
        return {"id": model_id, "object": "model", "metadata": {"tags": list(tags), **meta}}

    rows = [
        row(CHAT_MODEL, "chat", context_length=202752, pricing={"input_tokens": 0.5, "output_tokens": 1.5}),
        row("deepseek-ai/DeepSeek-V4-Flash", "chat", context_length=1048576),
        row("Qwen/Qwen9-VL", "chat", "vlm", context_length=131072),
        row(EMBED_MODEL, "embed", context_length=8192),
        row("black-forest-labs/FLUX-2-pro", "image-gen"),
        row("Wan-AI/Wan2.9-T2V", "video-gen"),
        row("hexgrad/Kokoro-82M", "tts"),
        row("openai/whisper-large-v3", "stt"),
    ]
    return json.dumps({"data": rows}, separators=(",", ":")).encode()
