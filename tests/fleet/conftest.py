"""Fleet fixtures: a real redis-server per test, stopped afterwards."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import catalog, cli_env, run  # noqa: F401 - the CLI suite's fixtures, for doctor
from tests.fleet.redis_server import RedisServer


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    # A short path: unix socket paths are limited to ~107 bytes and pytest's tmp_path can be long.
    with tempfile.TemporaryDirectory(prefix="ocdi-redis-") as directory:
        server = RedisServer(Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()
