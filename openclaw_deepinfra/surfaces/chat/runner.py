"""Running one chat call: `complete_chat` (one JSON answer) and `stream_chat` (SSE events).

Both validate the whole request and build the payload before any request is sent. A stream
always releases its connection: at the end, when the consumer leaves `async with` or calls
`aclose()` early, and when the consuming task is cancelled (the HTTP layer closes a connection
whose stream did not complete, so it is never reused half-read).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from types import TracebackType
from typing import Any, Final

from openclaw_deepinfra.errors import MalformedResponseError, StreamError, excerpt
from openclaw_deepinfra.host.contracts.chat import ChatRequest, ChatResult, ChatStreamEvent
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.surfaces.chat.model import ChatModel, resolve_chat_model, resolve_chat_model_live
from openclaw_deepinfra.surfaces.chat.payload import build_payload
from openclaw_deepinfra.surfaces.chat.stream import ChatAccumulator
from openclaw_deepinfra.transport.errors import error_from_stream_frame, raise_for_stream_frame

CHAT_PATH: Final = "/chat/completions"
LABEL: Final = "DeepInfra chat"


async def complete_chat(runtime: DeepInfraRuntime, request: ChatRequest) -> ChatResult:
    """One non-streaming chat completion. Raises the error tree's typed errors unchanged."""
    build_payload(request, resolve_chat_model(runtime, request.model), stream=False)  # fail before any I/O
    model = await resolve_chat_model_live(runtime, request.model)
    body = build_payload(request, model, stream=False)
    response = await runtime.http().request_json(
        "POST", CHAT_PATH, json=body, timeout=request.options.timeout_s, label=LABEL, model=model.id
    )
    data = response.data
    if isinstance(data, Mapping):
        frame_error = error_from_stream_frame(data)
        if frame_error is not None:
            raise frame_error
    if not isinstance(data, Mapping) or not isinstance(data.get("choices"), list) or not data["choices"]:
        raise MalformedResponseError(
            f"{LABEL} answer has no choices",
            status=response.status,
            request_id=response.request_id,
            body_excerpt=excerpt(json.dumps(data, default=str)),
        )
    accumulator = ChatAccumulator(model)
    accumulator.feed(data)
    final = accumulator.finish(request_id=response.request_id)[-1]
    assert final.type == "finish"
    return final.result


def stream_chat(runtime: DeepInfraRuntime, request: ChatRequest) -> ChatStream:
    """A streaming chat completion; request errors are raised here, before anything is sent."""
    model = resolve_chat_model(runtime, request.model)
    body = build_payload(request, model, stream=True)
    return ChatStream(runtime, request, model, body)


class ChatStream:
    """Async iterator of `ChatStreamEvent` and async context manager (`ChatEventStream`).

    `result` holds the `ChatResult` once the `ChatFinish` event has been produced.
    """

    def __init__(
        self, runtime: DeepInfraRuntime, request: ChatRequest, model: ChatModel, body: dict[str, Any]
    ) -> None:
        self._runtime = runtime
        self._request = request
        self._model = model
        self.body = body
        self._timeout_s = request.options.timeout_s
        self._events = self._run()
        self.result: ChatResult | None = None

    def __repr__(self) -> str:
        return f"ChatStream(model={self._model.id!r}, done={self.result is not None})"

    def __aiter__(self) -> AsyncIterator[ChatStreamEvent]:
        # `async for` drives the event generator itself: no wrapper frame per event.
        return self._events

    async def __anext__(self) -> ChatStreamEvent:
        return await self._events.__anext__()

    async def aclose(self) -> None:
        await self._events.aclose()

    async def __aenter__(self) -> ChatStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def collect(self) -> ChatResult:
        """Consume the rest of the stream and return the result."""
        async with self:
            async for _event in self:
                pass
        if self.result is None:  # pragma: no cover - _run always ends with a result or raises
            raise StreamError(f"{LABEL} stream ended without a result")
        return self.result

    async def _run(self) -> AsyncGenerator[ChatStreamEvent, None]:
        if not self._model.known:
            self._model = await resolve_chat_model_live(self._runtime, self._request.model)
            self.body = build_payload(self._request, self._model, stream=True)
        accumulator = ChatAccumulator(self._model)
        saw_done = False
        http = self._runtime.http()
        feed = accumulator.feed
        async with http.stream_sse(
            CHAT_PATH, json=self.body, timeout=self._timeout_s, label=LABEL, model=self._model.id
        ) as sse:
            next_events = sse.next_events
            # One await per network read, every event it carried handled in this frame.
            while not saw_done and (events := await next_events()):
                for event in events:
                    if event.event == "error":
                        raise_for_stream_frame(event)
                    data = event.data
                    if data == "[DONE]" or (len(data) < 32 and event.is_done):
                        saw_done = True
                        break
                    if not data or data.isspace():
                        continue
                    chunk = _chunk(data)  # parsed once: the error check reads the same dict
                    if "error" in chunk or "error_type" in chunk or "error_message" in chunk:
                        frame_error = error_from_stream_frame(chunk)
                        if frame_error is not None:
                            raise frame_error
                    for item in feed(chunk):
                        yield item
        if not (saw_done or accumulator.finished):
            raise StreamError(
                f"{LABEL} stream ended before the answer was complete",
                hint="the connection was cut; retry the request",
            )
        for item in accumulator.finish():
            if item.type == "finish":
                self.result = item.result
            yield item


def _chunk(data: str) -> dict[str, Any]:
    try:
        parsed = json.loads(data)
    except ValueError:
        raise MalformedResponseError(
            f"{LABEL} stream sent a frame that is not JSON", body_excerpt=excerpt(data)
        ) from None
    if type(parsed) is not dict:  # json.loads makes dicts; `isinstance(x, Mapping)` costs ~1 us
        raise MalformedResponseError(
            f"{LABEL} stream sent a frame that is not an object", body_excerpt=excerpt(data)
        )
    return parsed
