"""Fixtures of the end-to-end suite: a loopback DeepInfra answering every surface, hosts that
load the plugin as a gateway does (entry point -> registry), each with its own cache ("process"),
and `run_cli`, the console script as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.loopback import LoopbackServer, serve
from tests.e2e.surface_calls import API, KEY, routes
from tests.gateway import Host, MakeHost, hosts

CLI_KEY = "di-e2e-cli-secret-0123456789abcdef"
"""The key `run_cli` hands the console script when it points it at a loopback server."""


def _console_script() -> str:
    script = Path(sys.executable).with_name("openclaw-deepinfra")
    if script.exists():
        return str(script)
    found = shutil.which("openclaw-deepinfra")
    assert found, "the console script is not installed; install with pip install -e '.[test]'"
    return found


def run_cli(
    tmp_path: Path, base_url: str | None, *args: str, config: dict[str, Any] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`openclaw-deepinfra *args` in a fresh process with its HOME, config and cache in `tmp_path`
    and no DEEPINFRA_/OPENCLAW_ variable of ours; with `base_url` (a loopback server's) it talks to
    `<base_url>/v1/openai` with `CLI_KEY`; `config` is written as the agent config; `env` wins."""
    config_path = tmp_path / "openclaw.json"
    if config is not None:
        config_path.write_text(json.dumps(config), encoding="utf-8")
    child = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPINFRA_", "OPENCLAW_"))}
    child.update(
        HOME=str(tmp_path / "home"),
        OPENCLAW_CONFIG_PATH=str(config_path),
        OPENCLAW_DEEPINFRA_CACHE_DIR=str(tmp_path / "cache"),
    )
    if base_url is not None:
        child.update(DEEPINFRA_API_KEY=CLI_KEY, DEEPINFRA_BASE_URL=f"{base_url}/v1/openai")
    child.update(env)
    return subprocess.run(
        [_console_script(), *args], env=child, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with serve() as api:
        routes(api)
        yield api


@pytest.fixture
async def make_host(tmp_path: Path) -> AsyncIterator[MakeHost]:
    """`make_host(name, server, config, **env)`: a registry over `server`; `name` picks its cache dir."""
    async with hosts() as made:

        def make(name: str, server: LoopbackServer, config: dict[str, Any], **extra_env: str) -> Host:
            env = {
                "DEEPINFRA_API_KEY": KEY,
                "DEEPINFRA_BASE_URL": f"{server.base_url}{API}",
                "OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / name / "cache"),  # one "process" each
                "HOME": str(tmp_path / name),
                **extra_env,
            }
            return made.load(config, env)

        yield make
