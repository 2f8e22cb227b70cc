"""Media types from the bytes themselves, and data URLs: shared by every surface that sends or
receives images, audio or video. A caller's label (file name, declared MIME type) is a hint at
most; DeepInfra accepts only what the bytes are."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import PurePosixPath
from typing import Final
from urllib.parse import unquote_to_bytes

from openclaw_deepinfra.errors import MalformedResponseError, RequestValidationError

JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
WEBP: Final = "image/webp"
GIF: Final = "image/gif"

# What the bytes are -> the file name extensions that name it, the usual one first (`extension_for`).
# An upload keeps a caller's extension that is listed for its bytes; `m4a`/`m4b` in an MP4
# container are audio, but its magic bytes alone say video/mp4.
EXTENSIONS: Final[dict[str, tuple[str, ...]]] = {
    JPEG: ("jpg", "jpeg"), PNG: ("png",), WEBP: ("webp",), GIF: ("gif",),
    "video/mp4": ("mp4", "m4v", "m4a", "m4b"), "video/quicktime": ("mov", "qt"),
    "video/webm": ("webm", "mkv"), "audio/mpeg": ("mp3", "mpga", "mpeg"), "audio/wav": ("wav", "wave"),
    "audio/ogg": ("ogg", "oga", "opus"), "audio/flac": ("flac",), "audio/mp4": ("m4a", "mp4", "m4b"),
    "audio/webm": ("webm",),
}  # fmt: skip
MAX_FILE_NAME: Final = 120
_UNSAFE_NAME: Final = re.compile(r"[^A-Za-z0-9._-]+")

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


AUDIO_CONTAINERS: Final = ("mp3", "wav", "ogg", "flac", "m4a/mp4", "webm")
"""What `sniff_audio` recognises, for error messages."""


def sniff_audio(data: bytes) -> str | None:
    """MP3 (ID3 tag or an MPEG audio frame), WAV, Ogg, FLAC, M4A/MP4 or WebM; None otherwise.

    Speech-to-text servers pick a decoder from the container, so anything else is refused
    before it is uploaded (and billed) rather than failing on the server."""
    if data.startswith(b"ID3"):
        return "audio/mpeg"
    # An MPEG audio frame sync: 11 set bits, then a layer other than the reserved 00 (which is
    # what AAC ADTS frames carry).
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x06:
        return "audio/mpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"fLaC"):
        return "audio/flac"
    container = sniff_video(data)  # M4A and WebM audio use the video containers (QuickTime too)
    return None if container is None else ("audio/webm" if container == "video/webm" else "audio/mp4")


def extension_for(mime: str, default: str = "bin") -> str:
    return EXTENSIONS.get(mime.split(";", 1)[0].strip().lower(), (default,))[0]


def safe_base_name(name: str | None) -> str:
    """A multipart file name: the base name only (a caller's path, quotes or control characters never
    reach the wire), limited to ``[A-Za-z0-9._-]`` and `MAX_FILE_NAME`; "" when nothing is left."""
    base = PurePosixPath((name or "").replace("\\", "/").strip()).name
    return _UNSAFE_NAME.sub("_", base).strip("._-")[:MAX_FILE_NAME]


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
    decoded = decode_base64(payload, what=what) if "base64" in params else unquote_to_bytes(payload)
    return decoded, match.group("mime")


def decode_base64(text: str, *, what: str) -> bytes:
    """Standard base64, whitespace ignored; a MalformedResponseError saying `what` carries bad base64."""
    try:
        return base64.b64decode(re.sub(r"\s+", "", text), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResponseError(f"{what} carries malformed base64") from None


def decode_user_data_url(url: str, *, what: str) -> tuple[bytes, str | None]:
    try:
        return parse_data_url(url, what=what)
    except MalformedResponseError as exc:
        raise RequestValidationError(f"{exc.message}; pass a data:<mime>;base64,<data> URL") from None
