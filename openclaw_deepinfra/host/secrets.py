"""SecretInput resolution (host-contracts §12.1) and ``${VAR}`` substitution.

A SecretInput is a plain string (``"${ENV}"`` substituted), or a SecretRef
``{source: env|file|exec|store, provider, id}``. Resolution happens just before use; every error is a
``SecretResolutionError`` that names where the secret was looked for, never the secret itself.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openclaw_deepinfra.host.errors import SecretResolutionError

SECRET_SOURCES = frozenset({"env", "file", "exec", "store"})
PROVIDER_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
ENV_ID_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")
EXEC_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,255}$")
DEFAULT_EXEC_TIMEOUT_MS = 10_000
MAX_EXEC_TIMEOUT_MS = 120_000

# `$${VAR}` is an escape for a literal `${VAR}`; only upper-case names are variables, so a
# lower-case `${foo}` in a prompt or URL template is left alone.
_VAR_RE = re.compile(r"(\$?)\$\{([A-Z_][A-Z0-9_]*)\}")


class UnsetEnvVarError(LookupError):
    """A ``${VAR}`` reference names a variable that is not set. ``name`` is the variable."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def substitute_env_vars(text: str, env: Mapping[str, str]) -> str:
    """Replace ``${VAR}`` with ``env[VAR]``; ``$${VAR}`` becomes a literal ``${VAR}``.

    Raises ``UnsetEnvVarError`` for an unset variable (the caller adds where it was read).
    """

    def replace(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return "${" + name + "}"
        if name not in env:
            raise UnsetEnvVarError(name)
        return env[name]

    if "${" not in text:
        return text
    return _VAR_RE.sub(replace, text)


def is_secret_ref(value: Any) -> bool:
    """True for a mapping shaped like a SecretRef (a known ``source`` and a string ``id``)."""
    return (
        isinstance(value, Mapping)
        and value.get("source") in SECRET_SOURCES
        and isinstance(value.get("id"), str)
    )


def resolve_secret_input(
    value: Any,
    *,
    env: Mapping[str, str],
    config: Mapping[str, Any] | None = None,
    base_dir: Path | None = None,
    store: Mapping[str, str] | None = None,
    where: str = "secret",
) -> str | None:
    """Resolve a SecretInput to its string value; ``None``/``""`` -> ``None``.

    ``config`` is the raw config tree (for ``secrets.providers`` / ``secrets.defaults``),
    ``base_dir`` anchors relative file paths (the config file's directory), ``store`` backs
    ``source: "store"`` refs, ``where`` names the config key in error messages.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return _expand(value, env, where, hint="; export it or add it to env.vars") or None
    if isinstance(value, Mapping):
        if not is_secret_ref(value):
            raise SecretResolutionError(
                f"{where}: not a SecretRef; expected {{source: env|file|exec|store, provider, id}}"
            )
        return _resolve_ref(value, env=env, config=config or {}, base_dir=base_dir, store=store, where=where)
    raise SecretResolutionError(
        f"{where}: expected a string or a SecretRef object, got {type(value).__name__}"
    )


def _resolve_ref(
    ref: Mapping[str, Any],
    *,
    env: Mapping[str, str],
    config: Mapping[str, Any],
    base_dir: Path | None,
    store: Mapping[str, str] | None,
    where: str,
) -> str:
    source: str = ref["source"]
    ref_id: str = ref["id"]
    secrets_block = config.get("secrets")
    secrets_block = secrets_block if isinstance(secrets_block, Mapping) else {}
    defaults = secrets_block.get("defaults")
    defaults = defaults if isinstance(defaults, Mapping) else {}
    provider = ref.get("provider") or defaults.get(source) or "default"
    label = f"{where} ({source} ref {provider}:{ref_id})"
    if not isinstance(provider, str) or not PROVIDER_RE.match(provider):
        raise SecretResolutionError(f"{label}: provider must match {PROVIDER_RE.pattern}")
    providers = secrets_block.get("providers")
    provider_cfg = providers.get(provider) if isinstance(providers, Mapping) else None
    if provider_cfg is not None and not isinstance(provider_cfg, Mapping):
        raise SecretResolutionError(f"{label}: secrets.providers.{provider} must be an object")
    if provider_cfg is not None and provider_cfg.get("source", source) != source:
        raise SecretResolutionError(
            f"{label}: secrets.providers.{provider} has source {provider_cfg.get('source')!r}, not {source!r}"
        )
    if source in ("env", "store") and not ENV_ID_RE.match(ref_id):
        raise SecretResolutionError(f"{label}: id must match {ENV_ID_RE.pattern}")
    if source == "env":
        allow = (provider_cfg or {}).get("allowlist")
        if isinstance(allow, Sequence) and not isinstance(allow, str) and ref_id not in allow:
            raise SecretResolutionError(f"{label}: {ref_id} is not in secrets.providers.{provider}.allowlist")
        if not env.get(ref_id):
            raise SecretResolutionError(f"{label}: environment variable {ref_id} is not set")
        return env[ref_id]
    if source == "store":
        if store is None:
            raise SecretResolutionError(f"{label}: no secret store is available to this host")
        found = store.get(ref_id)
        if not found:
            raise SecretResolutionError(f"{label}: the secret store has no entry {ref_id}")
        return found
    if provider_cfg is None:
        raise SecretResolutionError(f"{label}: add secrets.providers.{provider} with source {source!r}")
    if source == "file":
        return _resolve_file(ref_id, provider_cfg, env=env, base_dir=base_dir, label=label)
    if not EXEC_ID_RE.match(ref_id):
        raise SecretResolutionError(f"{label}: id must match {EXEC_ID_RE.pattern}")
    return _resolve_exec(ref_id, provider_cfg, env=env, label=label)


def _expand(value: str, env: Mapping[str, str], label: str, *, hint: str = "") -> str:
    try:
        return substitute_env_vars(value, env)
    except UnsetEnvVarError as exc:
        raise SecretResolutionError(f"{label}: environment variable {exc.name} is not set{hint}") from None


def _resolve_file(
    pointer: str, cfg: Mapping[str, Any], *, env: Mapping[str, str], base_dir: Path | None, label: str
) -> str:
    raw_path = cfg.get("path")
    if not isinstance(raw_path, str) or not raw_path:
        raise SecretResolutionError(f"{label}: the file provider needs a 'path'")
    path = Path(_expand(raw_path, env, label)).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretResolutionError(f"{label}: cannot read {path}: {exc.strerror or 'error'}") from None
    if cfg.get("mode") in ("value", "singleValue"):
        secret = text.strip()
        if not secret:
            raise SecretResolutionError(f"{label}: {path} is empty")
        return secret
    if pointer and not pointer.startswith("/"):
        raise SecretResolutionError(f"{label}: file ids are JSON pointers and start with '/'")
    try:
        node: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        # exc.msg/lineno only: the exception's str() would be fine, its .doc is the secret file.
        raise SecretResolutionError(f"{label}: {path} line {exc.lineno} is not valid JSON") from None
    for raw_token in pointer.split("/")[1:] if pointer else []:
        token = raw_token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise SecretResolutionError(f"{label}: {path} has nothing at that JSON pointer")
    if isinstance(node, bool) or not isinstance(node, str | int | float):
        raise SecretResolutionError(f"{label}: the value in {path} at that pointer is not a string")
    return str(node)


def _resolve_exec(ref_id: str, cfg: Mapping[str, Any], *, env: Mapping[str, str], label: str) -> str:
    command = cfg.get("command")
    if (
        not isinstance(command, Sequence)
        or isinstance(command, str)
        or not command
        or not all(isinstance(part, str) for part in command)
    ):
        raise SecretResolutionError(f"{label}: the exec provider needs 'command' as a list of strings")
    timeout_ms = cfg.get("timeoutMs", DEFAULT_EXEC_TIMEOUT_MS)
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int | float) or timeout_ms <= 0:
        raise SecretResolutionError(f"{label}: timeoutMs must be a positive number")
    timeout_s = min(float(timeout_ms), MAX_EXEC_TIMEOUT_MS) / 1000.0
    argv = [_expand(part, env, label) for part in command] + [ref_id]
    try:
        # No shell: the command comes from the user's own config and the id is passed as one argv item.
        done = subprocess.run(  # noqa: S603
            argv, capture_output=True, text=True, timeout=timeout_s, check=False, env=dict(env)
        )
    except subprocess.TimeoutExpired:
        raise SecretResolutionError(f"{label}: command timed out after {timeout_s:g}s") from None
    except OSError as exc:
        raise SecretResolutionError(f"{label}: cannot run {argv[0]}: {exc.strerror or 'error'}") from None
    if done.returncode != 0:
        # stdout/stderr are left out on purpose: a helper may print the secret before failing.
        raise SecretResolutionError(f"{label}: command exited with status {done.returncode}")
    secret = done.stdout.strip()
    if not secret:
        raise SecretResolutionError(f"{label}: command printed nothing")
    return secret
