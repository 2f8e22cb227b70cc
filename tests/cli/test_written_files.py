"""Issue 18 item 8: a written file whose extension contradicts its bytes is warned about (once, on
stderr, naming both types and a matching extension) and still written as asked; and the one
permission policy for files the CLI writes (README "Files the CLI writes")."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw_deepinfra.cli import files
from openclaw_deepinfra.host.safe_write import FileWriteError
from tests.cli.conftest import CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, Seen, serve

KEY = "di-cli-written-key-0123456789abcdef"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
MP3 = b"ID3\x04" + b"\x00" * 28
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32


def _images(seen: Seen) -> Reply:
    count = json.loads(seen.body).get("n", 1)
    return Reply.json({"data": [{"b64_json": base64.b64encode(PNG).decode()}] * count})


@pytest.fixture
def api(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    video = {"video_url": "data:video/mp4;base64," + base64.b64encode(MP4).decode(),
             "inference_status": {"status": "succeeded"}}  # fmt: skip
    with serve() as server:
        server.route("POST", "/v1/openai/images/generations", _images)
        server.route(
            "POST", "/v1/openai/audio/speech", Reply(body=WAV, headers=(("Content-Type", "audio/wav"),))
        )
        server.route("POST", "/v1/inference/Wan-AI/Wan2.9-T2V", Reply.json(video))
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{server.base_url}/v1/openai")
        monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
        yield server


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if "but its extension says" in line]


@pytest.mark.parametrize(
    ("argv", "name", "found", "said", "suggested", "data"),
    [
        (["image", "a fox"], "x.jpg", "image/png", "image/jpeg", ".png", PNG),
        (["tts", "hello"], "a.mp3", "audio/wav", "audio/mpeg", ".wav", WAV),
        (
            ["video", "--model", "Wan-AI/Wan2.9-T2V", "a boat"],
            "v.webm",
            "video/mp4",
            "video/webm",
            ".mp4",
            MP4,
        ),
    ],
)
def test_an_extension_that_contradicts_the_bytes_is_warned_about_and_written_as_asked(
    api: LoopbackServer, run: Run, tmp_path: Path, argv: list[str], name: str, found: str, said: str,
    suggested: str, data: bytes,
) -> None:  # fmt: skip
    out = tmp_path / name

    result = run(*argv[:-1], "--out", str(out), argv[-1])

    assert result.code == 0, result.err
    (warning,) = _warnings(result.err)
    assert warning == (
        f"openclaw-deepinfra: warning: {out} gets {found} data, but its extension says {said}; "
        f"written as asked (a {suggested} name would match its content)"
    )
    assert out.read_bytes() == data


def test_several_files_with_the_same_contradiction_warn_once(
    api: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    result = run("image", "--count", "3", "--out", str(tmp_path / "x.jpg"), "a fox")

    assert result.code == 0, result.err
    assert len(_warnings(result.err)) == 1
    assert [p.name for p in sorted(tmp_path.glob("x-*.jpg"))] == ["x-1.jpg", "x-2.jpg", "x-3.jpg"]


@pytest.mark.parametrize("name", ["x.png", "x.PNG", "x.bin", "x", "x.pcm"])
def test_a_matching_or_unknown_extension_is_not_warned_about(
    api: LoopbackServer, run: Run, tmp_path: Path, name: str
) -> None:
    result = run("image", "--out", str(tmp_path / name), "a fox")

    assert result.code == 0, result.err
    assert _warnings(result.err) == []


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [("a.jpeg", JPEG, None), ("a.m4a", MP4, None), ("a.opus", b"OggS" + b"\x00" * 24, None),
     ("a.mp3", MP3, None), ("a.wav", MP3, ("audio/wav", "audio/mpeg")), ("a.gif", b"nothing known", None)],
)  # fmt: skip
def test_which_names_contradict_which_bytes(name: str, data: bytes, expected: tuple[str, str] | None) -> None:
    assert files._contradiction(Path(name), data) == expected


# --- one permission policy --------------------------------------------------------------------------


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask_027")
def test_a_new_out_file_follows_the_umask_and_an_existing_one_keeps_its_mode(
    api: LoopbackServer, run: Run, tmp_path: Path
) -> None:
    new, existing = tmp_path / "new.png", tmp_path / "existing.png"
    existing.write_bytes(b"old")
    existing.chmod(0o604)

    assert run("image", "--out", str(new), "a fox").code == 0
    assert run("image", "--out", str(existing), "a fox").code == 0

    assert _mode(new) == 0o640  # 0666 minus the umask, as any program's output file
    assert _mode(existing) == 0o604 and existing.read_bytes() == PNG


@pytest.mark.usefixtures("umask_027")
def test_a_fallback_copy_in_the_shared_temp_dir_is_private(
    api: LoopbackServer, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "s.wav"
    real = files.write_atomic

    def failing(path: Path, data: bytes, **kwargs: bool) -> Path:
        if Path(path) == target:
            raise FileWriteError(target, f"{target}: disk full")
        return real(path, data, **kwargs)

    monkeypatch.setattr(files, "write_atomic", failing)
    monkeypatch.setattr(files.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    result = run("tts", "--out", str(target), "hello")

    assert result.code == 1
    (fallback,) = (tmp_path / "tmp").iterdir()
    assert _mode(fallback) == 0o600 and fallback.read_bytes() == WAV
