"""Secrets sweep: every CLI command and every surface method runs with a recognisable fake key, logging
at DEBUG for every logger, against fault servers that even echo the key back in error bodies. The
key must appear in no stdout, stderr, log record, exception text, repr, cache file or embedding
cache identity; it is sent only to the configured DeepInfra origin.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.cli.main import main
from openclaw_deepinfra.errors import APIStatusError, AuthenticationError, DeepInfraError, InvalidBaseUrlError
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.host.contracts.media import AudioTranscriptionRequest
from openclaw_deepinfra.host.errors import HostError
from tests.e2e.faults import FaultServer, fault_server, json_reply, reply
from tests.reliability import calls
from tests.reliability.calls import MP3, PNG
from tests.reliability.conftest import CHAT_PATH, EMBED_PATH, MakeHost

KEY = "di-SWEEP-KEY-7f3a9c1e5b2d4680aa11bb22"
# What a careless server might echo: the key itself and the whole header.
ECHO = json.dumps({"error": {"message": f"invalid key {KEY} (Authorization: Bearer {KEY})"}}).encode()


def assert_clean(where: str, text: str) -> None:
    assert KEY not in text, f"the API key leaked into {where}"
    assert KEY[:20] not in text, f"a prefix of the API key leaked into {where}"


def scan_files(root: Path, *, skip: tuple[str, ...] = ()) -> int:
    scanned = 0
    for path in root.rglob("*"):
        if path.is_file() and path.name not in skip:
            assert KEY.encode() not in path.read_bytes(), f"the API key was written to {path}"
            scanned += 1
    return scanned


# -- the CLI --------------------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FaultServer, Path]]:
    for name in list(os.environ):
        if name.startswith(("DEEPINFRA_", "OPENCLAW_")):
            monkeypatch.delenv(name)
    (tmp_path / "home").mkdir()
    config = tmp_path / "agent" / "openclaw.json"
    config.parent.mkdir()
    config.write_text(
        json.dumps({"tts": {"provider": "deepinfra"}, "memory": {"search": {"provider": "deepinfra"}}})
    )
    with fault_server() as server:
        calls.route_all_ok(server)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        monkeypatch.setenv("OPENCLAW_CONFIG_PATH", str(config))
        monkeypatch.setenv("OPENCLAW_DEEPINFRA_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
        monkeypatch.setenv("DEEPINFRA_BASE_URL", server.api_base)
        yield server, tmp_path


def cli_commands(root: Path) -> list[list[str]]:
    (root / "in.mp3").write_bytes(MP3)
    (root / "in.png").write_bytes(PNG)
    (root / "out").mkdir()
    out = str(root / "out") + "/"
    return [
        ["models"],
        ["models", "--refresh", "--json"],
        ["models", "--surface", "chat"],
        ["chat", "hello"],
        ["chat", "--no-stream", "hello"],
        ["image", "--out", out, "a", "fox"],
        ["image", "--input", str(root / "in.png"), "--out", out, "night"],
        ["video", "--out", out, "a", "boat"],
        ["tts", "--out", out, "hello"],
        ["stt", str(root / "in.mp3")],
        ["stt", "--json", str(root / "in.mp3")],
        ["describe", str(root / "in.png")],
        ["embed", "alpha", "beta"],
        ["embed", "--json", "alpha"],
        ["plugins", "list"],
        ["plugins", "list", "--json"],
        ["plugins", "inspect", "deepinfra"],
        ["plugins", "inspect", "deepinfra", "--json"],
        ["doctor"],
        ["doctor", "--json"],
        ["onboard", "--deepinfra-api-key", KEY],
    ]


def test_every_cli_command_keeps_the_key_out_of_output_logs_and_files(
    cli: tuple[FaultServer, Path], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    server, root = cli
    caplog.set_level(logging.DEBUG)
    for argv in cli_commands(root):
        for verbose in ([], ["-v"]):
            capsys.readouterr()
            code = main([*verbose, *argv])
            out, err = capsys.readouterr()
            assert code == 0, f"{argv}: exit {code}: {err}"
            assert_clean(f"stdout of {argv}", out)
            assert_clean(f"stderr of {argv}", err)
    for record in caplog.records:
        assert_clean(f"log record {record.name}", record.getMessage())
        assert_clean(f"log record {record.name} (formatted)", logging.Formatter().format(record))
    assert_clean("log text", caplog.text)
    # `onboard` stores the key, and only there: the auth profile, owner-readable only
    profiles = root / "home" / ".openclaw" / "agents" / "main" / "agent" / "auth-profiles.json"
    assert KEY in profiles.read_text() and stat.S_IMODE(profiles.stat().st_mode) == 0o600
    assert scan_files(root, skip=("auth-profiles.json",)) >= 5  # config, catalog cache, outputs
    # the key went to the API, as a bearer token, and nowhere else in the requests
    for request in server.requests:
        assert request.headers.get("authorization") in (None, f"Bearer {KEY}")
        assert KEY.encode() not in request.body and KEY not in request.target


def test_cli_errors_from_a_server_echoing_the_key_are_redacted(
    cli: tuple[FaultServer, Path], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    server, root = cli
    caplog.set_level(logging.DEBUG)
    for path in (
        CHAT_PATH,
        EMBED_PATH,
        calls.SPEECH_PATH,
        calls.STT_PATH,
        calls.IMAGE_PATH,
        calls.EDIT_PATH,
        calls.VIDEO_PATH,
    ):
        server.route("POST", path, reply(401, ECHO))
    for argv in cli_commands(root)[3:14]:
        seen = len(server.requests)
        capsys.readouterr()
        code = main(["-v", *argv])
        out, err = capsys.readouterr()
        assert code == 1, f"{argv}: exit {code}: {err} {[r.path for r in server.requests[seen:]]}"
        assert "invalid key ***" in err or "401" in err, err
        assert_clean(f"stdout of {argv}", out)
        assert_clean(f"stderr of {argv}", err)
    assert_clean("log text", caplog.text)
    scan_files(root, skip=("auth-profiles.json",))


# -- every surface method -------------------------------------------------------------------------------


async def test_every_surface_keeps_the_key_out_of_results_errors_reprs_and_identity(
    faults: FaultServer, make_host: MakeHost, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    calls.route_all_ok(faults)
    # conftest's host uses its own key: give this host ours through the config
    host = make_host(
        faults,
        config={
            "models": {"providers": {"deepinfra": {"apiKey": KEY, "maxRetries": 0}}},
            "memory": {"search": {"provider": "deepinfra"}},
        },
    )
    texts: list[str] = []
    for name, call in calls.ALL_CALLS.items():
        result = await call(host)
        texts.append(f"{name}: {result!r}")
    media = host.get("media-understanding-provider")
    auth = media.resolve_auth(None)
    texts += [
        repr(auth),
        str(auth),
        repr(AudioTranscriptionRequest(buffer=MP3, file_name="a.mp3", timeout_ms=1, auth=auth)),
    ]
    adapter = host.get("embedding-provider")
    options = EmbeddingProviderCreateOptions(config=host.config, model=calls.EMBED_MODEL)
    identity = adapter.resolve_index_identity(options)
    created = await adapter.create(options)
    texts += [
        json.dumps(identity.cache_key_data),
        repr(identity),
        repr(created.runtime),
        repr(created.provider),
    ]
    texts += [
        repr(registration)
        for kind in (
            "provider",
            "speech-provider",
            "media-understanding-provider",
            "image-generation-provider",
            "video-generation-provider",
            "embedding-provider",
            "model-catalog-provider",
        )
        for registration in host.registry.registrations(kind).values()
    ]
    texts += [repr(host.get(kind)) for kind in ("provider", "speech-provider", "embedding-provider")]
    catalog = await host.get("provider").catalog.run(type("Ctx", (), {"config": host.config})())
    report = await host.get_catalog().surface_report(refresh=True)
    assert report["source"] == "live"
    texts += [repr(catalog), json.dumps(report)]
    # now every endpoint answers 401 and echoes the key back
    for path in {p for p, _call in calls.BILLED_CALLS.values()} | {calls.VIDEO_PATH}:
        faults.route("POST", path, reply(401, ECHO))
    for name, call in calls.ALL_CALLS.items():
        with pytest.raises(AuthenticationError) as caught:
            await call(host)
        error = caught.value
        texts += [str(error), repr(error), error.body_excerpt or "", error.message, str(error.__dict__)]
        assert "***" in str(error) or "***" in (error.body_excerpt or ""), f"{name}: {error}"
    for text in texts:
        assert_clean("a surface result, error or repr", text)
    assert_clean("log records", caplog.text)
    assert_clean("log records", "\n".join(r.getMessage() for r in caplog.records))
    assert scan_files(tmp_path) >= 1  # the catalog cache


# -- where the key may go -------------------------------------------------------------------------------


async def test_a_redirect_to_another_origin_never_carries_the_key(
    faults: FaultServer, make_host: MakeHost
) -> None:
    with fault_server() as elsewhere:
        elsewhere.route("POST", CHAT_PATH, json_reply(calls.CHAT_ANSWER))
        elsewhere.route("POST", EMBED_PATH, responder=calls.embed_answer)
        for path, status in ((CHAT_PATH, 307), (EMBED_PATH, 308)):
            faults.route(
                "POST", path, reply(status, b"", headers=[("Location", f"{elsewhere.base_url}{path}")])
            )
        faults.route(
            "GET", calls.MODELS_PATH, reply(302, b"", headers=[("Location", f"{elsewhere.api_base}/models")])
        )
        host = make_host(faults, maxRetries=2)
        with pytest.raises(APIStatusError) as chat_error:
            await calls.chat(host)
        with pytest.raises(APIStatusError) as embed_error:
            await calls.embed(host)
        report = await host.get_catalog().surface_report(refresh=True)
        assert report["source"] == "static"  # a redirected catalog is not followed either
        assert (chat_error.value.status, embed_error.value.status) == (307, 308)
        assert elsewhere.requests == []  # nothing, let alone the Authorization header, went there
        assert faults.hits(CHAT_PATH) == 1 and faults.hits(EMBED_PATH) == 1  # 3xx is not retried


async def test_result_urls_on_another_origin_are_fetched_without_the_key(
    faults: FaultServer, make_host: MakeHost
) -> None:
    with fault_server() as cdn:
        cdn.route("GET", calls.VIDEO_FILE_PATH, reply(200, calls.MP4, content_type="video/mp4"))
        calls.route_all_ok(faults)
        faults.route(
            "POST",
            calls.VIDEO_PATH,
            json_reply(
                {
                    "video_url": f"{cdn.base_url}{calls.VIDEO_FILE_PATH}",
                    "inference_status": {"status": "succeeded"},
                }
            ),
        )
        host = make_host(faults)
        assert await calls.video(host) == calls.MP4
        (download,) = cdn.requests
        assert "authorization" not in download.headers
        assert faults.requests[0].headers["authorization"].startswith("Bearer ")


@pytest.mark.parametrize(
    "config",
    [
        {"models": {"providers": {"deepinfra": {"baseUrl": "http://api.example.com/v1/openai"}}}},
        {"models": {"providers": {"deepinfra": {"baseUrl": "http://10.0.0.8:8080/v1/openai"}}}},
        {"models": {"providers": {"deepinfra": {"baseUrl": "http://user:pw@localhost/v1/openai"}}}},
    ],
)
async def test_a_plain_http_base_url_off_loopback_is_refused_before_any_request(
    config: dict[str, Any], faults: FaultServer, make_host: MakeHost
) -> None:
    host = make_host(faults, config=config)
    for name, call in calls.ALL_CALLS.items():
        with pytest.raises(InvalidBaseUrlError) as caught:
            await call(host)
        assert "baseUrl" in str(caught.value), name
    assert faults.requests == []


async def test_per_call_base_url_overrides_are_checked_too(faults: FaultServer, make_host: MakeHost) -> None:
    calls.route_all_ok(faults)
    host = make_host(
        faults,
        config={
            "tts": {"providers": {"deepinfra": {"baseUrl": "http://tts.example.com/v1/openai"}}},
            "memory": {
                "search": {"provider": "deepinfra", "remote": {"baseUrl": "http://mem.example.com/v1/openai"}}
            },
        },
    )
    from tests.reliability.test_hostile_config import via_embeddings, via_tts

    for call in (via_tts, via_embeddings):
        with pytest.raises((DeepInfraError, HostError), match="https"):
            await call(host)
    media = host.get("media-understanding-provider")
    with pytest.raises(DeepInfraError, match="https"):
        await media.transcribe_audio(
            AudioTranscriptionRequest(
                buffer=MP3, file_name="a.mp3", timeout_ms=1000, base_url="http://stt.example.com/v1/openai"
            )
        )
    assert faults.requests == []
