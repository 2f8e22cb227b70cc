"""Configured headers reach the wire on every surface, against a real loopback server: both config
keys, a SecretRef value, never replacing `Authorization`/`Content-Type`, never sent to another
origin (a result download from a second server)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from openclaw_deepinfra.errors import DeepInfraError
from tests.e2e.loopback import LoopbackServer, Reply, serve
from tests.e2e.surface_calls import API, KEY, MP4, SURFACES, Host, video

TENANT_SECRET = "tenant-token-from-a-secret-ref-0123456789"
HEADERS: dict[str, Any] = {
    "headers": {"X-Tenant": "acme", "X-Tenant-Token": {"source": "env", "provider": "default", "id": "TT"}},
    "request": {"headers": {"X-Trace": "on"}},
}
EXPECTED = {"x-tenant": "acme", "x-tenant-token": TENANT_SECRET, "x-trace": "on"}
MakeHost = Callable[..., Host]


def _config(extra: dict[str, Any]) -> dict[str, Any]:
    provider = {**HEADERS, **extra.get("models", {}).get("providers", {}).get("deepinfra", {})}
    return {"models": {"providers": {"deepinfra": provider}}}


@pytest.mark.parametrize("surface", list(SURFACES))
async def test_every_request_of_every_surface_carries_the_configured_headers(
    surface: str, server: LoopbackServer, make_host: MakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    call, extra = SURFACES[surface]
    host = make_host("cold", server, _config(extra), TT=TENANT_SECRET)
    await call(host)
    sent = [s for s in server.seen if not s.path.startswith(f"{API}/models")]
    assert sent
    for request in sent:
        assert {k: request.headers.get(k) for k in EXPECTED} == EXPECTED, (surface, request.path)
        assert request.headers["authorization"] == f"Bearer {KEY}"
        if request.body:
            content_type = request.headers["content-type"]
            assert content_type.startswith(("application/json", "multipart/form-data; boundary="))


async def test_a_download_from_another_origin_gets_none_of_them(
    server: LoopbackServer, make_host: MakeHost
) -> None:
    with serve() as cdn:
        cdn.route("GET", "/clips/out.mp4", Reply(body=MP4, headers=(("Content-Type", "video/mp4"),)))
        answer = {"video_url": f"{cdn.base_url}/clips/out.mp4", "inference_status": {"status": "succeeded"}}
        server.route("POST", "/v1/inference/Wan-AI/Wan2.9-T2V", Reply.json(answer))
        host = make_host("cold", server, _config({}), TT=TENANT_SECRET)
        await video(host)
        provider = host.get("video-generation-provider")
        data, _mime = await provider.fetch_video(f"{cdn.base_url}/clips/out.mp4", timeout_ms=10_000)
        (download,) = cdn.seen
    assert data == MP4
    assert not set(EXPECTED) & set(download.headers)
    assert "authorization" not in download.headers
    (submit,) = [s for s in server.seen if s.path.startswith("/v1/inference/")]
    assert submit.headers["x-tenant-token"] == TENANT_SECRET


@pytest.mark.parametrize("surface", list(SURFACES))
async def test_a_secret_header_value_echoed_by_the_server_is_redacted(
    surface: str, server: LoopbackServer, make_host: MakeHost, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = Reply.json({"error": {"message": f"tenant token {TENANT_SECRET} is not allowed"}}, status=400)
    for method, path in list(server.routes):
        if method == "POST":
            server.route(method, path, echo)
    call, extra = SURFACES[surface]
    host = make_host("cold", server, _config(extra), TT=TENANT_SECRET)
    with pytest.raises(DeepInfraError) as caught:
        await call(host)
    assert any(s.headers.get("x-tenant-token") == TENANT_SECRET for s in server.seen)  # it was sent
    for text in (str(caught.value), repr(caught.value), caplog.text):
        assert TENANT_SECRET not in text
    assert "tenant token" in str(caught.value)  # the rest of the server's message is kept
