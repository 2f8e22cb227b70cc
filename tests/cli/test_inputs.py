"""Issue 18 items 2 and 3: inputs are bounded from `stat` before a byte is read (size and file type),
prompts come from arguments, `-` (stdin) or --file, and empty input is refused before a request."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw_deepinfra.cli import files
from openclaw_deepinfra.surfaces.understanding.describe import MAX_IMAGE_BYTES
from tests.cli.conftest import CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, Seen, serve

KEY = "di-cli-inputs-key-0123456789abcdef"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
CHAT = {
    "id": "c1", "object": "chat.completion", "model": "zai-org/GLM-9",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
}  # fmt: skip
SPEECH = Reply(body=b"ID3" + b"\x00" * 32, headers=(("Content-Type", "audio/mpeg"),))
GB3 = 3 * 1024 * 1024 * 1024


@pytest.fixture
def api(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    with serve() as server:
        server.route("POST", "/v1/openai/chat/completions", Reply.json(CHAT))
        server.route("POST", "/v1/openai/audio/speech", SPEECH)
        server.route("POST", "/v1/openai/audio/transcriptions", Reply.json({"text": "heard"}))
        server.route("POST", "/v1/openai/embeddings", _embeddings)
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{server.base_url}/v1/openai")
        monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
        yield server


def _embeddings(seen: Seen) -> Reply:
    texts = json.loads(seen.body)["input"]
    data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2]} for i in range(len(texts))]
    return Reply.json({"object": "list", "model": "BAAI/bge-m3", "data": data})


def _api_calls(server: LoopbackServer) -> list[Seen]:
    return [seen for seen in server.seen if not seen.path.startswith("/v1/openai/models")]


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def _sent_prompt(server: LoopbackServer) -> str:
    (call,) = _api_calls(server)
    content: str = json.loads(call.body)["messages"][-1]["content"]
    return content


# -- item 3: stdin, --file and empty input ----------------------------------------------------


def test_chat_dash_reads_the_prompt_from_stdin(
    api: LoopbackServer, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, "summarise: über alles\n".encode())

    result = run("chat", "--no-stream", "-")

    assert result.code == 0, result.err
    assert _sent_prompt(api) == "summarise: über alles\n"


def test_chat_file_reads_the_prompt_from_a_file(api: LoopbackServer, run: Run, tmp_path: Path) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_bytes(b"\xef\xbb\xbfwhat is in this file?")

    result = run("chat", "--no-stream", "--file", str(prompt))

    assert result.code == 0, result.err
    assert _sent_prompt(api) == "what is in this file?"


def test_tts_dash_reads_the_text_from_stdin(
    api: LoopbackServer, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _stdin(monkeypatch, b"read me aloud")

    result = run("tts", "--out", str(tmp_path / "s.mp3"), "-")

    assert result.code == 0, result.err
    (call,) = _api_calls(api)
    assert json.loads(call.body)["input"] == "read me aloud"


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["chat", ""], b"", "nothing to send: PROMPT is empty"),
        (["chat", "  \n "], b"", "nothing to send: PROMPT is empty"),
        (["chat"], b"", "nothing to send: PROMPT is empty"),
        (["chat", "-"], b" \n", "nothing to send: standard input is empty"),
        (["tts", "--out", "{tmp}/s.mp3", ""], b"", "nothing to send: TEXT is empty"),
        (["tts", "--out", "{tmp}/s.mp3", "-"], b"", "nothing to send: standard input is empty"),
        (["chat", "--file", "{tmp}/empty.txt"], b"", "nothing to send: --file is empty"),
        (
            ["chat", "--file", "{tmp}/empty.txt", "also"],
            b"",
            "pass PROMPT as arguments or with --file, not both",
        ),
        (["chat", "-"], b"\xff\xfe", "PROMPT standard input is not UTF-8 text (byte 0); save it as UTF-8"),
        (["image", "--out", "{tmp}/i.png", " "], b"", "nothing to send: PROMPT is empty"),
    ],
)
def test_empty_or_unreadable_text_is_refused_before_a_request(
    api: LoopbackServer,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    stdin: bytes,
    message: str,
) -> None:
    (tmp_path / "empty.txt").write_text("")
    _stdin(monkeypatch, stdin)

    result = run(*(arg.replace("{tmp}", str(tmp_path)) for arg in argv))

    assert (result.code, result.err) == (2, f"openclaw-deepinfra: error: {message}\n")
    assert _api_calls(api) == []


# -- item 2: bounded from stat before reading -------------------------------------------------


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["describe", "{big}"], "IMAGE {big} is 3072.0 MB; the limit is 20.0 MB"),
        (["stt", "{big}"], "AUDIO {big} is 3072.0 MB; the limit is 25.0 MB"),
        (["embed", "--file", "{big}"], "--file {big} is 3072.0 MB; the limit is 16.0 MB"),
        (["chat", "--file", "{big}"], "--file {big} is 3072.0 MB; the limit is 16.0 MB"),
        (["image", "--input", "{big}", "--out", "{tmp}/o.png", "edit"], "--input {big} is 3072.0 MB"),
    ],
    ids=["describe", "stt", "embed", "chat", "image-edit"],
)
def test_a_3gb_sparse_input_is_refused_by_its_size_without_reading_it(
    api: LoopbackServer,
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    big = _sparse(tmp_path / "big.bin", GB3)
    opened: list[str] = []
    real_open = Path.open

    def spy(self: Path, *args: object, **kwargs: object) -> object:
        if self == big:
            opened.append(str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", spy)
    fill = {"{big}": str(big), "{tmp}": str(tmp_path)}

    result = run(*(fill.get(arg, arg).replace("{tmp}", str(tmp_path)) for arg in argv))

    assert result.code == 2
    assert message.replace("{big}", str(big)) in result.err
    assert opened == []
    assert _api_calls(api) == []


@pytest.mark.parametrize(
    "argv",
    [["describe", "{fifo}"], ["stt", "{fifo}"], ["embed", "--file", "{fifo}"], ["chat", "--file", "{fifo}"]],
    ids=["describe", "stt", "embed", "chat"],
)
def test_a_fifo_as_input_is_refused_instead_of_hanging(
    api: LoopbackServer, cli_env: CliEnv, tmp_path: Path, argv: list[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONUTF8": "1"}
    # A real process with a timeout: a regression would block in open() forever.
    result = subprocess.run(
        [sys.executable, "-m", "openclaw_deepinfra.cli", *(a.replace("{fifo}", str(fifo)) for a in argv)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 2
    assert f"{fifo} is a FIFO (named pipe); pass a regular file" in result.stderr
    assert _api_calls(api) == []


def test_a_directory_as_input_is_refused(api: LoopbackServer, run: Run, tmp_path: Path) -> None:
    result = run("stt", str(tmp_path))

    assert result.code == 2
    assert f"AUDIO {tmp_path} is a directory; pass a regular file" in result.err


def test_stdin_beyond_the_limit_is_refused(
    api: LoopbackServer, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "TEXT_LIMIT", 1024)
    monkeypatch.setattr(files.read_text, "__defaults__", (1024,))
    _stdin(monkeypatch, b"x" * 1025)

    result = run("chat", "-")

    assert result.code == 2
    assert "PROMPT (standard input) is larger than the limit of 1024 bytes" in result.err
    assert _api_calls(api) == []


def test_an_input_within_the_limit_is_sent(api: LoopbackServer, run: Run, tmp_path: Path) -> None:
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32)

    result = run("stt", str(audio))

    assert (result.code, result.out) == (0, "heard\n"), result.err
    (call,) = _api_calls(api)
    assert call.path == "/v1/openai/audio/transcriptions"


def test_the_cli_image_limit_is_the_describe_surface_limit() -> None:
    assert files.IMAGE_LIMIT == MAX_IMAGE_BYTES
