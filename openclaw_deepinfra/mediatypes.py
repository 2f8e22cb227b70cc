"""Media types from the bytes themselves, and data URLs: shared by every surface that sends or
receives images, audio or video. A caller's label (file name, declared MIME type) is a hint at
most; DeepInfra accepts only what the bytes are."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final
from urllib.parse import unquote_to_bytes

from openclaw_deepinfra.errors import MalformedResponseError, RequestValidationError

JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
WEBP: Final = "image/webp"
GIF: Final = "image/gif"

EXTENSIONS: Final[dict[str, str]] = {
    JPEG: "jpg",
    PNG: "png",
    WEBP: "webp",
    GIF: "gif",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/quicktime": "mov",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/mp4": "m4a",
    "audio/webm": "webm",
}

_DATA_URL = re.compile(
    r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[^;,]*)*?),(?P<data>.*)$", re.DOTALL
)


def sniff_image(data: bytes) -> str | None:
    """JPEG, PNG, WebP or GIF from the magic bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    return None


def sniff_video(data: bytes) -> str | None:
    """MP4/QuickTime (ISO BMFF `ftyp` box) or WebM (EBML header); None otherwise."""
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def extension_for(mime: str, default: str = "bin") -> str:
    return EXTENSIONS.get(mime.split(";", 1)[0].strip().lower(), default)


def to_data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def parse_data_url(url: str, *, what: str = "data URL") -> tuple[bytes, str | None]:
    """Decode `data:[<mime>][;base64],<payload>` into bytes and its declared MIME type.

    Raises MalformedResponseError: callers use this on what a server sent back; a caller validating
    its own user's input converts it (see `decode_user_data_url`)."""
    match = _DATA_URL.match(url.strip())
    if match is None:
        raise MalformedResponseError(f"{what} is not a data: URL")
    payload = match.group("data")
    params = [p.strip().lower() for p in (match.group("params") or "").split(";") if p.strip()]
    if "base64" in params:
        try:
            decoded = base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
        except (binascii.Error, ValueError):
            raise MalformedResponseError(f"{what} carries malformed base64") from None
    else:
        decoded = unquote_to_bytes(payload)
    return decoded, match.group("mime")


def decode_user_data_url(url: str, *, what: str) -> tuple[bytes, str | None]:
    try:
        return parse_data_url(url, what=what)
    except MalformedResponseError as exc:
        raise RequestValidationError(f"{exc.message}; pass a data:<mime>;base64,<data> URL") from None
