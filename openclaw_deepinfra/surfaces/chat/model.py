"""What the chat surface needs to know about one model: its wire id, limits, prices and quirks.

Any id works. A catalog row (live, cached or shipped) gives its limits and tags; an id the catalog
does not know (`MODEL:VERSION`, `deploy_id:ID`, a private deployment) gets the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from openclaw_deepinfra.catalog.definitions import (
    DEEPSEEK_VENDOR,
    DEFAULT_CONTEXT_WINDOW,
    DEFAULT_MAX_TOKENS,
    model_cost,
    model_definition,
    vendor_of,
)
from openclaw_deepinfra.catalog.models import CatalogModel, CatalogSnapshot
from openclaw_deepinfra.errors import RequestValidationError
from openclaw_deepinfra.host.contracts.model_rows import ModelCost
from openclaw_deepinfra.host.refs import strip_provider_prefix
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.settings import PROVIDER_ID

# DeepInfra's per-request output cap (deepinfra-api.md §3); the catalog's max_tokens is not one.
MAX_OUTPUT_TOKENS: Final = 16_384
# Either tag means the model takes `reasoning_effort` (the catalog uses both spellings).
REASONING_EFFORT_TAGS: Final = frozenset({"reasoning", "reasoning_effort"})


# Every call resolves its model from the same immutable catalog rows until a refresh replaces them:
# the answer is kept per model id with the rows it came from (a call otherwise scans both catalogs
# and merges costs and quirks again; issue 14). Keyed by identity, so a new snapshot recomputes.
_RESOLVED: dict[str, tuple[object, object, ChatModel]] = {}
_MAX_RESOLVED = 512  # ids outside the catalog (private deployments) are resolved each call beyond it


@dataclass(frozen=True)
class ChatModel:
    id: str
    """The wire id: the ref with one leading `deepinfra/` removed, otherwise verbatim."""
    context_window: int = DEFAULT_CONTEXT_WINDOW
    max_tokens: int = DEFAULT_MAX_TOKENS
    tags: tuple[str, ...] = ()
    cost: ModelCost = field(default_factory=lambda: ModelCost(input=0.0, output=0.0))
    cost_known: bool = False
    thinking_format: str | None = None
    known: bool = False
    """Whether a catalog row describes this id."""

    @property
    def vendor(self) -> str:
        return vendor_of(self.id)

    @property
    def accepts_reasoning_effort(self) -> bool:
        return not REASONING_EFFORT_TAGS.isdisjoint(self.tags)


def wire_model_id(ref: str) -> str:
    model_id = strip_provider_prefix(ref.strip(), PROVIDER_ID)
    if not model_id:
        raise RequestValidationError(
            f"chat model {ref!r} is empty", hint="pass a model like deepinfra/<org>/<model>"
        )
    return model_id


def resolve_chat_model(
    runtime: DeepInfraRuntime, ref: str, snapshot: CatalogSnapshot | None = None
) -> ChatModel:
    """No network: `snapshot` (a call's catalog view; default the runtime's current snapshot)
    and the shipped catalog."""
    model_id = wire_model_id(ref)
    static = runtime.static
    view = snapshot or runtime.snapshot()
    found = _RESOLVED.get(model_id)
    if found is not None and found[0] is view.surfaces and found[1] is static.surfaces:
        return found[2]
    static_row = static.find(model_id)
    row = view.find(model_id) or static_row
    if row is None:
        fmt = "deepseek" if vendor_of(model_id) == DEEPSEEK_VENDOR else None
        model = ChatModel(id=model_id, thinking_format=fmt)
    else:
        model = _from_row(row, static_row if static_row is not row else None)
    if len(_RESOLVED) < _MAX_RESOLVED or model_id in _RESOLVED:
        _RESOLVED[model_id] = (view.surfaces, static.surfaces, model)
    return model


def _from_row(row: CatalogModel, static_row: CatalogModel | None) -> ChatModel:
    """The facts the host's model definition holds (limits, price, thinking format: `row` first,
    then its manifest row), plus both rows' tags."""
    definition = model_definition(row, static_row=static_row)
    compat = definition.compat
    return ChatModel(
        id=row.id,
        context_window=definition.context_window,
        max_tokens=definition.max_tokens,
        tags=tuple(dict.fromkeys((*row.tags, *(static_row.tags if static_row else ())))),
        cost=definition.cost,
        cost_known=model_cost(row, static_row=static_row)[1],
        thinking_format=compat.thinking_format if compat is not None else None,
        known=True,
    )
