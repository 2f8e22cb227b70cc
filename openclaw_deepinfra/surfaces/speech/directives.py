"""``[[tts:voice=… model=…]]`` directive keys (reference §3.4), within the host's directive policy."""

from __future__ import annotations

from typing import Final

from openclaw_deepinfra.host.contracts.speech import SpeechDirectiveTokenContext, SpeechDirectiveTokenResult
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.settings import PROVIDER_ID

VOICE_KEYS: Final = frozenset({"voice", "voice_id", "voiceid", "deepinfra_voice", "deepinfravoice"})
MODEL_KEYS: Final = frozenset({"model", "model_id", "modelid", "deepinfra_model", "deepinframodel"})


def parse_directive_token(ctx: SpeechDirectiveTokenContext) -> SpeechDirectiveTokenResult:
    """A voice or model key becomes an override when the policy allows it. A key that is ours but
    not allowed is still *handled* (so it is not read aloud or passed on) with a warning saying why;
    any other key is left to other providers."""
    key = ctx.key.strip().lower()
    value = ctx.value.strip()
    if key in VOICE_KEYS:
        field, allowed, what = "voice", ctx.policy.allow_voice, "voice"
    elif key in MODEL_KEYS:
        field, allowed, what = "model", ctx.policy.allow_model_id, "model"
        value = strip_provider_prefix(value, PROVIDER_ID)
    else:
        return SpeechDirectiveTokenResult(handled=False)
    if not allowed:
        return SpeechDirectiveTokenResult(
            handled=True, warnings=[f"[[tts:{ctx.key}=…]] ignored: {what} directives are not allowed here"]
        )
    if not value:
        return SpeechDirectiveTokenResult(
            handled=True, warnings=[f"[[tts:{ctx.key}=]] ignored: empty {what}"]
        )
    return SpeechDirectiveTokenResult(handled=True, overrides={field: value})
