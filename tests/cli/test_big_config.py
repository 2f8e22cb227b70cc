"""Issue 18 item 11 through the command line: a 1 MB JSON5 config is read by the linear rewrite,
never by the ``json5`` library parser that took 18-40 s for it (no clock here: the linearity is
pinned in tests/host/test_json5_read.py)."""

from __future__ import annotations

from typing import Any

import json5
import pytest

from tests.cli.conftest import CliEnv, Run
from tests.e2e.loopback import LoopbackServer
from tests.host.test_json5_read import _config


def test_models_reads_a_1mb_json5_config_without_the_slow_parser(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_library(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the 1 MB config went to the json5 library parser")

    monkeypatch.setattr(json5, "loads", no_library)
    monkeypatch.setenv("DEEPINFRA_API_KEY", "di-big-config-key-0123456789")
    cli_env.write_config(_config(12000))

    result = run("models", "--surface", "chat")

    assert result.code == 0, result.err
    assert result.out.startswith("catalog source: live")
