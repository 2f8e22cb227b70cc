"""Every import names the module that defines the thing: package `__init__` files hold a docstring
(and the top package its version), never a re-export list or a lazy `__getattr__`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import openclaw_deepinfra

PACKAGE_DIR = Path(openclaw_deepinfra.__file__).resolve().parent
INITS = sorted(PACKAGE_DIR.rglob("__init__.py"))


def facade_statements(source: str, *, top: bool) -> list[str]:
    """The statements of an `__init__` other than its docstring (and the top package's version)."""
    body = ast.parse(source).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    bad = []
    for node in body:
        is_version = isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            "__version__"
        ]
        if not (top and is_version):
            bad.append(f"{node.lineno}: {ast.unparse(node).splitlines()[0]}")
    return bad


def test_the_package_has_subpackages() -> None:
    names = {p.parent.name for p in INITS}
    assert {"openclaw_deepinfra", "host", "contracts", "transport", "surfaces"} <= names


@pytest.mark.parametrize("path", INITS, ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_package_init_is_not_a_facade(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert facade_statements(source, top=path.parent == PACKAGE_DIR) == []


@pytest.mark.parametrize(
    ("source", "top", "bad"),
    [
        ('"""doc"""\n', False, False),
        ('"""doc"""\n__version__ = "1"\n', True, False),
        ('"""doc"""\n__version__ = "1"\n', False, True),
        ('"""doc"""\nfrom x.y import z\n', False, True),
        ("def __getattr__(name): ...\n", False, True),
        ('__all__ = ["z"]\n', True, True),
    ],
)
def test_checker_catches_facades(source: str, top: bool, bad: bool) -> None:
    assert bool(facade_statements(source, top=top)) is bad
