"""The chat surface: `POST {base}/chat/completions`, streaming and not, behind the host's text
contract (`host.contracts.chat`).

`runner.complete_chat(runtime, request)` is the stable entry point other surfaces (image
understanding) build on; `runner.stream_chat(runtime, request)` returns a `ChatStream`.
"""
