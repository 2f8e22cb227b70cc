"""The plugin as a gateway loads it: through the entry point, with no network at import or
registration, isolated from bad settings, and never showing the key."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import respx

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.registry import PluginRegistry
from openclaw_deepinfra.runtime import DeepInfraRuntime
from tests.gateway import deepinfra_entry_point, load_plugin

KEY = "di-plugin-test-key-0123456789abcdef"


pytestmark = pytest.mark.usefixtures("no_deepinfra_env")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"network access during registration: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def _load(data: dict[str, Any] | None = None, mode: str = "full") -> PluginRegistry:
    registry = load_plugin(OpenClawConfig(data or {}), registration_mode=mode)
    return registry


def test_entry_point_is_declared() -> None:
    assert deepinfra_entry_point().value == "openclaw_deepinfra.plugin:entry"


async def test_registration_registers_all_seven_surfaces_without_network(
    no_network: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
    registry = _load()
    record = registry.records["deepinfra"]
    assert record.status == "loaded", record.error
    # Other surfaces add their own registrations; this test pins only the text surface's two.
    assert record.registrations == [
        ("provider", "deepinfra"),
        ("model-catalog-provider", "deepinfra"),
        ("speech-provider", "deepinfra"),
        ("media-understanding-provider", "deepinfra"),
        ("embedding-provider", "deepinfra"),
        ("image-generation-provider", "deepinfra"),
        ("video-generation-provider", "deepinfra"),
    ]
    assert [d for d in registry.diagnostics if d.level == "error"] == []
    assert registry.get("provider", "deepinfra") is not None
    assert no_network == []
    await registry.aclose()


@pytest.mark.parametrize("mode", ["setup-only", "cli-metadata"])
def test_setup_modes_register_no_providers(mode: str) -> None:
    registry = _load(mode=mode)
    assert registry.records["deepinfra"].registrations == []


async def test_bad_settings_do_not_break_registration_but_fail_clearly_on_use(no_network: list[Any]) -> None:
    config = {
        "models": {
            "providers": {"deepinfra": {"baseUrl": "https://api.deepinfra.com/v1/inference", "apiKey": KEY}}
        }
    }
    registry = _load(config)
    assert registry.records["deepinfra"].status == "loaded"
    catalog: Any = registry.get("model-catalog-provider", "deepinfra")
    with pytest.raises(ConfigurationError, match="/v1/openai") as caught:
        await catalog.surface_report()
    assert KEY not in str(caught.value)
    # the shipped catalog still answers where no request is needed
    assert any(e.default for e in catalog.static_catalog())
    await registry.aclose()


def test_the_key_never_shows_in_reprs_diagnostics_or_logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    registry = _load()
    provider: Any = registry.get("provider", "deepinfra")
    catalog: Any = registry.get("model-catalog-provider", "deepinfra")
    runtime_settings = provider._runtime.settings()
    texts = [
        repr(provider),
        repr(catalog),
        repr(provider._runtime),
        repr(runtime_settings),
        str(runtime_settings),
        repr(registry.records),
        *(r.getMessage() for r in caplog.records),
    ]
    assert all(KEY not in text for text in texts)
    assert runtime_settings.api_key is not None and runtime_settings.api_key.reveal() == KEY


def test_importing_the_plugin_does_no_io() -> None:
    # A fresh interpreter where any socket use or file open under the cache dir would show up.
    code = (
        "import socket, builtins\n"
        "def refuse(*a, **k): raise SystemExit('socket used at import')\n"
        "socket.socket.connect = refuse\n"
        "opened = []\n"
        "real_open = builtins.open\n"
        "builtins.open = lambda f, *a, **k: (opened.append(str(f)), real_open(f, *a, **k))[1]\n"
        "import openclaw_deepinfra.plugin\n"
        "assert not [f for f in opened if 'toml' in f or 'json' in f], opened\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


async def test_the_catalog_cache_dir_follows_the_config_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENCLAW_DEEPINFRA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    config = OpenClawConfig(
        {"env": {"vars": {"OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / "from-config")}}},
        env={"DEEPINFRA_API_KEY": KEY},
    )
    runtime = DeepInfraRuntime(config)
    row = {"id": "a/b", "metadata": {"tags": ["chat"]}}
    with respx.mock() as mock:
        mock.get("https://api.deepinfra.com/v1/openai/models").respond(200, json={"data": [row]})
        assert (await runtime.catalog().refresh()).source == "live"
    await runtime.aclose()
    assert [p.parent.name for p in (tmp_path / "from-config").glob("*.json")] == ["from-config"]
    assert not (tmp_path / "xdg").exists()
