"""Tiny real media headers and a multipart reader for the image and video surface tests."""

from __future__ import annotations

import base64
import email
from email.message import Message

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, str | None, bytes]]:
    """{field name: (file name, part content type, bytes)} of a multipart/form-data body."""
    message: Message = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, tuple[str | None, str | None, bytes]] = {}
    for part in message.get_payload():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str) and isinstance(payload, bytes)
        declared = part.get("content-type")
        fields[name] = (part.get_filename(), declared, payload)
    return fields
