"""Onboarding: the one API-key auth method (reference §5.1) and its config change (§5.2)."""

from __future__ import annotations

from typing import Any, Final

from openclaw_deepinfra.host.contracts.text import (
    ProviderAuthContext,
    ProviderAuthMethod,
    ProviderAuthProfile,
    ProviderAuthResult,
    ProviderAuthWizard,
)
from openclaw_deepinfra.settings import API_KEY_ENV, PROFILE_ID, PROVIDER_ID

METHOD_ID: Final = "api-key"
OPTION_KEY: Final = "deepinfraApiKey"
FLAG_NAME: Final = "--deepinfra-api-key"
DEFAULT_MODEL_REF: Final = "deepinfra/deepseek-ai/DeepSeek-V4-Flash"
MODEL_ALIAS: Final = "DeepInfra"
NOTE_TITLE: Final = "DeepInfra"
NOTE_MESSAGE: Final = (
    "DeepInfra provides an OpenAI-compatible API for open source and frontier models.\n"
    "Get your API key at: https://deepinfra.com/dash/api_keys"
)


class OnboardingError(ValueError):
    """The onboarding input cannot be used (e.g. a blank key); says what to pass instead."""


def config_patch(config: dict[str, Any], model_ref: str = DEFAULT_MODEL_REF) -> dict[str, Any]:
    """What onboarding adds to the agent config: the primary model unless one is set, and its alias
    unless it has one. Everything else the user wrote is left alone (the caller deep-merges)."""
    agents = _object(config.get("agents") if isinstance(config, dict) else None, "agents")
    defaults = _object(agents.get("defaults"), "agents.defaults")
    model = defaults.get("model")
    if model is not None and not isinstance(model, str | dict):
        raise OnboardingError(
            "agents.defaults.model in the config must be a model ref string or {primary: ...}; fix it first"
        )
    has_primary = bool(model.strip()) if isinstance(model, str) else bool((model or {}).get("primary"))
    patch_defaults: dict[str, Any] = {}
    if not has_primary:
        patch_defaults["model"] = {"primary": model_ref}
        models = _object(defaults.get("models"), "agents.defaults.models")
        entry = _object(models.get(model_ref), f"agents.defaults.models.{model_ref}")
        if not entry.get("alias"):
            patch_defaults["models"] = {model_ref: {"alias": MODEL_ALIAS}}
    return {"agents": {"defaults": patch_defaults}} if patch_defaults else {}


def _object(value: Any, key: str) -> dict[str, Any]:
    """`value` when it is an object, {} when unset; anything else would be overwritten by the patch,
    so onboarding stops and names the key instead."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise OnboardingError(f"{key} in the config must be an object, not {kind}; fix it first")
    return value


async def _run(ctx: ProviderAuthContext) -> ProviderAuthResult:
    raw = ctx.opts.get(OPTION_KEY) or ctx.env.get(API_KEY_ENV)
    key = raw.strip() if isinstance(raw, str) else ""
    if not key:
        raise OnboardingError(f"a DeepInfra API key is required: pass {FLAG_NAME} KEY or set {API_KEY_ENV}")
    if any(ch.isspace() for ch in key):
        raise OnboardingError(
            f"the DeepInfra API key must not contain whitespace; check the value of {FLAG_NAME}"
        )
    profile = ProviderAuthProfile(
        profile_id=PROFILE_ID, credential={"type": "api_key", "provider": PROVIDER_ID, "key": key}
    )
    return ProviderAuthResult(
        profiles=[profile],
        config_patch=config_patch(ctx.config.data),
        default_model=DEFAULT_MODEL_REF,
        notes=[f"{NOTE_TITLE}: {NOTE_MESSAGE}"],
    )


def api_key_method() -> ProviderAuthMethod:
    return ProviderAuthMethod(
        id=METHOD_ID,
        label="DeepInfra API key",
        hint="Unified API for open source models",
        kind="api_key",
        wizard=ProviderAuthWizard(
            choice_id="deepinfra-api-key",
            choice_label="DeepInfra API key",
            group_id="deepinfra",
            group_label="DeepInfra",
            method_id=METHOD_ID,
        ),
        run=_run,
    )
