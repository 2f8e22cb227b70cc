"""Suite-wide test settings.

The plugin's default transport is aiohttp's pool under httpx (`transport.pool`), which respx's
default mocker (it patches httpcore) never sees. respx's "httpx" mocker patches
`httpx.AsyncClient` itself, so every `respx.mock()` here intercepts requests whatever the
transport: tests keep mocking at the httpx level and the production transport stays the default.

No test reaches past loopback (tests/netguard/network_guard.py): the guard is installed here for
this process and, through PYTHONPATH, for every Python process a test starts; a test (or its
setup/teardown) that tried fails with the destination in the message.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator
from pathlib import Path

import pytest
import respx.mocks

from tests.netguard import network_guard

respx.mocks.DEFAULT_MOCKER = respx.mocks.HTTPXMocker.name


def pytest_configure(config: pytest.Config) -> None:
    log = Path(tempfile.mkdtemp(prefix="openclaw-netguard-")) / "children.log"
    network_guard.install(log=log)
    config.add_cleanup(lambda: shutil.rmtree(log.parent, ignore_errors=True))
    # Children inherit the environment (the e2e helpers and every plain subprocess.run do); the
    # few that build theirs from scratch merge in `network_guard.child_env` themselves.
    os.environ.update(network_guard.child_env(*os.environ.get("PYTHONPATH", "").split(os.pathsep)))


@pytest.fixture
def no_deepinfra_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key or base URL from the developer's shell; the catalog cache in `tmp_path`."""
    for name in ("DEEPINFRA_API_KEY", "DEEPINFRA_API_TOKEN", "DEEPINFRA_BASE_URL", "DEEPINFRA_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENCLAW_DEEPINFRA_CACHE_DIR", str(tmp_path / "cache"))


def _fail_if_tripped() -> Generator[None, object, object]:
    try:
        return (yield)
    finally:
        tripped = network_guard.take()
        if tripped:
            pytest.fail("the test reached past loopback: " + "; ".join(tripped), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _fail_if_tripped())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _fail_if_tripped())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    return (yield from _fail_if_tripped())
