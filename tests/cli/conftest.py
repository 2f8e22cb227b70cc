"""The CLI run in-process against a throwaway HOME, config and cache, with a loopback catalog."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import json5
import pytest

from openclaw_deepinfra.cli.main import main
from tests.catalog_rows import row as _row
from tests.e2e.loopback import LoopbackServer, Reply, serve

SECRET = "di-cli-secret-KEY-9f8e7d6c5b4a39281706"
MODELS_PATH = "/v1/openai/models"
AUTH_PATH = "/deploy/list"


# 9 rows -> chat 3, vlm 1, embed 1, image-gen 1, video-gen 1, tts 1, stt 1 = 9 surface entries.
PROJECTION: dict[str, Any] = {
    "data": [
        _row(
            "zai-org/GLM-9",
            "chat",
            "reasoning",
            context_length=202752,
            pricing={"input_tokens": 0.5, "output_tokens": 1.5},
        ),
        _row("deepseek-ai/DeepSeek-V4-Flash", "chat", context_length=1048576),
        _row("Qwen/Qwen9-VL", "chat", "vlm", context_length=131072),
        _row("BAAI/bge-m3", "embed", context_length=8192),
        _row("black-forest-labs/FLUX-2-pro", "image-gen"),
        _row("Wan-AI/Wan2.9-T2V", "video-gen"),
        _row("hexgrad/Kokoro-82M", "tts"),
        _row("openai/whisper-large-v3", "stt"),
    ]
}


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass(frozen=True)
class CliEnv:
    root: Path
    config: Path
    cache: Path
    state: Path

    @property
    def profiles(self) -> Path:
        """The main agent's auth profiles in the state dir (OpenClaw's layout)."""
        return self.state / "agents" / "main" / "agent" / "auth-profiles.json"

    @property
    def legacy_profiles(self) -> Path:
        """Where older versions stored keys: beside the config file."""
        return self.config.parent / "auth-profiles.json"

    def write_config(self, text_or_data: str | dict[str, Any]) -> None:
        text = text_or_data if isinstance(text_or_data, str) else json.dumps(text_or_data)
        self.config.write_text(text, encoding="utf-8")

    def read_config(self) -> dict[str, Any]:
        # JSON5, as the gateway reads it: edits keep the user's comments and unquoted keys.
        data: dict[str, Any] = json5.loads(self.config.read_text(encoding="utf-8"))
        return data


Run = Callable[..., Result]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliEnv:
    for name in list(os.environ):
        if name.startswith(("DEEPINFRA_", "OPENCLAW_")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    env = CliEnv(
        root=tmp_path,
        config=tmp_path / "agent" / "openclaw.json",
        cache=tmp_path / "cache",
        state=tmp_path / "state",
    )
    env.config.parent.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OPENCLAW_STATE_DIR", str(env.state))
    monkeypatch.setenv("OPENCLAW_CONFIG_PATH", str(env.config))
    monkeypatch.setenv("OPENCLAW_DEEPINFRA_CACHE_DIR", str(env.cache))
    return env


@pytest.fixture
def run(cli_env: CliEnv, capsys: pytest.CaptureFixture[str]) -> Run:
    """`run("models", "--json")` -> exit code and what the command printed."""

    def _run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return _run


@pytest.fixture
def catalog(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """A loopback DeepInfra answering the catalog projection; DEEPINFRA_BASE_URL points at it."""
    with serve() as server:
        server.route("GET", MODELS_PATH, Reply.json(PROJECTION))
        server.route("GET", AUTH_PATH, Reply.json([]))  # doctor's authenticated check
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{server.base_url}/v1/openai")
        yield server


def catalog_requests(server: LoopbackServer) -> int:
    return sum(1 for seen in server.seen if seen.path.split("?", 1)[0] == MODELS_PATH)
