"""Is the configured key accepted? One free, authenticated read, for `doctor`.

The model catalog answers anonymously, so fetching it proves nothing about the key. `GET
/deploy/list` (DeepInfra's documented list of the account's own deployments) needs the key, costs
nothing and bills nothing. It lives at the API root, so it is addressed from the base URL's origin.
A scoped `jwt:` token only authorizes inference on its models, so it is not checked this way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from openclaw_deepinfra.errors import (
    AuthenticationError,
    DeepInfraError,
    InsufficientBalanceError,
    NotFoundError,
)
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.urls import origin_url

AUTH_PATH: Final = "/deploy/list"
AUTH_TIMEOUT_S: Final = 15.0


@dataclass(frozen=True)
class KeyCheck:
    level: Literal["ok", "warn", "fail"]
    detail: str
    request_id: str | None = None


def auth_url(base_url: str) -> str:
    return origin_url(base_url) + AUTH_PATH


async def verify_key(runtime: DeepInfraRuntime) -> KeyCheck:
    """What DeepInfra says about the key, as a check result; never raises for an API answer."""
    settings = runtime.settings()
    key = settings.require_key()
    if key.is_jwt:
        return KeyCheck("warn", "a scoped jwt: token only authorizes inference; not checked here")
    http = runtime.http()
    try:
        # No retries: doctor reports what happens now, and a retry would only delay the answer.
        check = http.with_options(deadline=http.deadline(AUTH_TIMEOUT_S), max_retries=0)
        response = await check.request_json("GET", auth_url(settings.base_url), label="DeepInfra key check")
    except AuthenticationError as exc:
        return KeyCheck("fail", f"DeepInfra rejected the key (HTTP {exc.status})", exc.request_id)
    except InsufficientBalanceError as exc:
        # The key is valid; the account cannot pay. Worth a warning, not a failure of the key.
        return KeyCheck(
            "warn", f"the key is valid but the account has no balance: {exc.message}", exc.request_id
        )
    except NotFoundError as exc:
        # A proxy or gateway in front of the OpenAI-compatible API need not serve the account API.
        where = auth_url(settings.base_url)
        return KeyCheck("warn", f"could not check the key: {where} answered 404", exc.request_id)
    except DeepInfraError as exc:
        return KeyCheck("warn", f"could not check the key: {exc}", exc.request_id)
    return KeyCheck("ok", "DeepInfra accepted the key", response.request_id)
