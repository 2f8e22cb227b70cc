"""Issue 18 item 11 through the command line: a 1 MB JSON5 config no longer takes 18 s to read."""

from __future__ import annotations

import time

import pytest

from tests.cli.conftest import CliEnv, Run
from tests.e2e.loopback import LoopbackServer
from tests.host.test_json5_fast import _config


def test_models_reads_a_1mb_json5_config_quickly(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", "di-big-config-key-0123456789")
    cli_env.write_config(_config(12000))

    start = time.perf_counter()
    result = run("models", "--surface", "chat")
    elapsed = time.perf_counter() - start

    assert result.code == 0, result.err
    assert result.out.startswith("catalog source: live")
    assert elapsed < 10.0, elapsed  # was 18-40 s in the config parse alone
