"""Issue 17 part 2: no writer replaces anything but a regular file, and none follows a symlink out of
its directory for the cache and auth files. One test per writer, each on private special files."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openclaw_deepinfra.catalog.models import CatalogModel
from openclaw_deepinfra.catalog.refresher import SnapshotStore
from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.install import disable_plugin, install_plugin
from openclaw_deepinfra.host.safe_write import UnsafeTargetError
from tests.cli.conftest import SECRET, CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, serve
from tests.special_files import is_null_device, make_dir, make_fifo, make_null_device

BASE = "https://api.deepinfra.com/v1/openai"
MODELS = (CatalogModel(id="a/chat", tags=("chat",), context_length=4096),)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16
SPECIALS: list[tuple[str, Callable[[Path], Path], str]] = [
    ("nulldev", make_null_device, "character device"),
    ("fifo", make_fifo, "FIFO"),
    ("dir", make_dir, "directory"),
]
IDS = [name for name, _, _ in SPECIALS]


def unchanged_special(path: Path, kind: str) -> bool:
    mode = path.lstat().st_mode
    if kind == "character device":
        return is_null_device(path)
    return stat.S_ISFIFO(mode) if kind == "FIFO" else stat.S_ISDIR(mode)


@pytest.fixture
def api(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    with serve() as server:
        server.route(
            "POST",
            "/v1/openai/audio/speech",
            Reply(body=b"ID3-audio", headers=(("Content-Type", "audio/mpeg"),)),
        )
        server.route(
            "POST",
            "/v1/openai/images/generations",
            Reply.json({"data": [{"b64_json": base64.b64encode(PNG).decode()}]}),
        )
        answer = {"video_url": "data:video/mp4;base64," + base64.b64encode(MP4).decode()}
        server.route("POST", "/v1/inference/Pixverse/Pixverse-T2V", Reply.json(answer))
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{server.base_url}/v1/openai")
        monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
        yield server


# -- config edits -----------------------------------------------------------------------------------


def test_onboard_refuses_a_device_as_config_and_stores_nothing(cli_env: CliEnv, run: Run) -> None:
    nulldev = make_null_device(cli_env.root / "nulldev")
    result = run("--config", str(nulldev), "onboard", "--deepinfra-api-key", SECRET)
    assert result.code == 2
    assert f"{nulldev} is a character device" in result.err
    assert is_null_device(nulldev)
    # refused before anything was written: no key beside the device either
    assert not (cli_env.root / "auth-profiles.json").exists()
    assert SECRET not in result.text


@pytest.mark.parametrize(("name", "make", "kind"), SPECIALS, ids=IDS)
def test_config_save_refuses_special_files(
    tmp_path: Path, name: str, make: Callable[[Path], Path], kind: str
) -> None:
    target = make(tmp_path / name)
    with pytest.raises(UnsafeTargetError, match=kind) as info:
        OpenClawConfig({"a": 1}, path=target).save()
    assert str(target) in str(info.value)
    assert unchanged_special(target, kind)


def test_plugins_disable_refuses_a_symlink_to_a_device(tmp_path: Path) -> None:
    nulldev = make_null_device(tmp_path / "nulldev")
    link = tmp_path / "openclaw.json"
    link.symlink_to(nulldev)
    with pytest.raises(UnsafeTargetError, match="character device"):
        disable_plugin("deepinfra", link)
    assert link.is_symlink() and is_null_device(nulldev)


def test_plugins_install_refuses_a_device_config_before_pip_runs(tmp_path: Path) -> None:
    nulldev = make_null_device(tmp_path / "nulldev")
    calls: list[object] = []

    def runner(*args: object, **kwargs: object) -> object:
        calls.append(args)
        raise AssertionError("pip must not run")

    with pytest.raises(UnsafeTargetError, match=f"{nulldev} is a character device"):
        install_plugin("some-plugin", nulldev, runner=runner)
    assert calls == [] and is_null_device(nulldev)


# -- auth profiles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make", "kind"), SPECIALS, ids=IDS)
def test_auth_store_refuses_special_files(
    tmp_path: Path, name: str, make: Callable[[Path], Path], kind: str
) -> None:
    target = make(tmp_path / "auth-profiles.json")
    with pytest.raises(UnsafeTargetError, match=kind) as info:
        AuthProfileStore(target).put_api_key("deepinfra:default", "deepinfra", SECRET)
    assert str(target) in str(info.value) and SECRET not in str(info.value)
    assert unchanged_special(target, kind)


def test_auth_store_never_follows_a_symlink_out_of_its_directory(tmp_path: Path) -> None:
    agent_dir = tmp_path / "agent"
    agent_dir.mkdir()
    outside = tmp_path / "shared.json"
    outside.write_text('{"version": 1, "profiles": {}}')
    (agent_dir / "auth-profiles.json").symlink_to(outside)
    with pytest.raises(UnsafeTargetError, match="outside"):
        AuthProfileStore(agent_dir / "auth-profiles.json").put_api_key(
            "deepinfra:default", "deepinfra", SECRET
        )
    assert SECRET not in outside.read_text()


# -- catalog cache ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make", "kind"), SPECIALS, ids=IDS)
def test_catalog_cache_refuses_special_files(
    tmp_path: Path, name: str, make: Callable[[Path], Path], kind: str
) -> None:
    store = SnapshotStore(tmp_path)
    target = make(store.path_for(BASE))
    with pytest.raises(UnsafeTargetError, match=kind):
        store.save(BASE, MODELS, fetched_at=1.0)
    assert unchanged_special(target, kind)


def test_catalog_cache_never_follows_a_symlink_out_of_its_directory(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    outside = tmp_path / "victim.txt"
    outside.write_text("mine")
    store = SnapshotStore(cache)
    store.path_for(BASE).symlink_to(outside)
    with pytest.raises(UnsafeTargetError, match="outside"):
        store.save(BASE, MODELS, fetched_at=1.0)
    assert outside.read_text() == "mine"
    # the refusal is an OSError too: the refresher logs it and keeps serving from memory
    with pytest.raises(OSError):
        store.save(BASE, MODELS, fetched_at=1.0)


# -- --out files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["tts", "hello"], ["image", "a cat"], ["video", "--duration", "3", "a river"]],
    ids=["tts", "image", "video"],
)
@pytest.mark.parametrize(("name", "make", "kind"), SPECIALS[:2], ids=IDS[:2])
def test_out_files_refuse_special_files(
    api: LoopbackServer,
    cli_env: CliEnv,
    run: Run,
    argv: list[str],
    name: str,
    make: Callable[[Path], Path],
    kind: str,
) -> None:
    if argv[0] == "tts":
        cli_env.write_config({"tts": {"provider": "deepinfra"}})
    target = make(cli_env.root / name)
    result = run(argv[0], "--out", str(target), *argv[1:])
    assert result.code == 2, result.text
    assert str(target) in result.err and kind in result.err
    assert unchanged_special(target, kind)
    assert [p.name for p in cli_env.root.iterdir() if p.name.endswith(".tmp")] == []


def test_out_file_through_a_symlink_to_a_regular_file_is_written_there(
    api: LoopbackServer, cli_env: CliEnv, run: Run
) -> None:
    real = cli_env.root / "real.png"
    real.write_bytes(b"old")
    link = cli_env.root / "latest.png"
    link.symlink_to(real)
    result = run("image", "--out", str(link), "a cat")
    assert result.code == 0, result.err
    assert link.is_symlink() and real.read_bytes() == PNG
    assert os.readlink(link) == str(real)
