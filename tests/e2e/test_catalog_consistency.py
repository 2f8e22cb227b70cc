"""Same inputs, same requests: every surface sends the same request from a cold process (empty
cache, nothing fetched yet) as from a warm one (the catalog already refreshed, as after
`openclaw-deepinfra models`), against the same loopback server.

The plugin is loaded the way a gateway loads it (entry point -> registry). The server's catalog
differs from the shipped one exactly where a decision depends on it: the image and video defaults,
a chat model tagged `reasoning_effort` with its own limits, a vision model and an embedding model
only the live catalog lists. Before the catalog view every call awaits, a cold process sent the
shipped defaults, dropped the thinking level, refused the vision model and the video option.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import MakeHost
from tests.e2e.loopback import LoopbackServer, Seen
from tests.e2e.surface_calls import API, SURFACES, chat, embeddings, image, video


def _requests(seen: list[Seen]) -> list[tuple[str, str, bytes]]:
    """The surface's requests (the catalog fetch left out), multipart boundaries made comparable."""
    out: list[tuple[str, str, bytes]] = []
    for request in seen:
        if request.path.startswith(f"{API}/models"):
            continue
        body = request.body
        boundary = re.search(r"boundary=([^;\s]+)", request.headers.get("content-type", ""))
        if boundary:
            body = body.replace(boundary.group(1).encode(), b"BOUNDARY")
        out.append((request.method, request.path, body))
    return out


@pytest.mark.parametrize("surface", list(SURFACES))
async def test_a_cold_process_sends_what_a_warm_one_sends(
    surface: str, server: LoopbackServer, make_host: MakeHost
) -> None:
    call, config = SURFACES[surface]
    cold = make_host("cold", server, config)
    await call(cold)
    cold_seen = list(server.seen)
    server.seen.clear()

    warm = make_host("warm", server, config)
    report = await warm.get("model-catalog-provider").surface_report(refresh=True)  # `models`
    assert report["source"] == "live"
    server.seen.clear()
    await call(warm)
    warm_seen = list(server.seen)

    # Sorted: embedding batches go out concurrently, in no fixed order.
    assert sorted(_requests(cold_seen)) == sorted(_requests(warm_seen))
    assert _requests(warm_seen), "the surface sent nothing"
    # The cold call read the live catalog at most once; the warm one did not need to.
    assert sum(s.path.startswith(f"{API}/models") for s in cold_seen) <= 1
    assert not any(s.path.startswith(f"{API}/models") for s in warm_seen)


async def test_the_cold_requests_carry_the_live_catalogs_decisions(
    server: LoopbackServer, make_host: MakeHost
) -> None:
    """What the identical requests hold: the live decisions, not the shipped ones."""
    host = make_host("cold", server, {})
    await image(host)
    await chat(host)
    await video(host)
    await embeddings(host)
    bodies = {s.path: json.loads(s.body) for s in server.seen if s.method == "POST"}
    assert bodies[f"{API}/images/generations"]["model"] == "black-forest-labs/FLUX-2-pro"
    assert bodies[f"{API}/images/generations"]["size"] == "1024x1024"
    assert bodies[f"{API}/chat/completions"]["reasoning_effort"] == "high"
    assert bodies[f"{API}/chat/completions"]["max_tokens"] == 3000  # the live row's limit
    assert bodies["/v1/inference/Wan-AI/Wan2.9-T2V"]["guidance_scale"] == 5.0
    embeds = [json.loads(s.body)["input"] for s in server.seen if s.path == f"{API}/embeddings"]
    assert sorted(embeds) == [["one two three four five six"], ["seven"]]
    assert sum(s.path.startswith(f"{API}/models") for s in server.seen) == 1  # one shared refresh
