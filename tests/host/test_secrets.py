from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.host.errors import SecretResolutionError
from openclaw_deepinfra.host.secrets import is_secret_ref, resolve_secret_input, substitute_env_vars

SECRET = "sk-very-secret-value-42"
ENV = {"DEEPINFRA_API_KEY": SECRET, "HOST": "h.test"}


def _config(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "secrets.json").write_text(
        json.dumps({"deepinfra": {"apiKey": SECRET, "n": 7}, "a/b": {"~x": SECRET}, "list": [SECRET]})
    )
    (tmp_path / "key.txt").write_text(f"  {SECRET}\n")
    echo = [sys.executable, "-c", "import sys; print('  ' + sys.argv[1].upper() + '-' + 'resolved  ')"]
    return {
        "secrets": {
            "providers": {
                "vault": {"source": "file", "path": "secrets.json"},
                "single": {"source": "file", "path": str(tmp_path / "key.txt"), "mode": "value"},
                "cmd": {"source": "exec", "command": echo, "timeoutMs": 20000},
                "envonly": {"source": "env", "allowlist": ["DEEPINFRA_API_KEY"]},
            },
            "defaults": {"file": "vault"},
        }
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("plain-key", "plain-key"),
        ("${DEEPINFRA_API_KEY}", SECRET),
        ("Bearer ${DEEPINFRA_API_KEY}", f"Bearer {SECRET}"),
        ("$${DEEPINFRA_API_KEY}", "${DEEPINFRA_API_KEY}"),
        ({"source": "env", "provider": "default", "id": "DEEPINFRA_API_KEY"}, SECRET),
        ({"source": "env", "id": "DEEPINFRA_API_KEY"}, SECRET),
        ({"source": "env", "provider": "envonly", "id": "DEEPINFRA_API_KEY"}, SECRET),
        ({"source": "file", "provider": "vault", "id": "/deepinfra/apiKey"}, SECRET),
        ({"source": "file", "id": "/deepinfra/apiKey"}, SECRET),  # secrets.defaults.file
        ({"source": "file", "provider": "vault", "id": "/deepinfra/n"}, "7"),
        ({"source": "file", "provider": "vault", "id": "/a~1b/~0x"}, SECRET),
        ({"source": "file", "provider": "vault", "id": "/list/0"}, SECRET),
        ({"source": "file", "provider": "single", "id": "value"}, SECRET),
        ({"source": "exec", "provider": "cmd", "id": "team/deepinfra#key"}, "TEAM/DEEPINFRA#KEY-resolved"),
        ({"source": "store", "provider": "default", "id": "DEEPINFRA_KEY"}, SECRET),
    ],
)
def test_secret_forms(tmp_path: Path, value: Any, expected: str | None) -> None:
    got = resolve_secret_input(
        value, env=ENV, config=_config(tmp_path), base_dir=tmp_path, store={"DEEPINFRA_KEY": SECRET}
    )
    assert got == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("${MISSING_VAR}", "environment variable MISSING_VAR is not set"),
        (42, "expected a string or a SecretRef"),
        ({"source": "env", "provider": "Bad Provider", "id": "X"}, "provider must match"),
        ({"source": "env", "id": "lower_case"}, "id must match"),
        ({"source": "env", "id": "NOT_SET"}, "environment variable NOT_SET is not set"),
        (
            {"source": "env", "provider": "envonly", "id": "HOST"},
            "not in secrets.providers.envonly.allowlist",
        ),
        ({"source": "env", "provider": "vault", "id": "HOST"}, "has source 'file', not 'env'"),
        ({"source": "file", "provider": "nope", "id": "/x"}, "add secrets.providers.nope"),
        ({"source": "file", "provider": "vault", "id": "/deepinfra/missing"}, "nothing at that JSON pointer"),
        ({"source": "file", "provider": "vault", "id": "/deepinfra"}, "is not a string"),
        ({"source": "file", "provider": "vault", "id": "deepinfra"}, "start with '/'"),
        ({"source": "exec", "provider": "cmd", "id": "-rf"}, "id must match"),
        ({"source": "store", "id": "ABSENT"}, "the secret store has no entry ABSENT"),
        ({"source": "unknown", "id": "X"}, "not a SecretRef"),
    ],
)
def test_secret_errors_never_contain_the_secret(tmp_path: Path, value: Any, message: str) -> None:
    with pytest.raises(SecretResolutionError) as info:
        resolve_secret_input(
            value,
            env=ENV,
            config=_config(tmp_path),
            base_dir=tmp_path,
            store={"DEEPINFRA_KEY": SECRET},
            where="models.providers.deepinfra.apiKey",
        )
    text = str(info.value)
    assert message in text
    assert SECRET not in text
    assert info.value.__cause__ is None  # no chained exception carrying file text or stdout


def test_store_ref_without_store() -> None:
    with pytest.raises(SecretResolutionError, match="no secret store"):
        resolve_secret_input({"source": "store", "id": "X"}, env={})


def test_file_errors(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"k": "' + SECRET)
    config = {
        "secrets": {
            "providers": {
                "broken": {"source": "file", "path": "broken.json"},
                "gone": {"source": "file", "path": "missing.json"},
                "nopath": {"source": "file"},
            }
        }
    }
    for provider, message in [
        ("broken", "line 1 is not valid JSON"),
        ("gone", "cannot read"),
        ("nopath", "needs a 'path'"),
    ]:
        with pytest.raises(SecretResolutionError) as info:
            resolve_secret_input(
                {"source": "file", "provider": provider, "id": "/k"}, env={}, config=config, base_dir=tmp_path
            )
        assert message in str(info.value) and SECRET not in str(info.value)


@pytest.mark.parametrize(
    ("command", "timeout_ms", "message"),
    [
        (
            [sys.executable, "-c", f"import sys; print('{SECRET}'); sys.exit(3)"],
            20000,
            "exited with status 3",
        ),
        ([sys.executable, "-c", "pass"], 20000, "printed nothing"),
        ([sys.executable, "-c", "import time; time.sleep(5)"], 200, "timed out after 0.2s"),
        (["/nonexistent/secret-helper"], 1000, "cannot run /nonexistent/secret-helper"),
        ("echo hi", 1000, "'command' as a list of strings"),
        ([sys.executable], 0, "timeoutMs must be a positive number"),
    ],
)
def test_exec_errors(command: Any, timeout_ms: int, message: str) -> None:
    config = {
        "secrets": {"providers": {"cmd": {"source": "exec", "command": command, "timeoutMs": timeout_ms}}}
    }
    with pytest.raises(SecretResolutionError) as info:
        resolve_secret_input({"source": "exec", "provider": "cmd", "id": "key"}, env={}, config=config)
    assert message in str(info.value) and SECRET not in str(info.value)


def test_exec_runs_without_shell(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    script = "import sys; print(sys.argv[1] + '|' + sys.argv[2])"
    command = [sys.executable, "-c", script, f"$(touch {marker})"]
    config = {"secrets": {"providers": {"cmd": {"source": "exec", "command": command}}}}
    got = resolve_secret_input({"source": "exec", "provider": "cmd", "id": "key"}, env={}, config=config)
    assert got == f"$(touch {marker})|key" and not marker.exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"source": "env", "provider": "default", "id": "X"}, True),
        ({"source": "file", "id": "/x"}, True),
        ({"source": "web", "id": "X"}, False),
        ({"source": "env"}, False),
        ("${X}", False),
        (None, False),
    ],
)
def test_is_secret_ref(value: Any, expected: bool) -> None:
    assert is_secret_ref(value) is expected


def test_substitute_env_vars_escape_and_lowercase() -> None:
    assert substitute_env_vars("$${A}/${A}/${a}", {"A": "1"}) == "${A}/1/${a}"
