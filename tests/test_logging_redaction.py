"""Every plugin-side logger redacts: the key never reaches a handler, whatever module logs it."""

from __future__ import annotations

import ast
import importlib
import logging
from pathlib import Path

import pytest

from openclaw_deepinfra.redact import register_secret

PACKAGE = Path(__file__).resolve().parents[1] / "openclaw_deepinfra"
# The redaction module itself wires the filter up.
EXEMPT = {PACKAGE / "redact.py"}
PLUGIN_MODULES = sorted(
    p for p in PACKAGE.rglob("*.py") if "host" not in p.relative_to(PACKAGE).parts and p not in EXEMPT
)


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


@pytest.mark.parametrize("path", PLUGIN_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_plugin_modules_take_their_logger_from_get_logger(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    direct = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "getLogger"
    ]
    assert direct == [], f"{path.name} calls logging.getLogger at lines {direct}; use redact.get_logger"


def test_a_key_logged_by_any_plugin_logger_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    secret = "di-logged-secret-0123456789abcdef"
    register_secret(secret)
    caplog.set_level(logging.DEBUG)
    loggers = []
    for path in PLUGIN_MODULES:
        if path.name == "__main__.py":  # importing it would run the CLI
            continue
        module = importlib.import_module(_module_name(path))
        logger = getattr(module, "logger", None)
        if isinstance(logger, logging.Logger):
            loggers.append(logger)
            logger.warning("request failed with key %s and header Bearer %s", secret, secret)
    assert len(loggers) >= 5
    assert len(caplog.records) == len(loggers)
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert all("***" in record.getMessage() for record in caplog.records)
