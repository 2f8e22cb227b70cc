"""The agent config file (JSON5, as OpenClaw's ``openclaw.json``), read in both key spellings.

Reading: ``get`` is the raw tree; ``lookup`` maps a current key to its older spelling(s) (see
``config_tree``). When a block exists under both spellings the current one wins *whole*: the two
are not merged, because a half-migrated block mixing both would be read differently by different
hosts; a deprecation is logged instead. ``${VAR}`` in any string is substituted on read.

Writing: ``with_value``/``with_patch`` return a new config; ``save`` edits the text it was read
from (``json5_edit``): only changed keys are rewritten, so comments, order, quoting and trailing
commas elsewhere stay byte for byte. The write goes through ``safe_write``: through a symlink to the
real file, mode kept, atomic, a ``.bak`` of the previous version, and refused when the file changed
on disk since it was read.
"""

from __future__ import annotations

import copy
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from openclaw_deepinfra.host import json5_read, paths
from openclaw_deepinfra.host.config_tree import (
    AGENT_MEMORY_SEARCH,
    AGENT_MEMORY_SEARCH_OLD,
    KEY_ALIASES,
    MISSING,
    KeyAlias,
    MediaKind,
    deep_merge,
    find_alias,
    split,
    walk,
)
from openclaw_deepinfra.host.contracts.protocols import MEDIA_CAPABILITIES
from openclaw_deepinfra.host.errors import ConfigError
from openclaw_deepinfra.host.json5_edit import apply_changes, same
from openclaw_deepinfra.host.safe_write import Snapshot, write_atomic
from openclaw_deepinfra.host.secrets import UnsetEnvVarError, substitute_env_vars

logger = logging.getLogger("openclaw.config")

# SecretInputs inside a block read (`provider_config`, `tts()`) stay raw: their reader resolves
# them just before use, and may fall through to another key source when a `${VAR}` is unset,
# so a block read must not fail on them first.
SECRET_INPUT_KEYS = frozenset({"apiKey"})
_JSON5_LINE_RE = re.compile(r":(\d+) (.*)$")


@dataclass(frozen=True)
class _Source:
    """The text a config was read from, its parse, and the bytes for the changed-on-disk check."""

    path: Path
    text: str
    data: dict[str, Any]
    snapshot: Snapshot


class _MediaModelBlock(BaseModel):
    model_config = ConfigDict(extra="ignore")

    primary: StrictStr | None = None
    fallbacks: list[StrictStr] | None = None
    timeout_ms: Annotated[StrictInt, Field(gt=0)] | None = Field(None, alias="timeoutMs")


@dataclass(frozen=True)
class MediaModelSelection:
    """``agents.defaults.mediaModels.<kind>``: a string ref or ``{primary, fallbacks?, timeoutMs?}``."""

    primary: str | None
    fallbacks: tuple[str, ...] = ()
    timeout_ms: int | None = None


class OpenClawConfig:
    """An immutable view of the agent config; see the module docstring for the rules."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        path: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.path = path
        self.data: dict[str, Any] = copy.deepcopy(dict(data or {}))
        self._process_env: dict[str, str] = dict(os.environ if env is None else env)
        merged = dict(self._process_env)
        env_vars = walk(self.data, ("env", "vars"))
        if env_vars is not MISSING:
            if not isinstance(env_vars, Mapping):
                raise ConfigError(f"{self._where()}: env.vars must be an object of NAME: value")
            for name, value in env_vars.items():
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    raise ConfigError(f"{self._where()}: env.vars.{name} must be a string")
                merged.setdefault(str(name), str(value))
        self.env: Mapping[str, str] = merged
        self._warned: set[str] = set()
        self._source: _Source | None = None

    @classmethod
    def load(cls, path: Path | None = None, *, env: Mapping[str, str] | None = None) -> OpenClawConfig:
        """Read a JSON5 config file; a missing file is an empty config."""
        target = (path or paths.config_path(env=env)).expanduser()
        try:
            raw = target.read_bytes()
            text = raw.decode("utf-8")
        except FileNotFoundError:
            return cls({}, path=target, env=env)._with_source(target, None, "")
        except OSError as exc:
            raise ConfigError(f"{target}: cannot read the config file: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{target}: byte {exc.start} is not UTF-8; save the config file as UTF-8"
            ) from None
        try:
            data = json5_read.read(text) if text.strip() else {}
        except RecursionError:  # the parser recurses per nesting level
            raise ConfigError(f"{target}: the config is nested too deeply to read") from None
        except ValueError as exc:
            match = _JSON5_LINE_RE.search(str(exc))
            where = f"{target}: line {match.group(1)}: {match.group(2)}" if match else f"{target}: {exc}"
            raise ConfigError(f"{where}; fix the JSON5 syntax there (quotes, commas, brackets)") from None
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise ConfigError(f"{target}: the config must be a JSON5 object ({{...}}), not {kind}")
        return cls(data, path=target, env=env)._with_source(target, raw, text)

    def __repr__(self) -> str:
        # Never the values: the tree may hold API keys.
        return f"OpenClawConfig(path={self.path!r}, keys={sorted(self.data)!r})"

    # -- reading -------------------------------------------------------------------------------

    def get(self, path: str | Sequence[str], default: Any = None, *, raw: bool = False) -> Any:
        """The value at ``path`` ("a.b.c" or a sequence, for keys that contain dots).

        ``${VAR}`` is substituted unless ``raw`` (SecretInputs are read raw and resolved by
        ``secrets.resolve_secret_input``).
        """
        parts = split(path)
        value = walk(self.data, parts)
        if value is MISSING:
            return default
        return copy.deepcopy(value) if raw else self._substitute(value, ".".join(parts))

    def lookup(self, current: str | Sequence[str], default: Any = None) -> Any:
        """The value under the current spelling, else under an older one (``config_tree``)."""
        parts = split(current)
        alias = find_alias(parts)
        if alias is None:
            return self.get(parts, default)
        head = tuple(alias.current.split("."))
        rest = parts[len(head) :]
        present_old = [old for old in alias.older if walk(self.data, old.split(".")) is not MISSING]
        if walk(self.data, head) is not MISSING:
            for old in present_old:
                self._warn_once(old, alias.current)
            return self.get(parts, default)
        if not present_old:
            return default
        value = walk(self._older_block(alias, present_old), rest)
        if value is MISSING:
            return default
        return self._substitute(value, ".".join((present_old[0], *rest)))

    def provider_config(self, provider_id: str) -> dict[str, Any]:
        return self._block("models", "providers", provider_id)

    def plugin_entry(self, plugin_id: str) -> dict[str, Any]:
        return self._block("plugins", "entries", plugin_id)

    def agent_entry(self, agent_id: str) -> dict[str, Any]:
        """``agents.entries.<id>`` (older: the ``agents.list[]`` item with that id) or {}."""
        value = self.lookup(("agents", "entries", agent_id))
        return dict(value) if isinstance(value, Mapping) else {}

    def tts(self) -> dict[str, Any]:
        """The TTS block: ``tts`` (older ``messages.tts``)."""
        return self._block("tts")

    def memory_search(self, agent_id: str | None = None) -> dict[str, Any]:
        """``memory.search`` with ``agents.entries.<id>.memory.search`` deep-merged on top."""
        merged = self._block("memory", "search")
        if agent_id is None:
            return merged
        entry = self.agent_entry(agent_id)
        override = walk(entry, AGENT_MEMORY_SEARCH)
        old = walk(entry, (AGENT_MEMORY_SEARCH_OLD,))
        if override is MISSING:
            override = old
        elif old is not MISSING:
            self._warn_once(
                f"agents.entries.{agent_id}.{AGENT_MEMORY_SEARCH_OLD}",
                f"agents.entries.{agent_id}.memory.search",
            )
        if override is MISSING:
            return merged
        if not isinstance(override, Mapping):
            raise ConfigError(f"{self._where()}: agents.entries.{agent_id}.memory.search must be an object")
        return deep_merge(merged, override)

    def media_model(self, kind: MediaKind) -> MediaModelSelection | None:
        """``agents.defaults.mediaModels.<kind>`` (older ``agents.defaults.<kind>GenerationModel``)."""
        key = f"agents.defaults.mediaModels.{kind}"
        value = self.lookup(key)
        if value is None:
            return None
        if isinstance(value, str):
            return MediaModelSelection(primary=value.strip() or None)
        try:
            block = _MediaModelBlock.model_validate(value)
        except ValidationError:
            raise ConfigError(
                f"{self._where()}: {key} must be a model ref string or "
                "{primary: ref, fallbacks: [refs], timeoutMs: a positive whole number}"
            ) from None
        return MediaModelSelection(
            primary=(block.primary or "").strip() or None,
            fallbacks=tuple(f.strip() for f in block.fallbacks or () if f.strip()),
            timeout_ms=block.timeout_ms,
        )

    def legacy_keys(self) -> list[tuple[str, str]]:
        """Every older-spelling key present, with its current name (for ``doctor``)."""
        found: list[tuple[str, str]] = []
        for alias in KEY_ALIASES:
            for old in alias.older:
                if walk(self.data, old.split(".")) is not MISSING:
                    found.append((old, alias.current))
        entries = walk(self.data, ("agents", "entries"))
        if isinstance(entries, Mapping):
            for agent_id, entry in entries.items():
                if isinstance(entry, Mapping) and AGENT_MEMORY_SEARCH_OLD in entry:
                    prefix = f"agents.entries.{agent_id}"
                    found.append((f"{prefix}.{AGENT_MEMORY_SEARCH_OLD}", f"{prefix}.memory.search"))
        return found

    # -- writing -------------------------------------------------------------------------------

    def with_value(self, path: Sequence[str], value: Any) -> OpenClawConfig:
        """A new config with ``path`` set to ``value`` (intermediate objects created)."""
        parts = split(path)
        if not parts:
            raise ConfigError("with_value needs a non-empty key path")
        data = copy.deepcopy(self.data)
        node = data
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                dotted = ".".join(parts[: i + 1])
                raise ConfigError(f"{self._where()}: {dotted} is not an object; cannot set {'.'.join(parts)}")
            node = child
        node[parts[-1]] = copy.deepcopy(value)
        return self._derive(data)

    def with_patch(self, patch: Mapping[str, Any]) -> OpenClawConfig:
        """A new config with ``patch`` deep-merged in (an auth method's ``config_patch``); the new
        config deep-copies what it is given, so neither this one nor ``patch`` is shared."""
        return self._derive(deep_merge(self.data, patch))

    def save(self, path: Path | None = None) -> Path:
        """Write the tree back, editing only what changed (module docstring); 0600 for a new file.

        Saving to the file it was read from edits that text and refuses if the file changed on
        disk meanwhile; another path is written whole (its previous version kept as ``.bak``).
        """
        target = path or self.path
        if target is None:
            raise ConfigError("no config path to save to; pass one or load the config from a file")
        target = target.expanduser()
        source = self._source if self._source is not None and self._source.path == target else None
        if source is None:
            text = apply_changes("", {}, self.data)
        else:
            text = apply_changes(source.text, source.data, self.data)
            if not same(json5_read.read(text), self.data):  # a guard: never write what we did not mean
                raise ConfigError(f"{target}: could not edit the config in place; nothing was written")
        write_atomic(target, text, private=True, backup=True, expect=source.snapshot if source else None)
        return target

    # -- internals -----------------------------------------------------------------------------

    def _with_source(self, path: Path, raw: bytes | None, text: str) -> OpenClawConfig:
        self._source = _Source(path, text, copy.deepcopy(self.data), Snapshot(path, raw))
        return self

    def _derive(self, data: dict[str, Any]) -> OpenClawConfig:
        derived = OpenClawConfig(data, path=self.path, env=self._process_env)
        derived._source = self._source
        return derived

    def _where(self) -> str:
        return str(self.path) if self.path is not None else "<config>"

    def _block(self, *parts: str) -> dict[str, Any]:
        """The object at ``parts`` (under an older spelling if renamed), {} when unset."""
        value = self.lookup(parts)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ConfigError(f"{self._where()}: {'.'.join(parts)} must be an object")
        return dict(value)

    def _older_block(self, alias: KeyAlias, present_old: list[str]) -> Any:
        if alias.shape == "tagged-media":
            merged: list[Any] = []
            for cap in MEDIA_CAPABILITIES:
                models = walk(self.data, ("tools", "media", cap, "models"))
                if not isinstance(models, list):
                    continue
                for item in models:
                    if isinstance(item, Mapping) and "capabilities" not in item:
                        item = {**item, "capabilities": [cap]}
                    merged.append(item)
            return merged
        if len(present_old) > 1:
            self._warn_once(present_old[1], present_old[0])
        value = walk(self.data, present_old[0].split("."))
        if alias.shape == "list-by-id":
            if not isinstance(value, list):
                raise ConfigError(f"{self._where()}: {present_old[0]} must be a list of {{id, ...}} objects")
            by_id: dict[str, Any] = {}
            for item in value:
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    by_id.setdefault(item["id"], item)
                else:
                    logger.warning("%s: %s item without an id ignored", self._where(), present_old[0])
            return by_id
        return value

    def _warn_once(self, old: str, new: str) -> None:
        if old in self._warned:
            return
        self._warned.add(old)
        logger.warning(
            "%s: config key %s is deprecated and ignored because %s is also set; "
            "move its settings to %s and delete it (openclaw doctor --fix)",
            self._where(),
            old,
            new,
            new,
        )

    def _substitute(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            try:
                return substitute_env_vars(value, self.env)
            except UnsetEnvVarError as exc:
                raise ConfigError(
                    f"{self._where()}: {where}: environment variable {exc.name} is not set; "
                    f"export it, add it to env.vars, or write $${{{exc.name}}} for a literal"
                ) from None
        if isinstance(value, Mapping):
            return {
                k: copy.deepcopy(v) if k in SECRET_INPUT_KEYS else self._substitute(v, f"{where}.{k}")
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._substitute(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value
