"""The memory index identity (`cache_key_data`) of an embedding endpoint.

Stored vectors are keyed by provider + this mapping: when it changes, the host pauses vector search
until a reindex. So it holds what changes the vectors and nothing that does not:

- `{provider, model}` for DeepInfra's default endpoint (compared after `urls.normalize`: scheme,
  host case, default port and trailing slashes, so `https://API.DEEPINFRA.COM:443/v1/openai/` is it);
- plus the normalised `baseUrl` and `headersHash` (sha256 of the non-secret headers, names
  lowercased, sorted) for any other endpoint or when such headers (e.g. a tenant) are sent;
- plus `dimensions` when the host asks for a reduced size.

Never a key or any header value: credentials (`Authorization`, `x-api-key`, `api-key`) are left
out entirely, so rotating a key never changes the identity; other header values only as a hash;
a header given as a SecretRef enters as its reference, never its resolved value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

from openclaw_deepinfra.host.contracts.common import SecretInput
from openclaw_deepinfra.settings import PROVIDER_ID
from openclaw_deepinfra.urls import DEFAULT_BASE_URL, normalize

CREDENTIAL_HEADERS: Final = frozenset({"authorization", "content-type", "x-api-key", "api-key"})


def is_default_endpoint(base_url: str) -> bool:
    return normalize(base_url) == normalize(DEFAULT_BASE_URL)


def _value_token(value: SecretInput) -> str:
    if isinstance(value, Mapping):
        # The reference, not the secret: resolving it here would run exec refs and tie the
        # identity to a value that may rotate.
        return "secretRef:" + json.dumps([str(value.get(k, "")) for k in ("source", "provider", "id")])
    return "value:" + str(value)


def headers_digest(headers: Mapping[str, SecretInput]) -> str | None:
    """sha256 of the sorted non-credential `[name, value]` pairs; None when there are none."""
    pairs = sorted(
        [name.strip().lower(), _value_token(value)]
        for name, value in headers.items()
        if name.strip().lower() not in CREDENTIAL_HEADERS
    )
    if not pairs:
        return None
    canonical = json.dumps(pairs, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def cache_key_data(
    *, model: str, base_url: str, headers: Mapping[str, SecretInput], dimensions: int | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"provider": PROVIDER_ID, "model": model}
    digest = headers_digest(headers)
    if digest is not None or not is_default_endpoint(base_url):
        data["baseUrl"] = normalize(base_url)
        if digest is not None:
            data["headersHash"] = digest
    if dimensions is not None:
        data["dimensions"] = dimensions
    return data
