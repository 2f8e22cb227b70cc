"""Host isolation: a plugin whose registration raises, a surface that raises something unexpected,
and a catalog refresh that fails each leave the host serving everything else. Each test proves it by
calling other surfaces successfully afterwards against the fault server."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.catalog import refresher as refresher_module
from openclaw_deepinfra.errors import DeepInfraError
from openclaw_deepinfra.host.api import PluginApi
from openclaw_deepinfra.host.manifest import load_manifest
from openclaw_deepinfra.surfaces.understanding import provider as understanding_provider
from tests.e2e.faults import FaultServer, json_reply, reply
from tests.reliability import calls
from tests.reliability.calls import CATALOG
from tests.reliability.conftest import MODELS_PATH, MakeHost

pytestmark = pytest.mark.usefixtures("loop_errors")

MANIFEST = """
id = "{id}"
name = "A second plugin"
version = "1.0.0"
providers = ["{id}"]

[configSchema]
type = "object"

[contracts]
speechProviders = ["{id}"]
"""


class FakeSpeech:
    id = "other-tts"
    label = "Other TTS"

    def is_configured(self, ctx: Any) -> bool:
        return True

    async def synthesize(self, req: Any) -> Any:
        raise NotImplementedError


def second_plugin(tmp_path: Path, plugin_id: str, register: Any) -> Any:
    root = tmp_path / plugin_id
    root.mkdir()
    (root / "plugin.toml").write_text(MANIFEST.format(id=plugin_id))
    return load_manifest(root / "plugin.toml"), register


async def test_a_plugin_whose_register_raises_leaves_the_host_serving(
    faults: FaultServer, make_host: MakeHost, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults)

    def explode(api: PluginApi) -> None:
        api.register_speech_provider(FakeSpeech())  # half-registered, then it fails
        raise RuntimeError("the second plugin is broken")

    manifest, entry = second_plugin(tmp_path, "broken", explode)
    with caplog.at_level(logging.ERROR):
        record = host.registry.load_plugin(
            "broken", entry, manifest, "test:broken", root_dir=tmp_path / "broken"
        )
    assert record.status == "error" and "the second plugin is broken" in (record.error or "")
    assert host.registry.get("speech-provider", "other-tts") is None  # nothing half-registered is kept
    assert any("broken" in d.plugin_id for d in host.registry.diagnostics if d.level == "error")
    # deepinfra keeps serving every surface
    for name, call in calls.ALL_CALLS.items():
        assert await call(host), name
    assert host.registry.records["deepinfra"].status == "loaded"


async def test_a_surface_raising_an_unexpected_error_does_not_break_the_others(
    faults: FaultServer, make_host: MakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults)

    def broken_form(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug inside the transcription surface")

    monkeypatch.setattr(understanding_provider, "build_form", broken_form)
    with pytest.raises(RuntimeError, match="a bug inside"):
        await calls.stt(host)
    for name, call in calls.ALL_CALLS.items():
        if name != "stt":
            assert await call(host), name
    monkeypatch.undo()
    assert await calls.stt(host) == "buy milk"  # the same provider works once the bug is gone
    assert await faults.await_quiet(busy=0)


async def test_a_stream_consumer_crashing_mid_stream_releases_its_connection(
    faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults)
    with pytest.raises(ZeroDivisionError):
        async with host.get("provider").stream(calls.chat_request()) as events:
            async for _event in events:
                _ = 1 / 0  # the host's own code fails while consuming
    assert await faults.await_quiet(busy=0)
    assert await calls.chat_stream(host) == "Hello!"
    assert await calls.embed(host)


@pytest.mark.parametrize(
    "failure",
    [
        json_reply({"detail": "boom"}, status=500),
        reply(200, b"<html>maintenance</html>", content_type="text/html"),
        json_reply({"data": "not a list"}),
    ],
    ids=["500", "html", "wrong-shape"],
)
async def test_a_failing_catalog_refresh_leaves_every_surface_serving(
    failure: Any, faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults, models=False)
    faults.route("GET", MODELS_PATH, failure)
    host = make_host(faults, maxRetries=0)
    report = await host.get_catalog().surface_report(refresh=True)
    assert report["source"] == "static"
    assert await host.get_catalog().live_catalog() is None  # "nothing live": the host keeps its rows
    for name, call in calls.ALL_CALLS.items():
        assert await call(host), name


async def test_a_catalog_refresh_crashing_unexpectedly_is_contained(
    faults: FaultServer, make_host: MakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults, maxRetries=0)

    def crash(body: Any) -> Any:
        raise RuntimeError("a bug in the catalog parser")

    monkeypatch.setattr(refresher_module, "parse_projection_report", crash)
    # surfaced to the caller that asked for the refresh, or contained: either way the host stays up
    with contextlib.suppress(DeepInfraError, RuntimeError):
        await host.get_catalog().surface_report(refresh=True)
    for name, call in calls.ALL_CALLS.items():
        assert await call(host), name
    monkeypatch.undo()
    report = await host.get_catalog().surface_report(refresh=True)
    assert report["source"] == "live"
    assert faults.hits(MODELS_PATH) == 2
    assert CATALOG["data"]
