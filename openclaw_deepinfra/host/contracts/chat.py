"""Text inference (host-contracts §3, `create_stream_fn`): the chat request the host hands a text
provider, the typed stream events it gets back and the final result.

The Python form of `create_stream_fn` is two optional hooks on the `TextProvider` object:

* ``stream(request: ChatRequest) -> ChatEventStream``: an async iterator of `ChatStreamEvent`
  that is also an async context manager; leaving the ``async with`` (or calling ``aclose()``)
  releases the connection even when the consumer stops early. The last event is `ChatFinish`,
  which carries the final `ChatResult`.
* ``complete(request: ChatRequest) -> ChatResult`` (async): the same call without streaming.

A host looks them up with ``getattr(provider, "stream", None)`` as for every optional hook.
Messages and options use the OpenAI chat-completions vocabulary that OpenClaw's
`openai-completions` transport speaks; a provider maps them to its own wire format.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Annotated, Any, Literal, Protocol, TypeAlias, runtime_checkable

from pydantic import Field

from openclaw_deepinfra.host.contracts.common import HostModel, JsonObject, StrictModel

ThinkingLevel: TypeAlias = Literal["off", "minimal", "low", "medium", "high", "adaptive", "max"]
CacheRetention: TypeAlias = Literal["none", "short", "long"]
CostSource: TypeAlias = Literal["reported", "catalog", "unknown"]

# --- messages ------------------------------------------------------------------------------------


class ChatTextPart(HostModel):
    type: Literal["text"] = "text"
    text: str


class ChatImageUrl(HostModel):
    url: str
    """An http(s) URL or a ``data:<mime>;base64,...`` URL."""
    detail: Literal["auto", "low", "high"] | None = None
    """OpenAI's hint; providers that do not support it drop it."""


class ChatImagePart(HostModel):
    type: Literal["image_url"] = "image_url"
    image_url: ChatImageUrl


ChatContentPart = Annotated[ChatTextPart | ChatImagePart, Field(discriminator="type")]


class ChatToolCallFunction(HostModel):
    name: str
    arguments: str = ""
    """JSON text, as the model wrote it (possibly invalid: the host validates against the schema)."""

    def parsed_arguments(self) -> Any:
        """The arguments as JSON; ``{}`` for empty text. Raises ``ValueError`` for invalid JSON."""
        return json.loads(self.arguments) if self.arguments.strip() else {}


class ChatToolCall(HostModel):
    id: str
    type: Literal["function"] = "function"
    function: ChatToolCallFunction


class ChatSystemMessage(HostModel):
    role: Literal["system"] = "system"
    content: str | list[ChatTextPart]


class ChatUserMessage(HostModel):
    role: Literal["user"] = "user"
    content: str | list[ChatContentPart]
    name: str | None = None


class ChatAssistantMessage(HostModel):
    role: Literal["assistant"] = "assistant"
    content: str | list[ChatTextPart] | None = None
    tool_calls: list[ChatToolCall] | None = None
    reasoning_content: str | None = None
    """Reasoning from an earlier turn; some models want it replayed within one tool loop."""


class ChatToolMessage(HostModel):
    role: Literal["tool"] = "tool"
    tool_call_id: str
    content: str | list[ChatTextPart]


ChatMessage = Annotated[
    ChatSystemMessage | ChatUserMessage | ChatAssistantMessage | ChatToolMessage,
    Field(discriminator="role"),
]

# --- tools and options ---------------------------------------------------------------------------


class ChatFunctionDefinition(HostModel):
    name: str
    description: str | None = None
    parameters: JsonObject | None = None
    """A JSON Schema object."""
    strict: bool | None = None


class ChatTool(HostModel):
    type: Literal["function"] = "function"
    function: ChatFunctionDefinition


class ChatNamedFunction(StrictModel):
    name: str


class ChatNamedToolChoice(StrictModel):
    type: Literal["function"] = "function"
    function: ChatNamedFunction


ChatToolChoice: TypeAlias = Literal["auto", "none", "required"] | ChatNamedToolChoice


class ChatJsonSchema(StrictModel):
    name: str
    schema_: JsonObject = Field(alias="schema")
    description: str | None = None
    strict: bool | None = None


class ChatResponseFormat(StrictModel):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: ChatJsonSchema | None = None


class ChatOptions(StrictModel):
    """Sampling and output options. Strict: a misspelt option is an error, not silently ignored."""

    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0)
    top_p: float | None = Field(default=None, gt=0, le=1)
    stop: str | list[str] | None = None
    n: int | None = Field(default=None, ge=1)
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    response_format: ChatResponseFormat | None = None
    tool_choice: ChatToolChoice | None = None
    parallel_tool_calls: bool | None = None
    thinking_level: ThinkingLevel | None = None
    cache_retention: CacheRetention | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    timeout_s: float | None = Field(default=None, gt=0)
    """Per-request HTTP budget; the provider's configured timeout otherwise."""


class ChatRequest(HostModel):
    """What the host hands a text provider for one model call."""

    model: str
    """``provider/model`` ref or a bare model id (kept verbatim after the provider prefix)."""
    messages: list[ChatMessage] = Field(min_length=1)
    tools: list[ChatTool] | None = None
    options: ChatOptions = Field(default_factory=ChatOptions)


# --- results -------------------------------------------------------------------------------------


class ChatUsage(StrictModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    """Prompt tokens read from the provider's prompt cache (a part of ``prompt_tokens``)."""
    reasoning_tokens: int | None = None


class ChatCost(StrictModel):
    usd: float | None = None
    """``None`` = unknown (not free)."""
    source: CostSource = "unknown"
    """``reported`` by the provider for this call, computed from ``catalog`` prices, or ``unknown``."""


class ChatChoice(StrictModel):
    index: int = 0
    text: str = ""
    reasoning: str = ""
    tool_calls: list[ChatToolCall] = Field(default_factory=list)
    finish_reason: str | None = None


class ChatResult(StrictModel):
    model: str
    """The model that served the call (may differ from the request after a deprecation forward)."""
    requested_model: str
    choices: list[ChatChoice] = Field(min_length=1)
    usage: ChatUsage | None = None
    cost: ChatCost = Field(default_factory=ChatCost)
    service_tier: str | None = None
    request_id: str | None = None
    warnings: list[str] = Field(default_factory=list)
    """What the provider did not do as asked and why (e.g. a thinking level it did not send)."""

    @property
    def text(self) -> str:
        return self.choices[0].text

    @property
    def reasoning(self) -> str:
        return self.choices[0].reasoning

    @property
    def tool_calls(self) -> list[ChatToolCall]:
        return self.choices[0].tool_calls

    @property
    def finish_reason(self) -> str | None:
        return self.choices[0].finish_reason


# --- stream events ------------------------------------------------------------------------------
# Plain slotted dataclasses, not pydantic models: a stream yields one per chunk, and validating
# what the provider itself just built would cost more CPU per chunk than parsing the chunk
# (docs/performance.md). `type` is the discriminator; `ChatResult` inside `ChatFinish` stays a
# pydantic model (one per call).


@dataclass(slots=True)
class ChatTextDelta:
    text: str
    choice: int = 0
    type: Literal["text_delta"] = field(default="text_delta", init=False)


@dataclass(slots=True)
class ChatReasoningDelta:
    text: str
    choice: int = 0
    type: Literal["reasoning_delta"] = field(default="reasoning_delta", init=False)


@dataclass(slots=True)
class ChatToolCallDelta:
    """A fragment of tool call ``index``; ``id`` and ``name`` arrive once, arguments piecewise."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""
    choice: int = 0
    type: Literal["tool_call_delta"] = field(default="tool_call_delta", init=False)


@dataclass(slots=True)
class ChatToolCallDone:
    """Tool call ``index`` is complete (emitted when its choice finishes)."""

    index: int
    call: ChatToolCall
    choice: int = 0
    type: Literal["tool_call"] = field(default="tool_call", init=False)


@dataclass(slots=True)
class ChatUsageEvent:
    usage: ChatUsage
    cost: ChatCost
    type: Literal["usage"] = field(default="usage", init=False)


@dataclass(slots=True)
class ChatFinish:
    """Always the last event of a stream that ended normally."""

    finish_reason: str | None
    result: ChatResult
    type: Literal["finish"] = field(default="finish", init=False)


ChatStreamEvent = Annotated[
    ChatTextDelta | ChatReasoningDelta | ChatToolCallDelta | ChatToolCallDone | ChatUsageEvent | ChatFinish,
    Field(discriminator="type"),
]


@runtime_checkable
class ChatEventStream(Protocol):
    """What ``stream(request)`` returns: iterate it, preferably inside ``async with``."""

    def __aiter__(self) -> AsyncIterator[ChatStreamEvent]: ...

    async def __anext__(self) -> ChatStreamEvent: ...

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> ChatEventStream: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class ChatCapableProvider(Protocol):
    """A `TextProvider` that runs chat calls itself (the `create_stream_fn` hooks)."""

    def stream(self, request: ChatRequest) -> ChatEventStream: ...

    async def complete(self, request: ChatRequest) -> ChatResult: ...
