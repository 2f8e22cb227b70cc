"""Model-row classes shared by the text contract and the manifest's catalog rows (§3, §9).

Their own module so the manifest (read before any plugin code, on every load) defines these few
models alone instead of importing the whole text and video contracts.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from pydantic import Field, field_validator

from openclaw_deepinfra.host.contracts.common import HostModel, JsonObject, SecretInput

CatalogSource: TypeAlias = str
"""``"static"``, ``"live"``, ``"cache"``, ``"manifest"``, ``"configured"``, …"""
ModelStatus: TypeAlias = Literal["available", "preview", "deprecated", "disabled"]

_CATALOG_INPUTS = frozenset({"text", "image", "document"})


class TieredPrice(HostModel):
    input: float
    output: float
    cache_read: float = 0.0
    cache_write: float = 0.0
    range: tuple[float] | tuple[float, float]
    """``[start]`` or ``[start, end]`` in prompt tokens."""


class ModelCost(HostModel):
    """USD per million tokens."""

    input: float
    output: float
    cache_read: float = 0.0
    cache_write: float = 0.0
    tiered_pricing: list[TieredPrice] | None = None


class ModelCompatConfig(HostModel):
    """Per-model protocol quirks for the host's generic transport; every key optional."""

    # OpenAI-completions
    supports_store: bool | None = None
    supports_developer_role: bool | None = None
    supports_reasoning_effort: bool | None = None
    supports_usage_in_streaming: bool | None = None
    supports_strict_mode: bool | None = None
    max_tokens_field: Literal["max_completion_tokens", "max_tokens"] | None = None
    requires_tool_result_name: bool | None = None
    requires_assistant_after_tool_result: bool | None = None
    requires_thinking_as_text: bool | None = None
    requires_reasoning_content_on_assistant_messages: bool | None = None
    # routing / caching
    open_router_routing: JsonObject | None = None
    vercel_gateway_routing: JsonObject | None = None
    zai_tool_stream: bool | None = None
    cache_control_format: str | None = None
    send_session_affinity_headers: bool | None = None
    send_session_id_header: bool | None = None
    supports_long_cache_retention: bool | None = None
    supports_eager_tool_input_streaming: bool | None = None
    supports_prompt_cache_key: bool | None = None
    # reasoning
    thinking_format: str | None = None
    """``openai``, ``openrouter``, ``deepseek``, ``together``, ``qwen``, ``qwen-chat-template``, ``zai``."""
    supported_reasoning_efforts: list[str] | None = None
    reasoning_effort_map: dict[str, str] | None = None
    visible_reasoning_detail_types: list[str] | None = None
    # tools / messages
    supports_tools: bool | None = None
    requires_string_content: bool | None = None
    strict_message_keys: bool | None = None
    tool_schema_profile: str | None = None
    unsupported_tool_schema_keywords: list[str] | None = None
    native_web_search_tool: bool | JsonObject | None = None
    tool_call_arguments_encoding: str | None = None
    requires_mistral_tool_ids: bool | None = None
    requires_open_ai_anthropic_tool_payload: bool | None = None
    # other
    code_mode: str | None = None


class ImageMediaInput(HostModel):
    max_bytes: int | None = None
    max_pixels: int | None = None
    max_side_px: int | None = None
    preferred_side_px: int | None = None
    token_mode: Literal["tile", "detail", "provider"] | None = None


class MediaInputConfig(HostModel):
    image: ImageMediaInput | None = None


class ModelRowFields(HostModel):
    """The optional part of a model row, shared by definitions and manifest catalog rows."""

    api: str | None = None
    """A ``ModelApi``: ``"openai-completions"``, ``"openai-responses"``, ``"anthropic-messages"``,
    ``"google-generative-ai"``, ``"ollama"`` or another host's name."""
    context_tokens: int | None = None
    thinking_level_map: dict[str, Any] | None = None
    params: JsonObject | None = None
    agent_runtime: Any = None
    headers: dict[str, SecretInput] | None = Field(default=None, repr=False)
    base_url: str | None = None
    compat: ModelCompatConfig | None = None
    metadata_source: str | None = None
    media_input: MediaInputConfig | None = None


class ModelCatalogModel(ModelRowFields):
    """A manifest ``modelCatalog.providers.<id>.models[]`` row: definition fields, all optional but
    ``id``, plus lifecycle fields. ``input`` values other than text/image/document are dropped."""

    id: str
    name: str | None = None
    reasoning: bool | None = None
    input: list[Literal["text", "image", "document"]] | None = None
    cost: ModelCost | None = None
    context_window: int | None = None
    max_tokens: int | None = None
    upstream_model: str | None = None
    status: ModelStatus | None = None
    status_reason: str | None = None
    replaces: str | list[str] | None = None
    replaced_by: str | None = None
    tags: list[str] | None = None

    @field_validator("input", mode="before")
    @classmethod
    def _drop_unknown_inputs(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in value if item in _CATALOG_INPUTS]
        return value
