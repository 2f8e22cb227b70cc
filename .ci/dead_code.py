"""Dead code check: vulture over the package at 60% confidence, with `.ci/vulture_whitelist.py`.

Pydantic model fields are inputs (the validator fills them from config, manifests and host calls)
and TypedDict keys are read by name, even when no Python code reads them as attributes, so they are
not reported: pydantic and typing say which names are fields, so a dead function or constant is
still found. Validators and the pluggy hook implementation are called by their frameworks
(`--ignore-decorators`). Exit status 1 when anything is reported.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import is_typeddict

from pydantic import BaseModel
from vulture import Vulture

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "openclaw_deepinfra"
WHITELIST = ROOT / ".ci" / "vulture_whitelist.py"
MIN_CONFIDENCE = 60
FRAMEWORK_DECORATORS = ["@field_validator", "@model_validator", "@field_serializer", "@hookimpl"]


def pydantic_fields() -> set[tuple[Path, str]]:
    """(file, field name) of every pydantic model field and TypedDict key the package defines."""
    fields: set[tuple[Path, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__main__.py":  # runs the CLI; defines no models
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            if issubclass(value, BaseModel):
                fields |= {(path, name) for name in value.model_fields}
            elif is_typeddict(value):  # its keys are read by name (`settings["voice"]`)
                fields |= {(path, name) for name in value.__annotations__}
    return fields


def main() -> int:
    sys.path.insert(0, str(ROOT))
    vulture = Vulture(ignore_decorators=FRAMEWORK_DECORATORS)
    vulture.scavenge([str(PACKAGE), str(WHITELIST)])
    fields = pydantic_fields()
    unused = [
        item
        for item in vulture.get_unused_code(min_confidence=MIN_CONFIDENCE)
        if not (item.typ == "variable" and (Path(item.filename).resolve(), item.name) in fields)
    ]
    for item in unused:
        print(item.get_report(add_size=False))
    if unused:
        print(
            f"{len(unused)} unused name(s): delete the code, or if a caller outside the package uses "
            f"it (host, plugin, framework), add it to {WHITELIST.relative_to(ROOT)} with the reason",
            file=sys.stderr,
        )
    return 1 if unused else 0


if __name__ == "__main__":
    raise SystemExit(main())
