"""Suite-wide test settings.

The plugin's default transport is aiohttp's pool under httpx (`transport.pool`), which respx's
default mocker (it patches httpcore) never sees. respx's "httpx" mocker patches
`httpx.AsyncClient` itself, so every `respx.mock()` here intercepts requests whatever the
transport: tests keep mocking at the httpx level and the production transport stays the default.
"""

from __future__ import annotations

import respx.mocks

respx.mocks.DEFAULT_MOCKER = respx.mocks.HTTPXMocker.name
