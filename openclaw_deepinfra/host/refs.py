"""``provider/model`` refs (host-contracts §11).

Split on the first ``/``: the provider is trimmed, lower-cased and alias-mapped; the model is kept
verbatim (DeepInfra ids are mixed-case and contain slashes, ``MODEL:VERSION`` or ``deploy_id:ID``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openclaw_deepinfra.host.errors import ModelRefError

if TYPE_CHECKING:
    from openclaw_deepinfra.host.config import OpenClawConfig

_FIX = 'write it as "<provider>/<model>", e.g. "deepinfra/deepseek-ai/DeepSeek-V4-Flash"'


@dataclass(frozen=True)
class ModelRef:
    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}/{self.model}"


def parse_model_ref(ref: str, *, aliases: Mapping[str, str] | None = None) -> ModelRef:
    """Parse ``provider/model``; ``aliases`` maps lower-case provider aliases to provider ids."""
    if not isinstance(ref, str):
        raise ModelRefError(f"model ref must be a string, got {type(ref).__name__}; {_FIX}")
    text = ref.strip()
    provider, sep, model = text.partition("/")
    if not sep:
        raise ModelRefError(f"model ref {text!r} has no provider; {_FIX}")
    provider = provider.strip().lower()
    if not provider:
        raise ModelRefError(f"model ref {text!r} has an empty provider; {_FIX}")
    if not model.strip():
        raise ModelRefError(f"model ref {text!r} has an empty model; {_FIX}")
    if aliases:
        provider = aliases.get(provider, provider)
    return ModelRef(provider=provider, model=model)


def strip_provider_prefix(model: str, provider: str) -> str:
    """Remove ONE leading ``<provider>/`` (case-insensitive on the provider)."""
    prefix = f"{provider}/"
    if model[: len(prefix)].lower() == prefix.lower():
        return model[len(prefix) :]
    return model


def resolve_text_model(config: OpenClawConfig, ref_or_alias: str) -> ModelRef:
    """Resolve a ref, an alias from ``agents.defaults.models[...].alias`` or a bare model id.

    A bare id resolves only when exactly one configured ``models.providers.<id>.models[]`` has it.
    """
    text = ref_or_alias.strip() if isinstance(ref_or_alias, str) else ""
    if not text:
        raise ModelRefError(f"empty model; {_FIX}")
    models = config.get("agents.defaults.models")
    if isinstance(models, Mapping):
        for key, entry in models.items():
            alias = entry.get("alias") if isinstance(entry, Mapping) else None
            if isinstance(alias, str) and alias.strip().lower() == text.lower():
                return parse_model_ref(key)
    if "/" in text:
        return parse_model_ref(text)
    owners = [pid for pid, cfg in _providers(config).items() if _has_model(cfg, text)]
    if len(owners) == 1:
        return ModelRef(provider=owners[0], model=text)
    if owners:
        raise ModelRefError(
            f"model {text!r} is configured for several providers ({', '.join(sorted(owners))}); "
            f"write <provider>/{text}"
        )
    raise ModelRefError(f"model {text!r} is not an alias or a configured model; {_FIX}")


def _providers(config: OpenClawConfig) -> dict[str, Any]:
    providers = config.get("models.providers", raw=True)
    return dict(providers) if isinstance(providers, Mapping) else {}


def _has_model(provider_cfg: Any, model_id: str) -> bool:
    models = provider_cfg.get("models") if isinstance(provider_cfg, Mapping) else None
    return isinstance(models, list) and any(
        isinstance(m, Mapping) and m.get("id") == model_id for m in models
    )
