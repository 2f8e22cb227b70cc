"""Host chat messages -> DeepInfra's wire messages, with images checked locally first.

DeepInfra takes jpg, png and webp images under 20 MB, by URL or as a base64 data URL, and does not
support `detail` (deepinfra-api.md §3). A data URL is decoded and checked here so a bad image is a
clear error before any request; an http(s) URL is passed through (DeepInfra fetches it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from openclaw_deepinfra.errors import RequestValidationError
from openclaw_deepinfra.host.contracts.chat import (
    ChatAssistantMessage,
    ChatImagePart,
    ChatMessage,
    ChatSystemMessage,
    ChatTextPart,
    ChatTool,
    ChatToolMessage,
    ChatUserMessage,
)
from openclaw_deepinfra.mediatypes import JPEG, PNG, WEBP, decode_user_data_url, sniff_image, to_data_url
from openclaw_deepinfra.redact import get_logger

logger = get_logger(__name__)

MAX_IMAGE_BYTES: Final = 20 * 1024 * 1024
ACCEPTED_IMAGE_TYPES: Final = (JPEG, PNG, WEBP)
# Rough prompt-size figures for the max_tokens clamp: ~4 characters per token, a few tokens of
# framing per message, and a flat allowance per image (models rescale images; exact counts vary).
CHARS_PER_TOKEN: Final = 4
TOKENS_PER_MESSAGE: Final = 4
TOKENS_PER_IMAGE: Final = 1024

WireMessage = dict[str, Any]


def wire_messages(messages: Sequence[ChatMessage], *, keep_reasoning: bool = False) -> list[WireMessage]:
    """`keep_reasoning`: replay an assistant turn's `reasoning_content` (DeepSeek tool loops)."""
    return [_message(m, position, keep_reasoning) for position, m in enumerate(messages)]


def _message(message: ChatMessage, position: int, keep_reasoning: bool) -> WireMessage:
    if isinstance(message, ChatSystemMessage):
        return {"role": "system", "content": _text_content(message.content)}
    if isinstance(message, ChatUserMessage):
        out: WireMessage = {"role": "user", "content": _user_content(message.content, position)}
        if message.name:
            out["name"] = message.name
        return out
    if isinstance(message, ChatToolMessage):
        # A string, always: DeepInfra answers 422 to a tool message whose content is a list.
        content = message.content
        text = content if isinstance(content, str) else "".join(part.text for part in content)
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": text}
    return _assistant(message, keep_reasoning)


def _assistant(message: ChatAssistantMessage, keep_reasoning: bool) -> WireMessage:
    out: WireMessage = {"role": "assistant"}
    content = _text_content(message.content) if message.content is not None else None
    if message.tool_calls:
        out["content"] = content
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.function.name, "arguments": call.function.arguments},
            }
            for call in message.tool_calls
        ]
    else:
        out["content"] = content if content is not None else ""
    if keep_reasoning and message.reasoning_content:
        out["reasoning_content"] = message.reasoning_content
    return out


def _text_content(content: str | Sequence[ChatTextPart]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    return [{"type": "text", "text": part.text} for part in content]


def _user_content(content: str | Sequence[ChatTextPart | ChatImagePart], position: int) -> Any:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for number, part in enumerate(content):
        if isinstance(part, ChatTextPart):
            parts.append({"type": "text", "text": part.text})
        else:
            where = f"message {position}, part {number}"
            # `detail` is deliberately not sent: DeepInfra does not support it.
            parts.append(
                {"type": "image_url", "image_url": {"url": checked_image_url(part.image_url.url, where)}}
            )
    return parts


def checked_image_url(url: str, where: str = "image") -> str:
    """The URL to send; a data URL is decoded and must hold a jpg/png/webp under 20 MB."""
    stripped = url.strip()
    scheme = stripped.split(":", 1)[0].lower() if ":" in stripped else ""
    if scheme in ("http", "https"):
        return stripped
    if scheme != "data":
        raise RequestValidationError(
            f"{where}: image URL scheme {scheme or '(none)'!r} is not supported",
            hint="pass an http(s) URL or a data:image/<png|jpeg|webp>;base64,... URL",
        )
    # base64 is 4 characters per 3 bytes: reject an oversized image before decoding it.
    if len(stripped) * 3 // 4 > MAX_IMAGE_BYTES + 1024:
        raise _too_large(where, len(stripped) * 3 // 4)
    data, declared = decode_user_data_url(stripped, what=f"{where}: image data URL")
    if len(data) >= MAX_IMAGE_BYTES:
        raise _too_large(where, len(data))
    actual = sniff_image(data)
    if actual not in ACCEPTED_IMAGE_TYPES:
        found = actual or (f"declared {declared}" if declared else "unrecognised bytes")
        raise RequestValidationError(
            f"{where}: DeepInfra accepts only jpg, png and webp images (got {found})",
            hint="convert the image to PNG, JPEG or WebP",
        )
    if declared is not None and declared.lower() != actual:
        logger.debug("%s: data URL declares %s but holds %s; sending %s", where, declared, actual, actual)
        return to_data_url(data, actual)
    return stripped


def _too_large(where: str, size: int) -> RequestValidationError:
    return RequestValidationError(
        f"{where}: image is {size / 1024 / 1024:.1f} MB; DeepInfra accepts images under 20 MB",
        hint="downscale or recompress the image",
    )


def estimate_prompt_tokens(messages: Sequence[WireMessage], tools: Sequence[ChatTool] | None) -> int:
    """A rough upper-side estimate of the prompt's tokens (images at a flat allowance)."""
    chars = 0
    images = 0
    for message in messages:
        chars += TOKENS_PER_MESSAGE * CHARS_PER_TOKEN
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            for part in content:
                if part.get("type") == "image_url":
                    images += 1
                else:
                    chars += len(str(part.get("text", "")))
        for call in message.get("tool_calls") or ():
            chars += len(call["function"]["name"]) + len(call["function"]["arguments"])
        chars += len(str(message.get("reasoning_content") or ""))
    if tools:
        chars += len(json.dumps([t.model_dump(exclude_none=True) for t in tools]))
    return -(-chars // CHARS_PER_TOKEN) + images * TOKENS_PER_IMAGE
