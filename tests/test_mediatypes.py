from __future__ import annotations

import base64

import pytest

from openclaw_deepinfra.errors import MalformedResponseError, RequestValidationError
from openclaw_deepinfra.mediatypes import (
    decode_user_data_url,
    extension_for,
    parse_data_url,
    sniff_image,
    sniff_video,
    to_data_url,
)

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 16
WEBP_BYTES = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 8


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (PNG_BYTES, "image/png"),
        (JPEG_BYTES, "image/jpeg"),
        (WEBP_BYTES, "image/webp"),
        (b"GIF89a" + b"\x00" * 8, "image/gif"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # RIFF but not WebP
        (b"<html>", None),
        (b"", None),
    ],
)
def test_sniff_image(data: bytes, mime: str | None) -> None:
    assert sniff_image(data) == mime


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8, "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 8, "video/quicktime"),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 8, "video/webm"),
        (b"nope", None),
    ],
)
def test_sniff_video(data: bytes, mime: str | None) -> None:
    assert sniff_video(data) == mime


def test_data_url_round_trip_and_extensions() -> None:
    url = to_data_url(PNG_BYTES, "image/png")
    assert url.startswith("data:image/png;base64,")
    assert parse_data_url(url) == (PNG_BYTES, "image/png")
    assert parse_data_url("data:,hello%20world") == (b"hello world", None)
    assert parse_data_url("data:video/mp4;base64,AAEC\nAw==") == (b"\x00\x01\x02\x03", "video/mp4")
    assert (extension_for("image/jpeg"), extension_for("Video/MP4; codecs=x"), extension_for("x/y")) == (
        "jpg",
        "mp4",
        "bin",
    )


def test_bad_data_urls_are_typed_errors() -> None:
    with pytest.raises(MalformedResponseError, match="malformed base64"):
        parse_data_url("data:image/png;base64,!!!!", what="video response")
    with pytest.raises(MalformedResponseError, match="not a data: URL"):
        parse_data_url("https://example.com/x.png")
    with pytest.raises(RequestValidationError, match="data:<mime>;base64"):
        decode_user_data_url("data:image/png;base64,%%%", what="image 1")
    assert base64.b64decode(to_data_url(b"x", "a/b").split(",", 1)[1]) == b"x"
