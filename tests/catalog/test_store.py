"""The on-disk last good catalog: location, file name, atomic writes, tolerant reads."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from openclaw_deepinfra.catalog.models import CatalogModel
from openclaw_deepinfra.catalog.refresher import (
    CACHE_VERSION,
    SnapshotStore,
)
from openclaw_deepinfra.urls import normalize

BASE = "https://api.deepinfra.com/v1/openai"
MODELS = (
    CatalogModel(id="a/chat", tags=("chat",), context_length=4096, pricing={"input_tokens": 0.1}),
    CatalogModel(id="a/img", tags=("image-gen",), default_width=512),
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        # Issue 12: the cache follows the state dir (one per profile), not XDG_CACHE_HOME.
        ({"OPENCLAW_DEEPINFRA_CACHE_DIR": "/x/cache", "OPENCLAW_STATE_DIR": "/s"}, Path("/x/cache")),
        ({"OPENCLAW_DEEPINFRA_CACHE_DIR": "  ", "OPENCLAW_STATE_DIR": "/s"}, Path("/s/cache/deepinfra")),
        ({"XDG_CACHE_HOME": "/xdg", "OPENCLAW_STATE_DIR": "/s"}, Path("/s/cache/deepinfra")),
        ({"OPENCLAW_HOME": "/oh"}, Path("/oh/.openclaw/cache/deepinfra")),
        ({"OPENCLAW_STATE_DIR": "/oh/.openclaw-work"}, Path("/oh/.openclaw-work/cache/deepinfra")),
        ({}, Path("~/.openclaw/cache/deepinfra").expanduser()),
    ],
)
def test_cache_dir(env: dict[str, str], expected: Path) -> None:
    assert SnapshotStore(env=env).directory == expected


def test_env_var_picked_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCLAW_DEEPINFRA_CACHE_DIR", str(tmp_path))
    assert SnapshotStore().directory == tmp_path


@pytest.mark.parametrize(
    "spelling",
    [BASE, BASE + "/", " HTTPS://API.DEEPINFRA.COM/v1/openai// ", "https://api.deepinfra.com/v1/openai"],
)
def test_one_file_per_normalised_base_url(tmp_path: Path, spelling: str) -> None:
    store = SnapshotStore(tmp_path)
    assert normalize(spelling) == BASE
    assert store.path_for(spelling) == store.path_for(BASE)
    assert store.path_for("https://other.example/v1/openai") != store.path_for(BASE)


def test_save_then_load(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "nested" / "dir")
    path = store.save(BASE, MODELS, fetched_at=1234.5)
    assert path.parent == tmp_path / "nested" / "dir"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["version"] == CACHE_VERSION
    assert data["base_url"] == BASE
    assert data["fetched_at"] == 1234.5
    loaded = store.load(BASE + "/")
    assert loaded is not None
    assert loaded.models == MODELS
    assert loaded.fetched_at == 1234.5
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temp file left behind"


def test_overwrite_is_atomic_and_leaves_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SnapshotStore(tmp_path)
    store.save(BASE, MODELS, fetched_at=1.0)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.save(BASE, MODELS[:1], fetched_at=2.0)
    loaded = store.load(BASE)
    assert loaded is not None and loaded.fetched_at == 1.0 and loaded.models == MODELS
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="truncated"),
        pytest.param("", id="empty"),
        pytest.param("[]", id="not-object"),
        pytest.param(
            json.dumps({"version": 99, "base_url": BASE, "fetched_at": 1, "models": []}), id="version"
        ),
        pytest.param(
            json.dumps(
                {"version": CACHE_VERSION, "base_url": "https://x.test", "fetched_at": 1, "models": []}
            ),
            id="other-base",
        ),
        pytest.param(
            json.dumps({"version": CACHE_VERSION, "base_url": BASE, "models": []}), id="no-fetched-at"
        ),
        pytest.param(
            json.dumps({"version": CACHE_VERSION, "base_url": BASE, "fetched_at": 1, "models": {}}),
            id="models-obj",
        ),
        pytest.param(
            json.dumps({"version": CACHE_VERSION, "base_url": BASE, "fetched_at": 1, "models": []}),
            id="no-models",
        ),
        pytest.param(
            json.dumps(
                {"version": CACHE_VERSION, "base_url": BASE, "fetched_at": 1, "models": [{"id": "x"}]}
            ),
            id="unusable-rows",
        ),
        pytest.param("\udcff", id="bad-encoding"),
    ],
)
def test_corrupt_or_foreign_file_is_ignored(tmp_path: Path, content: str) -> None:
    store = SnapshotStore(tmp_path)
    store.path_for(BASE).write_bytes(content.encode("utf-8", errors="surrogateescape"))
    assert store.load(BASE) is None


def test_missing_file_and_unreadable_dir(tmp_path: Path) -> None:
    assert SnapshotStore(tmp_path / "absent").load(BASE) is None
    store = SnapshotStore(tmp_path)
    store.path_for(BASE).mkdir()  # a directory where the file should be: unreadable as a file
    assert store.load(BASE) is None
