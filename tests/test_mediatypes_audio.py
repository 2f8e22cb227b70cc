"""`sniff_audio`: the containers a speech-to-text upload may use, recognised from the bytes."""

from __future__ import annotations

import pytest

from openclaw_deepinfra.mediatypes import AUDIO_CONTAINERS, extension_for, sniff_audio


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + b"\x00" * 8, "audio/mpeg"),  # MPEG-1 layer III frame, no tag
        (b"\xff\xf3\x48\xc4" + b"\x00" * 8, "audio/mpeg"),  # MPEG-2 layer III
        (b"\xff\xf1\x50\x80" + b"\x00" * 8, None),  # AAC ADTS: layer bits 00, not MP3
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", None),  # RIFF but an image
        (b"OggS\x00\x02" + b"\x00" * 8, "audio/ogg"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 8, "audio/mp4"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8, "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "audio/webm"),
        (b"\x89PNG\r\n\x1a\n", None),
        (b"hello, this is text", None),
        (b"\xff", None),
        (b"", None),
    ],
)
def test_sniff_audio(data: bytes, mime: str | None) -> None:
    assert sniff_audio(data) == mime


def test_every_sniffed_audio_type_has_an_extension_and_a_name_in_the_message_list() -> None:
    samples = [
        b"ID3...",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"OggS",
        b"fLaC",
        b"\x00\x00\x00\x20ftypM4A ",
        b"\x1a\x45\xdf\xa3",
    ]
    extensions = [extension_for(sniff_audio(s) or "") for s in samples]
    assert extensions == ["mp3", "wav", "ogg", "flac", "m4a", "webm"]
    assert AUDIO_CONTAINERS == ("mp3", "wav", "ogg", "flac", "m4a/mp4", "webm")
