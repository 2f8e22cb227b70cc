"""`openclaw-deepinfra image` and `video` as a user runs them (console script, entry point, registry),
against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from tests.e2e.conftest import CLI_KEY as SECRET
from tests.e2e.conftest import run_cli
from tests.e2e.loopback import Reply, Seen, serve

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def _without_catalog(seen: list[Seen]) -> list[Seen]:
    """The surface's own requests: a call without a model in a cold process first reads the live
    catalog (GET /models, unrouted here, so the shipped catalog decides)."""
    return [s for s in seen if not s.path.startswith("/v1/openai/models")]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_image_generates_and_writes_numbered_files(tmp_path: Path) -> None:
    answer = {
        "data": [{"b64_json": _b64(PNG), "revised_prompt": "a lighthouse at dusk"}, {"b64_json": _b64(JPEG)}]
    }
    with serve() as server:
        server.route("POST", "/v1/openai/images/generations", Reply.json(answer))
        out = tmp_path / "art" / "lighthouse.png"
        result = run_cli(tmp_path, server.base_url, "image", "--count", "2", "--size", "512x512",
                         "--out", str(out), "--json", "a", "lighthouse")  # fmt: skip
        seen = list(server.seen)
    assert result.returncode == 0, result.stderr
    assert [s.method for s in seen if s.path.startswith("/v1/openai/models")] == ["GET"]
    (request,) = _without_catalog(seen)
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert json.loads(request.body) == {
        "model": "black-forest-labs/FLUX-1-schnell", "prompt": "a lighthouse", "n": 2, "size": "512x512",
        "response_format": "b64_json",
    }  # fmt: skip
    report = json.loads(result.stdout)
    first, second = tmp_path / "art" / "lighthouse-1.png", tmp_path / "art" / "lighthouse-2.png"
    assert report["model"] == "black-forest-labs/FLUX-1-schnell"
    assert report["files"] == [
        {
            "path": str(first),
            "mimeType": "image/png",
            "bytes": len(PNG),
            "revisedPrompt": "a lighthouse at dusk",
        },
        # Every field is always present (docs/cli-json.md): null when the model kept the prompt.
        {"path": str(second), "mimeType": "image/jpeg", "bytes": len(JPEG), "revisedPrompt": None},
    ]
    assert first.read_bytes() == PNG and second.read_bytes() == JPEG
    assert SECRET not in result.stdout + result.stderr


def test_image_edit_sends_the_input_as_multipart(tmp_path: Path) -> None:
    source = tmp_path / "photo.png"
    source.write_bytes(PNG)
    with serve() as server:
        server.route("POST", "/v1/openai/images/edits", Reply.json({"data": [{"b64_json": _b64(JPEG)}]}))
        out_dir = tmp_path / "edits"
        out_dir.mkdir()
        result = run_cli(tmp_path, server.base_url, "image",
                         "--model", "deepinfra/black-forest-labs/FLUX-1-dev",
                         "--input", str(source), "--out", str(out_dir), "make it night")  # fmt: skip
        seen = list(server.seen)
    assert result.returncode == 0, result.stderr
    (request,) = seen
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="model"\r\n\r\nblack-forest-labs/FLUX-1-dev\r\n' in request.body
    assert b'name="image"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n' + PNG in request.body
    written = out_dir / "image-1.jpg"
    assert written.read_bytes() == JPEG
    assert result.stdout.splitlines() == [
        f"wrote {written} (image/jpeg, {len(JPEG)} bytes)",
        "model: deepinfra/black-forest-labs/FLUX-1-dev",
    ]


def test_image_with_two_inputs_fails_before_any_request(tmp_path: Path) -> None:
    source = tmp_path / "photo.png"
    source.write_bytes(PNG)
    with serve() as server:
        result = run_cli(tmp_path, server.base_url, "image", "--input", str(source), "--input", str(source),
                         "--out", str(tmp_path / "x.png"), "two at once")  # fmt: skip
        seen = list(server.seen)
    assert result.returncode == 2
    assert "DeepInfra image editing supports one reference image." in result.stderr
    assert seen == []


def test_video_native_downloads_the_result_url_from_another_host(tmp_path: Path) -> None:
    (tmp_path / "openclaw.json").write_text(
        json.dumps(
            {"agents": {"defaults": {"mediaModels": {"video": {"primary": "deepinfra/Wan-AI/Wan2.6-T2V"}}}}}
        )
    )
    with serve() as api, serve() as cdn:
        cdn.route("GET", "/clips/out.mp4", Reply(body=MP4, headers=(("Content-Type", "video/mp4"),)))
        answer = {
            "video_url": f"{cdn.base_url}/clips/out.mp4?sig=abc",
            "request_id": "req-native-1",
            "inference_status": {"status": "succeeded", "cost": 0.12},
        }
        api.route("POST", "/v1/inference/Wan-AI/Wan2.6-T2V", Reply.json(answer))
        out = tmp_path / "clip.mp4"
        result = run_cli(tmp_path, api.base_url, "video", "--aspect-ratio", "16:9", "--duration", "8",
                         "--seed", "42", "--out", str(out), "--json", "a", "paper", "boat")  # fmt: skip
        api_seen, cdn_seen = list(api.seen), list(cdn.seen)
    assert result.returncode == 0, result.stderr
    (submit,) = api_seen
    assert submit.headers["authorization"] == f"Bearer {SECRET}"
    assert json.loads(submit.body) == {
        "prompt": "a paper boat",
        "aspect_ratio": "16:9",
        "duration": 8,
        "seed": 42,
    }
    (download,) = cdn_seen
    assert "authorization" not in download.headers
    assert out.read_bytes() == MP4
    report = json.loads(result.stdout)
    assert report["model"] == "Wan-AI/Wan2.6-T2V"
    assert report["files"] == [
        {"path": str(out), "mimeType": "video/mp4", "bytes": len(MP4), "revisedPrompt": None}
    ]
    assert report["cost"] == 0.12
    assert report["metadata"]["api"] == "native"
    assert "video: submitting" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_video_jobs_polls_with_progress_and_switches_from_a_retired_native_route(tmp_path: Path) -> None:
    polls: list[Seen] = []

    def status(seen: Seen) -> Reply:
        polls.append(seen)
        return Reply.json({"id": "vid_42", "status": "succeeded", "data": [{"url": "/generated/vid_42.mp4"}]})

    with serve() as api:
        api.route("POST", "/v1/inference/Pixverse/Pixverse-T2V", Reply.json({"detail": "Gone"}, status=410))
        api.route("POST", "/v1/openai/videos", Reply.json({"id": "vid_42", "status": "queued"}))
        api.route("GET", "/v1/openai/videos/vid_42", status)
        api.route("GET", "/generated/vid_42.mp4", Reply(body=MP4, headers=(("Content-Type", "video/mp4"),)))
        out = tmp_path / "clip.mp4"
        result = run_cli(tmp_path, api.base_url, "video", "--out", str(out), "a", "river")
        seen = [(s.method, s.path) for s in _without_catalog(api.seen)]
        download_auth = api.seen[-1].headers.get("authorization")
    assert result.returncode == 0, result.stderr
    assert seen == [
        ("POST", "/v1/inference/Pixverse/Pixverse-T2V"),
        ("POST", "/v1/openai/videos"),
        ("GET", "/v1/openai/videos/vid_42"),
        ("GET", "/generated/vid_42.mp4"),
    ]
    assert len(polls) == 1
    # the result lives on the API host itself, so the download is authenticated
    assert download_auth == f"Bearer {SECRET}"
    assert out.read_bytes() == MP4
    assert "video: queued job vid_42" in result.stderr
    # one 5 s poll interval really passes (a loaded machine only adds to it, so no upper bound)
    finished = re.search(r"video: succeeded job vid_42 \((\d+)s elapsed, jobs API\)", result.stderr)
    assert finished is not None, result.stderr
    assert int(finished.group(1)) >= 5, result.stderr
    assert f"wrote {out} (video/mp4, {len(MP4)} bytes)" in result.stdout
    assert "job: vid_42" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_a_fresh_process_posts_the_live_catalogs_image_default(tmp_path: Path) -> None:
    """The issue's reproduction: `models` shows FLUX-2-pro as the image default, and `image` in a
    fresh process (empty cache) posts FLUX-2-pro too, at 1024x1024 (not the row's 1024x768)."""
    projection = {"data": [
        {"id": "black-forest-labs/FLUX-2-pro", "metadata": {"tags": ["image-gen"], "default_width": 1024,
                                                             "default_height": 768}},
        {"id": "black-forest-labs/FLUX-1-schnell", "metadata": {"tags": ["image-gen"]}},
    ]}  # fmt: skip
    with serve() as server:
        server.route("GET", "/v1/openai/models", Reply.json(projection))
        server.route("POST", "/v1/openai/images/generations", Reply.json({"data": [{"b64_json": _b64(PNG)}]}))
        result = run_cli(tmp_path, server.base_url, "image", "--out", str(tmp_path / "x.png"), "a red square")
        seen = list(server.seen)
    assert result.returncode == 0, result.stderr
    (request,) = _without_catalog(seen)
    assert json.loads(request.body) == {
        "model": "black-forest-labs/FLUX-2-pro", "prompt": "a red square", "n": 1, "size": "1024x1024",
        "response_format": "b64_json",
    }  # fmt: skip
    assert "model: deepinfra/black-forest-labs/FLUX-2-pro" in result.stdout
