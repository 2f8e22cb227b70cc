"""A host `ChatRequest` -> the JSON body of `POST {base}/chat/completions`.

Every check that can fail happens here, before any request. Decisions worth knowing:
- `max_tokens` (never `max_completion_tokens`) is always sent: the requested value, else the
  model's, clamped to DeepInfra's 16384 and to the context left after the (estimated) prompt.
- `response_format` `json_object` and `json_schema` are sent as given, never downgraded; `text`
  is the default and is left out.
- `reasoning_effort` follows the reference's thinking-level map (§6.1) and is sent only to models
  the catalog tags `reasoning` or `reasoning_effort` (never to `x-ai` models); a thinking level
  that is not sent is reported back (`ChatResult.warnings`, a warning log), never silently lost.
- The request is checked and converted once (`prepare_chat`): a data-URL image is decoded once,
  whatever the catalog later says about the model (`build_body` only adds the model's parts).
- `logprobs` is rejected: DeepInfra's OpenAI-compatible chat API does not return them (only the
  native streaming API does), so sending it would silently give nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from openclaw_deepinfra.errors import RequestValidationError
from openclaw_deepinfra.host.contracts.chat import (
    ChatNamedToolChoice,
    ChatOptions,
    ChatRequest,
    ChatResponseFormat,
    ChatTool,
    ThinkingLevel,
)
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.surfaces.chat.caching import apply_cache_markers
from openclaw_deepinfra.surfaces.chat.messages import WireMessage, estimate_prompt_tokens, wire_messages
from openclaw_deepinfra.surfaces.chat.model import MAX_OUTPUT_TOKENS, ChatModel, wire_model_id

logger = get_logger(__name__)

MAX_STOP_SEQUENCES: Final = 4
EFFORT_BY_LEVEL: Final[dict[str, str]] = {"off": "none", "adaptive": "medium", "max": "xhigh"}
NO_THINKING_VENDORS: Final = frozenset({"x-ai"})
_PASSTHROUGH: Final = (
    "temperature",
    "top_p",
    "n",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "parallel_tool_calls",
)


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__
class PreparedChat:
    """A request checked and converted once: every body field that does not depend on the model."""

    request: ChatRequest
    messages: list[WireMessage] = field(repr=False)
    """Wire messages with any assistant `reasoning_content` kept (`build_body` drops it per model)."""
    fields: dict[str, Any] = field(repr=False)


def prepare_chat(request: ChatRequest) -> PreparedChat:
    """Everything that can fail, before any I/O and before the catalog is consulted."""
    wire_model_id(request.model)
    options = request.options
    messages = wire_messages(request.messages, keep_reasoning=True)
    fields: dict[str, Any] = {}
    if request.tools:
        fields["tools"] = [_tool(tool) for tool in request.tools]
    if not options.model_fields_set:  # every option at its default (None): nothing to check or send
        return PreparedChat(request, messages, fields)
    _reject_unsupported(options)
    for name in _PASSTHROUGH:
        value = getattr(options, name)
        if value is not None:
            fields[name] = value
    if options.stop is not None:
        fields["stop"] = _stop(options.stop)
    if options.response_format is not None and options.response_format.type != "text":
        fields["response_format"] = _response_format(options.response_format)
    tool_choice = _tool_choice(options, request.tools)
    if tool_choice is not None:
        fields["tool_choice"] = tool_choice
    return PreparedChat(request, messages, fields)


def build_body(prepared: PreparedChat, model: ChatModel, *, stream: bool) -> tuple[dict[str, Any], list[str]]:
    """The body for `model`, and notes on what was asked but not sent (a dropped thinking level)."""
    request, options, fields = prepared.request, prepared.request.options, prepared.fields
    messages = prepared.messages
    if model.thinking_format != "deepseek":
        messages = [_without_reasoning(m) for m in messages]
    body: dict[str, Any] = {"model": model.id, "messages": messages}
    if "tools" in fields:
        body["tools"] = fields["tools"]
    body["max_tokens"] = clamp_max_tokens(
        options.max_tokens, model, estimate_prompt_tokens(messages, request.tools)
    )
    if fields:
        body.update((k, v) for k, v in fields.items() if k != "tools")
    notes: list[str] = []
    if options.thinking_level is not None:
        effort, dropped = thinking_effort(options.thinking_level, model)
        if effort is not None:
            body["reasoning_effort"] = effort
        if dropped is not None:
            logger.warning("%s", dropped)
            notes.append(dropped)
    body["stream"] = stream
    if stream:
        body["stream_options"] = {"include_usage": True}
    apply_cache_markers(body, options.cache_retention)
    return body, notes


def _without_reasoning(message: WireMessage) -> WireMessage:
    if "reasoning_content" not in message:
        return message
    return {k: v for k, v in message.items() if k != "reasoning_content"}


def clamp_max_tokens(requested: int | None, model: ChatModel, prompt_tokens: int) -> int:
    wanted = requested if requested is not None else model.max_tokens
    limit = min(wanted, MAX_OUTPUT_TOKENS)
    room = model.context_window - prompt_tokens
    if room < 1:
        # The estimate is rough: let DeepInfra decide (a real overflow comes back as a typed
        # ContextLengthExceededError) rather than refuse a prompt that may fit.
        logger.warning(
            "prompt (~%d tokens estimated) may not fit %s's %d-token context",
            prompt_tokens,
            model.id,
            model.context_window,
        )
        return limit
    return max(1, min(limit, room))


def thinking_effort(level: ThinkingLevel | None, model: ChatModel) -> tuple[str | None, str | None]:
    """(`reasoning_effort` to send, or why the thinking level is not sent)."""
    if level is None:
        return None, None
    if model.vendor in NO_THINKING_VENDORS:
        return None, f"thinking level {level!r} not sent: {model.vendor} models do not take reasoning_effort"
    if not model.accepts_reasoning_effort:
        return None, (
            f"thinking level {level!r} not sent: DeepInfra's catalog does not tag {model.id} "
            "reasoning or reasoning_effort"
        )
    return EFFORT_BY_LEVEL.get(level, level), None


def _reject_unsupported(options: ChatOptions) -> None:
    if options.logprobs or options.top_logprobs is not None:
        raise RequestValidationError(
            "logprobs are not available on DeepInfra's OpenAI-compatible chat API",
            hint="drop the logprobs option (DeepInfra returns logprobs only on its native streaming API)",
        )


def _tool(tool: ChatTool) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool.function.name}
    if tool.function.description is not None:
        function["description"] = tool.function.description
    parameters = tool.function.parameters
    function["parameters"] = parameters if parameters is not None else {"type": "object", "properties": {}}
    if tool.function.strict is not None:
        function["strict"] = tool.function.strict
    return {"type": "function", "function": function}


def _stop(stop: str | list[str]) -> str | list[str]:
    sequences = [stop] if isinstance(stop, str) else list(stop)
    if len(sequences) > MAX_STOP_SEQUENCES:
        raise RequestValidationError(
            f"{len(sequences)} stop sequences given; DeepInfra accepts at most {MAX_STOP_SEQUENCES}",
            hint="keep the four most important stop sequences",
        )
    if any(not s for s in sequences):
        raise RequestValidationError("a stop sequence is empty", hint="remove the empty stop sequence")
    return stop


def _response_format(fmt: ChatResponseFormat) -> dict[str, Any]:
    if fmt.type == "json_object":
        return {"type": "json_object"}
    if fmt.json_schema is None:
        raise RequestValidationError(
            "response_format json_schema needs a json_schema {name, schema}",
            hint='pass {"type": "json_schema", "json_schema": {"name": ..., "schema": {...}}}',
        )
    schema: dict[str, Any] = {"name": fmt.json_schema.name, "schema": fmt.json_schema.schema_}
    if fmt.json_schema.description is not None:
        schema["description"] = fmt.json_schema.description
    if fmt.json_schema.strict is not None:
        schema["strict"] = fmt.json_schema.strict
    return {"type": "json_schema", "json_schema": schema}


def _tool_choice(options: ChatOptions, tools: list[ChatTool] | None) -> Any:
    choice = options.tool_choice
    if choice is None:
        return None
    names = {t.function.name for t in tools or ()}
    if isinstance(choice, ChatNamedToolChoice):
        if choice.function.name not in names:
            raise RequestValidationError(
                f"tool_choice names {choice.function.name!r}, which is not among the request's tools",
                hint=f"use one of: {', '.join(sorted(names)) or '(no tools given)'}",
            )
        return {"type": "function", "function": {"name": choice.function.name}}
    if not tools:
        if choice == "required":
            raise RequestValidationError(
                "tool_choice 'required' needs at least one tool", hint="pass tools or drop tool_choice"
            )
        return None  # "auto"/"none" without tools mean plain chat
    return choice
