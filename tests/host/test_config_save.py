"""Issue 12 part 2: saving a config edits the user's file in place and loses nothing."""

from __future__ import annotations

import stat
from pathlib import Path

import json5
import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.safe_write import ChangedOnDiskError

HAND_WRITTEN = """\
// gateway config, edited by hand
{
  gateway: { port: 18789, }, /* keep */
  agents: {
    defaults: {
      workspace: '~/agents',   // mine
    },
  },
}
"""


def test_save_edits_in_place_and_keeps_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "openclaw.json"
    path.write_text(HAND_WRITTEN)
    path.chmod(0o640)
    config = OpenClawConfig.load(path, env={})
    config.with_value(("agents", "defaults", "model"), {"primary": "deepinfra/x"}).save()
    text = path.read_text()
    assert text == HAND_WRITTEN.replace(
        "      workspace: '~/agents',   // mine\n",
        "      workspace: '~/agents',   // mine\n"
        '      model: {\n        primary: "deepinfra/x"\n      },\n',
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert (tmp_path / "openclaw.json.bak").read_text() == HAND_WRITTEN
    assert json5.loads(text)["agents"]["defaults"] == {
        "workspace": "~/agents",
        "model": {"primary": "deepinfra/x"},
    }


def test_save_goes_through_a_symlink_and_keeps_it(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "openclaw.json5"
    real.parent.mkdir()
    real.write_text(HAND_WRITTEN)
    link = tmp_path / "openclaw.json"
    link.symlink_to(real)
    OpenClawConfig.load(link, env={}).with_value(("gateway", "port"), 19000).save()
    assert link.is_symlink()
    assert real.read_text() == HAND_WRITTEN.replace("18789", "19000")
    assert (real.parent / "openclaw.json5.bak").read_text() == HAND_WRITTEN


def test_a_change_on_disk_since_loading_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "openclaw.json"
    path.write_text(HAND_WRITTEN)
    config = OpenClawConfig.load(path, env={})
    path.write_text(HAND_WRITTEN + "// another editor saved meanwhile\n")
    with pytest.raises(ChangedOnDiskError, match="changed on disk since it was read") as info:
        config.with_value(("gateway", "port"), 1).save()
    assert str(path) in str(info.value)
    assert path.read_text().endswith("// another editor saved meanwhile\n")
    # a file created after a "missing" read is a change too
    fresh = tmp_path / "new.json"
    missing = OpenClawConfig.load(fresh, env={})
    fresh.write_text("{mine: 1}")
    with pytest.raises(ChangedOnDiskError):
        missing.with_value(("a",), 1).save()
    assert fresh.read_text() == "{mine: 1}"


def test_new_config_is_plain_json_0600_without_backup(tmp_path: Path) -> None:
    path = tmp_path / "state" / "openclaw.json"
    OpenClawConfig.load(path, env={}).with_patch({"agents": {"defaults": {"model": "deepinfra/x"}}}).save()
    assert (
        path.read_text()
        == '{\n  "agents": {\n    "defaults": {\n      "model": "deepinfra/x"\n    }\n  }\n}\n'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (path.parent / "openclaw.json.bak").exists()


def test_saving_to_another_path_writes_it_whole(tmp_path: Path) -> None:
    source = tmp_path / "a.json"
    source.write_text(HAND_WRITTEN)
    other = tmp_path / "b.json"
    OpenClawConfig.load(source, env={}).save(other)
    assert json5.loads(other.read_text()) == json5.loads(HAND_WRITTEN)
    assert source.read_text() == HAND_WRITTEN
