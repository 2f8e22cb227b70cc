"""Where the shipped data files live.

A wheel carries `plugin.toml` and `manifests/` inside the package (hatch force-include); a
source checkout or an editable install has them at the repository root beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    inside = _PACKAGE_DIR / name
    return inside if inside.exists() else _PACKAGE_DIR.parent / name


def manifest_path() -> Path:
    """The plugin manifest (`plugin.toml`)."""
    return _locate("plugin.toml")


def manifests_dir() -> Path:
    """The directory of per-surface static catalogs (`manifests/*.toml`)."""
    return _locate("manifests")
