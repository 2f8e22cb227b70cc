"""Issue 18 item 7: what used to surface as "unexpected XError" (exit 1) is a one-line configuration
or usage error (exit 2) naming what to fix; out-of-range flags are refused before any request."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from tests.cli.conftest import CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, serve

KEY = "di-cli-errors-key-0123456789abcdef"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
PREFIX = "openclaw-deepinfra: error: "


@pytest.fixture
def api(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    chat = {
        "id": "c1", "object": "chat.completion", "model": "zai-org/GLM-9",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    }  # fmt: skip
    with serve() as server:
        server.route("POST", "/v1/openai/chat/completions", Reply.json(chat))
        server.route("POST", "/v1/openai/images/generations",
                     Reply.json({"data": [{"b64_json": base64.b64encode(PNG).decode()}]}))  # fmt: skip
        server.route("POST", "/v1/openai/audio/speech", Reply(body=b"ID3" + b"\x00" * 32,
                     headers=(("Content-Type", "audio/mpeg"),)))  # fmt: skip
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{server.base_url}/v1/openai")
        monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
        yield server


def _api_calls(server: LoopbackServer) -> list[str]:
    return [seen.path for seen in server.seen if not seen.path.startswith("/v1/openai/models")]


def _one_line(text: str) -> str:
    assert text.count("\n") == 1, text
    assert text.startswith(PREFIX), text
    assert "unexpected" not in text and "Traceback" not in text
    return text[len(PREFIX) :].rstrip("\n")


@pytest.mark.parametrize(
    ("config", "names"),
    [
        ({"agents": "x"}, "agents in the config must be an object, not str"),
        ({"agents": [1]}, "agents in the config must be an object, not list"),
        ({"agents": {"defaults": "x"}}, "agents.defaults in the config must be an object"),
        ({"agents": {"defaults": {"model": [1]}}}, "agents.defaults.model in the config must be a model ref"),
    ],
)
def test_a_badly_shaped_config_is_named_by_onboard(
    api: LoopbackServer, cli_env: CliEnv, run: Run, config: dict[str, object], names: str
) -> None:
    cli_env.write_config(config)

    result = run("onboard", "--deepinfra-api-key", KEY)

    assert result.code == 2
    assert names in _one_line(result.err)
    assert cli_env.read_config() == config  # nothing half-applied
    assert not cli_env.profiles.exists()


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("di-abc\ndef-0123456789", "contains a line break (character 7)"),
        ("di-abc\rdef-0123456789", "contains a line break (character 7)"),
        ("di-abc\x07def-0123456789", "contains whitespace or a control character (character 7)"),
        ("di-abcédef-0123456789", "contains a non-ASCII character (character 7)"),
    ],
    ids=["lf", "cr", "bell", "non-ascii"],
)
def test_a_key_that_cannot_go_into_a_header_is_a_configuration_error(
    api: LoopbackServer, run: Run, monkeypatch: pytest.MonkeyPatch, key: str, problem: str
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", key)

    result = run("chat", "hello")

    assert result.code == 2
    line = _one_line(result.err)
    assert f"the DeepInfra API key from DEEPINFRA_API_KEY {problem}" in line
    assert key.split("\n")[0] not in line and "def-0123456789" not in line
    assert _api_calls(api) == []


def test_a_key_in_the_config_is_named_by_its_config_key(
    api: LoopbackServer, cli_env: CliEnv, run: Run
) -> None:
    cli_env.write_config({"models": {"providers": {"deepinfra": {"apiKey": "di-bad key-0123456789"}}}})

    result = run("chat", "hello")

    assert result.code == 2
    assert "the DeepInfra API key from models.providers.deepinfra.apiKey contains whitespace" in result.err
    assert _api_calls(api) == []


def test_a_non_utf8_argument_is_a_usage_error(api: LoopbackServer, cli_env: CliEnv, tmp_path: Path) -> None:
    # Only a real process gets undecodable bytes in argv (as lone surrogates).
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-m", "openclaw_deepinfra.cli", "chat", os.fsencode("hi") + b"\xff\xfe"],
        env=env, capture_output=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"{PREFIX}argument prompt is not valid UTF-8 text; "
        "set a UTF-8 locale (LANG=C.UTF-8) or pass the text in a UTF-8 file\n"
    )
    assert _api_calls(api) == []


def test_an_unwritable_config_directory_is_one_line_naming_the_path(
    api: LoopbackServer, cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores directory permissions, so the refused write is simulated where the store writes.
    target = cli_env.profiles

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(AuthProfileStore, "put_api_key", refuse)

    result = run("onboard", "--deepinfra-api-key", KEY)

    assert result.code == 2
    assert (
        _one_line(result.err)
        == f"{target}: Permission denied; check that path and its directory's permissions"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["image", "--count", "99"], "--count must be from 1 to 4 (one request makes at most 4)"),
        (["image", "--count", "0"], "--count must be at least 1"),
        (
            ["image", "--size", "99999x99999"],
            "image size '99999x99999' is not supported; use one of 512x512",
        ),
        (["image", "--size", "16x16"], "image size '16x16' is not supported"),
    ],
)
def test_out_of_range_image_flags_are_refused_before_a_request(
    api: LoopbackServer, run: Run, tmp_path: Path, argv: list[str], message: str
) -> None:
    result = run(*argv, "--out", str(tmp_path / "x.png"), "a", "cat")

    assert result.code == 2
    assert message in _one_line(result.err)
    assert _api_calls(api) == []
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("speed", ["1e9", "0.1", "inf", "nan"])
def test_an_out_of_range_tts_speed_is_refused(
    api: LoopbackServer, cli_env: CliEnv, run: Run, tmp_path: Path, speed: str
) -> None:
    result = run("tts", "--speed", speed, "--out", str(tmp_path / "s.mp3"), "hello")

    assert result.code == 2
    assert "speed must be a number from 0.25 to 4" in _one_line(result.err)
    assert _api_calls(api) == []


def test_a_configured_tts_speed_of_1e9_is_refused(
    api: LoopbackServer, cli_env: CliEnv, run: Run, tmp_path: Path
) -> None:
    cli_env.write_config({"tts": {"provider": "deepinfra", "providers": {"deepinfra": {"speed": 1e9}}}})

    result = run("tts", "--out", str(tmp_path / "s.mp3"), "hello")

    assert result.code == 2
    assert "tts.providers.deepinfra.speed must be a number from 0.25 to 4" in _one_line(result.err)
    assert _api_calls(api) == []


def test_a_tts_speed_in_range_is_sent(api: LoopbackServer, run: Run, tmp_path: Path) -> None:
    result = run("tts", "--speed", "1.5", "--out", str(tmp_path / "s.mp3"), "hello")

    assert result.code == 0, result.err
    assert json.loads(api.seen[-1].body)["speed"] == 1.5


def test_enabling_an_unknown_plugin_is_refused(cli_env: CliEnv, run: Run) -> None:
    cli_env.write_config({"gateway": {"port": 1}})

    result = run("plugins", "enable", "nosuch")

    assert result.code == 2
    assert _one_line(result.err) == (
        "no installed plugin has the id 'nosuch' (installed: deepinfra); "
        "install it first with `openclaw-deepinfra plugins install PATH_OR_NAME`"
    )
    assert cli_env.read_config() == {"gateway": {"port": 1}}
