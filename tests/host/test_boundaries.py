"""The host side never imports the plugin side (DESIGN.md: one direction of imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import openclaw_deepinfra.host as host_package

HOST_DIR = Path(host_package.__file__).resolve().parent
PACKAGE = "openclaw_deepinfra"
HOST = "openclaw_deepinfra.host"
HOST_FILES = sorted(HOST_DIR.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(HOST_DIR.parent.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Absolute names of every module imported by ``path`` (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level - 1 >= len(base):
                    found.append((node.lineno, "<relative import above the top package>"))
                    continue
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names if target == PACKAGE]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(path: Path) -> list[str]:
    bad = []
    for lineno, name in imported_modules(path):
        escapes = name.startswith("<")
        # The bare top package is imported by any `openclaw_deepinfra.host.*` import; its submodules
        # outside `host` are the plugin side.
        plugin_side = name.startswith(PACKAGE + ".") and not (name == HOST or name.startswith(HOST + "."))
        if escapes or plugin_side:
            bad.append(f"{path.relative_to(HOST_DIR)}:{lineno} imports {name}")
    return bad


def test_host_files_are_found() -> None:
    names = {p.name for p in HOST_FILES}
    assert {"registry.py", "api.py", "manifest.py", "hookspecs.py"} <= names
    assert any(p.parent.name == "contracts" for p in HOST_FILES)


@pytest.mark.parametrize("path", HOST_FILES, ids=lambda p: str(p.relative_to(HOST_DIR)))
def test_host_module_imports_nothing_from_the_plugin_side(path: Path) -> None:
    assert violations(path) == []


@pytest.mark.parametrize(
    ("source", "where", "expected_bad"),
    [
        ("from openclaw_deepinfra.host.errors import HostError\n", "registry.py", False),
        ("from openclaw_deepinfra.settings import Settings\n", "registry.py", True),
        ("import openclaw_deepinfra.catalog\n", "registry.py", True),
        ("from openclaw_deepinfra import settings\n", "registry.py", True),
        ("from openclaw_deepinfra import host\n", "registry.py", False),
        ("from . import errors\n", "registry.py", False),
        ("from .. import settings\n", "registry.py", True),
        ("from ...transport import client\n", "contracts/x.py", True),
        ("from ..refs import ModelRef\n", "contracts/x.py", False),
        ("from ..errors import HostError\n", "contracts/x.py", False),
        ("from .... import x\n", "registry.py", True),
        ("importlib.import_module('openclaw_deepinfra.plugin')\n", "registry.py", True),
    ],
)
def test_checker_catches_escapes(
    tmp_path: Path, source: str, where: str, expected_bad: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_host = tmp_path / "openclaw_deepinfra" / "host"
    target = fake_host / where
    target.parent.mkdir(parents=True)
    target.write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["HOST_DIR"]), "HOST_DIR", fake_host)
    assert bool(violations(target)) is expected_bad
