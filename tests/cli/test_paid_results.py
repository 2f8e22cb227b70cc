"""Issue 18 item 1: a paid result is never lost. `--out` is checked before any request; when the
write still fails afterwards the result goes to a fallback file, printed with the request id."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw_deepinfra.cli import files
from openclaw_deepinfra.host import safe_write
from openclaw_deepinfra.host.safe_write import FileWriteError
from tests.cli.conftest import CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, Seen, serve

KEY = "di-cli-paid-key-0123456789abcdef"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
MP3 = b"ID3" + b"\x00" * 32


@pytest.fixture
def api(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    images = Reply(
        body=f'{{"data": [{{"b64_json": "{base64.b64encode(PNG).decode()}"}}]}}'.encode(),
        headers=(("Content-Type", "application/json"), ("x-request-id", "req-img-42")),
    )
    with serve() as server:
        server.route("POST", "/v1/openai/images/generations", images)
        server.route(
            "POST", "/v1/openai/audio/speech", Reply(body=MP3, headers=(("Content-Type", "audio/mpeg"),))
        )
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{server.base_url}/v1/openai")
        monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
        yield server


def _paid_calls(server: LoopbackServer) -> list[Seen]:
    return [seen for seen in server.seen if seen.method == "POST"]


@pytest.mark.parametrize("command", ["image", "tts", "video"])
def test_a_file_where_a_directory_is_expected_is_refused_before_any_request(
    api: LoopbackServer, run: Run, tmp_path: Path, command: str
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a directory")

    result = run(command, "--out", str(afile / "v.out"), "a", "prompt")

    assert result.code == 2
    assert result.err.startswith(f"openclaw-deepinfra: error: --out {afile / 'v.out'}: ")
    assert "is not a directory" in result.err and result.err.rstrip().endswith("nothing was sent")
    assert _paid_calls(api) == []


def test_a_read_only_directory_is_refused_before_any_request(
    api: LoopbackServer, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    # Root ignores permission bits, so the directory's answer to access() is what is simulated.
    monkeypatch.setattr(
        safe_write.os, "access", lambda p, mode: False if Path(p) == locked else real_access(p, mode)
    )

    result = run("image", "--out", str(locked / "x.png"), "a", "cat")

    assert result.code == 2
    assert f"directory {locked} is not writable; nothing was sent" in result.err
    assert _paid_calls(api) == []


def test_a_fifo_as_out_is_refused_without_hanging(
    api: LoopbackServer, cli_env: CliEnv, tmp_path: Path
) -> None:
    fifo = tmp_path / "out.mp3"
    os.mkfifo(fifo)

    result = subprocess.run(
        [sys.executable, "-m", "openclaw_deepinfra.cli", "tts", "--out", str(fifo), "hello"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 2, result.stderr
    assert "FIFO" in result.stderr and "nothing was sent" in result.stderr
    assert _paid_calls(api) == []


def _failing_write(target: Path) -> object:
    real = files.write_atomic

    def write(path: Path, data: bytes, **kwargs: object) -> None:
        if Path(path) == target:
            raise FileWriteError(target, f"{target}: disk full")
        real(path, data, **kwargs)  # type: ignore[arg-type]

    return write


def test_a_write_that_fails_after_the_request_keeps_the_image_in_a_fallback_file(
    api: LoopbackServer, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "cat.png"
    monkeypatch.setattr(files, "write_atomic", _failing_write(target))
    monkeypatch.setattr(files.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    result = run("image", "--out", str(target), "a", "cat")

    assert result.code == 1
    (fallback,) = (tmp_path / "tmp").iterdir()
    assert fallback.read_bytes() == PNG
    assert fallback.name.startswith("openclaw-deepinfra-") and fallback.name.endswith("-cat.png")
    assert f"could not write {target}: {target}: disk full" in result.err
    assert result.err.rstrip().endswith(
        f"error: the paid result was saved to {fallback} instead (request id req-img-42)"
    )
    assert f"wrote {fallback}" in result.out
    assert len(_paid_calls(api)) == 1 and not target.exists()


def test_tts_falls_back_too(
    api: LoopbackServer, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "s.mp3"
    monkeypatch.setattr(files, "write_atomic", _failing_write(target))
    monkeypatch.setattr(files.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    result = run("tts", "--out", str(target), "hello")

    assert result.code == 1
    (fallback,) = (tmp_path / "tmp").iterdir()
    assert fallback.read_bytes() == MP3
    assert f"the paid result was saved to {fallback} instead" in result.err


def test_a_writable_out_is_written(api: LoopbackServer, run: Run, tmp_path: Path) -> None:
    out = tmp_path / "new" / "dir" / "cat.png"

    result = run("image", "--out", str(out), "a", "cat")

    assert result.code == 0, result.err
    assert out.read_bytes() == PNG
