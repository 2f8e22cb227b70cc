"""Running one chat call: `complete_chat` (one JSON answer) and `stream_chat` (SSE events).

Both validate the whole request and build the payload before any request is sent. A stream
always releases its connection and model slot: at the end, when the consumer leaves `async with`
or calls `aclose()` early, breaks out or raises in its loop, when the consuming task is cancelled,
and when the stream is dropped unclosed (the HTTP layer closes a connection whose stream did not
complete, so it is never reused half-read).
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


class _Call:
    """What a stream's event generator shares with its `ChatStream`: the model (resolved live on
    first use), the payload, and the result once produced. Not the `ChatStream` itself: a
    generator holding its owner is a reference cycle, so a stream its consumer dropped would give
    back its model slot only when the cycle collector ran, minutes later or never."""

    __slots__ = ("body", "model", "request", "result", "runtime")

    def __init__(
        self, runtime: DeepInfraRuntime, request: ChatRequest, model: ChatModel, body: dict[str, Any]
    ) -> None:
        self.runtime = runtime
        self.request = request
        self.model = model
        self.body = body
        self.result: ChatResult | None = None


class ChatStream:
    """Async iterator of `ChatStreamEvent` and async context manager (`ChatEventStream`).

    `result` holds the `ChatResult` once the `ChatFinish` event has been produced. The connection
    and model slot are given back however the consumer leaves: at the end, `aclose()` / `async
    with`, `break` or an exception in its loop, a cancelled task, or dropping the stream unclosed
    (the event loop then closes the generator).
    """

    def __init__(
        self, runtime: DeepInfraRuntime, request: ChatRequest, model: ChatModel, body: dict[str, Any]
    ) -> None:
        self._call = _Call(runtime, request, model, body)
        self._events = _run(self._call)

    @property
    def body(self) -> dict[str, Any]:
        return self._call.body

    @property
    def result(self) -> ChatResult | None:
        return self._call.result

    def __repr__(self) -> str:
        return f"ChatStream(model={self._call.model.id!r}, done={self.result is not None})"

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


async def _run(call: _Call) -> AsyncGenerator[ChatStreamEvent, None]:
    if not call.model.known:
        call.model = await resolve_chat_model_live(call.runtime, call.request.model)
        call.body = build_payload(call.request, call.model, stream=True)
    accumulator = ChatAccumulator(call.model)
    saw_done = False
    http = call.runtime.http()
    feed = accumulator.feed
    async with http.stream_sse(
        CHAT_PATH, json=call.body, timeout=call.request.options.timeout_s, label=LABEL, model=call.model.id
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
            call.result = item.result
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
