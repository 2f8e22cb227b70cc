"""README's "one chat request, end to end" list is the code's: each module defines the function the
list names, the step before it calls that function, and each module on the path stays small."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"<!-- request-path:start -->\n(.*?)\n\s*<!-- request-path:end -->", re.S)
STEP = re.compile(r"^\s*\d+\. `([^`]+\.py)` `([A-Za-z_]+)`", re.M)


def steps() -> list[tuple[Path, str]]:
    found = BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found is not None, "README.md lost its request-path markers"
    return [(ROOT / path, name) for path, name in STEP.findall(found.group(1))]


def defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def called(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def test_a_chat_request_crosses_at_most_four_modules() -> None:
    path = steps()
    assert 2 <= len(path) <= 4, path


def test_each_step_defines_its_function_and_the_previous_step_calls_it() -> None:
    path = steps()
    for module, name in path:
        assert module.is_file(), module
        assert name in defined(module), (module, name)
    # The last hop (httpx's AsyncClient calling its transport) is httpx's own; the others are ours.
    for (before, _), (_after, name) in itertools.pairwise(path[:-1]):
        assert name in called(before), (before, name)


def test_the_default_transport_is_the_last_step() -> None:
    from openclaw_deepinfra.transport.pool import transport_kind

    assert transport_kind({}) == "aiohttp"
    assert steps()[-1][0].name == "aiohttp_transport.py"


def test_the_modules_on_the_path_stay_small() -> None:
    for module, _name in steps():
        lines = len(module.read_text(encoding="utf-8").splitlines())
        assert lines <= 430, f"{module.name} has {lines} lines"
