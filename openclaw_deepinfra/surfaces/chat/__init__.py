"""The chat surface: `POST {base}/chat/completions`, streaming and not, behind the host's text
contract (`host.contracts.chat`).

`complete_chat(runtime, request)` is the stable entry point other surfaces (image understanding)
build on; `stream_chat(runtime, request)` returns a `ChatStream`.
"""

from __future__ import annotations

from openclaw_deepinfra.surfaces.chat.runner import ChatStream, complete_chat, stream_chat

__all__ = ["ChatStream", "complete_chat", "stream_chat"]
