"""Hostile media input: oversized images, wrong magic bytes, empty audio, and file names carrying
paths, quotes and newlines. Each is refused with a RequestValidationError before any request (the
fault server records nothing), or goes out with a sanitised name; the multipart builders never
raise anything but the typed errors, whatever the bytes and the name.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclaw_deepinfra.errors import RequestValidationError
from openclaw_deepinfra.host.contracts.chat import ChatRequest
from openclaw_deepinfra.host.contracts.media import AudioTranscriptionRequest
from openclaw_deepinfra.surfaces.images import upload_name
from openclaw_deepinfra.surfaces.understanding.provider import build_form, check_audio, safe_file_name
from tests.e2e.faults import FaultServer
from tests.reliability import calls
from tests.reliability.calls import MP3, PNG
from tests.reliability.conftest import MakeHost

pytestmark = pytest.mark.usefixtures("loop_errors")

OVERSIZED = PNG + b"\x00" * (20 * 1024 * 1024 + 1)
NOT_MEDIA = {
    "pdf": b"%PDF-1.7 a document",
    "text": b"hello world, not an image",
    "zip": b"PK\x03\x04" + b"\x00" * 40,
}
HOSTILE_NAMES = [
    "../../etc/passwd.png",
    "/abs/path/photo.png",
    "C:\\Users\\me\\photo.png",
    'quote"d.png',
    "new\r\nline: injected.png",
    "nul\x00byte.png",
    "semi;colon=x.png",
    "ünïcødé 📷.png",
    "",
    "..",
]
SAFE_NAME = re.compile(rb'filename="([A-Za-z0-9._-]+)"')


def vision_chat(image: bytes, mime: str = "image/png") -> ChatRequest:
    url = f"data:{mime};base64,{base64.b64encode(image).decode()}"
    return ChatRequest.model_validate(
        {"model": "deepinfra/moonshotai/Kimi-K2.5",
         "messages": [{"role": "user", "content": [{"type": "text", "text": "what is it?"},
                                                   {"type": "image_url", "image_url": {"url": url}}]}]}
    )  # fmt: skip


async def test_oversized_image_for_chat_is_refused_before_any_request(
    faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults)
    provider = host.get("provider")
    with pytest.raises(RequestValidationError, match="under 20 MB"):
        await provider.complete(vision_chat(OVERSIZED))
    with pytest.raises(RequestValidationError, match="under 20 MB"):
        provider.stream(vision_chat(OVERSIZED))  # refused when the stream is made, before it runs
    assert faults.requests == []


async def test_oversized_image_for_describe_is_refused_before_any_request(
    faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults)
    with pytest.raises(RequestValidationError, match="under 20 MB"):
        await calls.describe(host, OVERSIZED)
    assert faults.requests == []


@pytest.mark.parametrize("kind", sorted(NOT_MEDIA))
async def test_wrong_magic_bytes_are_refused_before_any_request(
    kind: str, faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults)
    data = NOT_MEDIA[kind]
    with pytest.raises(RequestValidationError):
        await calls.describe(host, data)
    with pytest.raises(RequestValidationError):
        await host.get("provider").complete(vision_chat(data))
    with pytest.raises(RequestValidationError):
        await calls.image_edit(host, data)
    with pytest.raises(RequestValidationError, match="not a supported audio container"):
        await calls.stt(host, data, "memo.mp3")
    assert faults.requests == []


async def test_empty_media_is_refused_before_any_request(faults: FaultServer, make_host: MakeHost) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults)
    with pytest.raises(RequestValidationError, match="empty"):
        await calls.stt(host, b"", "memo.mp3")
    with pytest.raises(RequestValidationError, match="empty"):
        await calls.describe(host, b"")
    with pytest.raises(RequestValidationError, match="empty"):
        await calls.image_edit(host, b"")
    assert faults.requests == []


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_hostile_file_names_reach_the_wire_sanitised(
    name: str, faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults)
    assert await calls.stt(host, MP3, name) == "buy milk"
    assert await calls.image_edit(host, PNG, name) == 1
    stt_request, edit_request = faults.requests
    for request in (stt_request, edit_request):
        match = SAFE_NAME.search(request.body)
        assert match is not None, request.body[:300]
        sent = match.group(1)
        assert b"/" not in sent and b"\\" not in sent and not sent.startswith(b".")
        # exactly the parts we built: nothing the name carried became a header or a part
        boundary = request.headers["content-type"].split("boundary=", 1)[1].encode()
        assert request.body.count(b"Content-Disposition") == request.body.count(b"--" + boundary) - 1
    assert SAFE_NAME.search(stt_request.body).group(1).endswith(b".mp3")  # type: ignore[union-attr]


NAMES = st.one_of(st.none(), st.text(max_size=300), st.sampled_from(HOSTILE_NAMES))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAMES, mime=st.sampled_from(["audio/mpeg", "audio/wav", "audio/ogg", "audio/flac", "audio/mp4"]))
def test_stt_file_name_is_always_a_safe_base_name(name: str | None, mime: str) -> None:
    cleaned = safe_file_name(name, mime)
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,130}", cleaned) and not cleaned.startswith(".")


@settings(max_examples=150, deadline=None)
@given(name=NAMES, mime=st.sampled_from(["image/png", "image/jpeg", "image/webp"]))
def test_image_upload_name_is_always_a_safe_base_name(name: str | None, mime: str) -> None:
    cleaned = upload_name(name, mime)
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,130}", cleaned) and not cleaned.startswith(".")


@settings(max_examples=150, deadline=None)
@given(
    buffer=st.one_of(
        st.binary(max_size=64), st.sampled_from([MP3, b"RIFF\x00\x00\x00\x00WAVE", b"OggS", b"fLaC"])
    ),
    name=NAMES,
    language=st.none() | st.text(max_size=10),
    prompt=st.none() | st.text(max_size=30),
)
def test_stt_multipart_builder_only_raises_typed_errors(
    buffer: bytes, name: str | None, language: str | None, prompt: str | None
) -> None:
    try:
        mime = check_audio(buffer, name)
    except RequestValidationError:
        return
    req = AudioTranscriptionRequest(buffer=buffer, file_name=name or "", timeout_ms=1000, language=language,
                                    prompt=prompt)  # fmt: skip
    fields, files = build_form(req, "openai/whisper-large-v3", mime)
    file_name, data, content_type = files["file"]
    assert data == buffer and content_type == mime and "/" not in file_name
    assert all(isinstance(v, str) for v in fields.values())


def test_the_sanitiser_keeps_ordinary_names() -> None:
    cases: dict[str, Any] = {
        "photo.png": "photo.png",
        "My Photo (1).PNG": "My_Photo_1_.PNG",
        None: "image-1.png",
    }
    for raw, expected in cases.items():
        assert upload_name(raw, "image/png") == expected
