"""Names vulture cannot see being used (`.ci/dead_code.py` scans the package with this file).

Only what a caller outside the package uses belongs here: the host calls provider objects through
their contract Protocols, plugins call the `PluginApi`, the host API is public. Pydantic model
fields are accepted without listing (`.ci/dead_code.py` asks pydantic for them). Code only the
tests use does not belong here: delete it.
"""

# ruff: noqa: B018, F821 - bare names and attributes are how a vulture whitelist marks them used
_ = object()

# Dunder parameters whose names the protocol fixes (`__aexit__`, `__deepcopy__`).
tb
memo

# pydantic reads a model's model_config.
_.model_config

# httpx calls an AsyncBaseTransport's handle_async_request (transport/aiohttp_transport.py) and
# reads the client's _cookies store (transport/prepared.py sets it).
_.handle_async_request
_._cookies

# PluginApi: called by plugins (host-contracts §1; the older embedding alias warns).
_.plugin_config
_.resolve_path
_.register_memory_embedding_provider

# Host contract types and helpers (host-contracts.md, mirrored field for field): public host API
# even where this repository's reference host does not construct them.
_.parsed_arguments
_.LegacyMemoryEmbeddingProvider
_.VideoDescriptionRequest
_.SpeechPrepareSynthesisContext
_.SpeechPrepareSynthesisResult
_.ApiKeyAuthMethodOptions
_.VideoCatalogModelEntry
_.EmbeddingTransport
_.AudioTranscriptionResult
_.ImageDescriptionResult
_.VideoDescriptionResult
_.SpeechSynthesisStreamRequest
_.ImageGenerationIsConfiguredContext  # the host passes it to is_configured(ctx)
_.VideoGenerationIsConfiguredContext
_.include_live  # UnifiedModelCatalogContext (§8.2): the host sets it
_.provider_ids  # ProviderCatalogContext (§3): what the host passes to catalog hooks
_.resolve_provider_api_key
_.resolve_provider_auth

# Reference host selection (DESIGN.md: selection), public host API pinned against the spec by
# tests/host/test_selection.py; the CLI calls select_speech and select_media_understanding.
_.select_generation
_.select_embedding
_.select_text

# Provider members the host calls or reads through the contract Protocols (host-contracts §3-§8).
_.is_configured
_.embed_query
_.embed_batch
_.resolve_index_identity
_.format_setup_error
_.auth_provider_id
_.static_catalog
_.live_catalog
_.voices
_.list_voices
_.stream_synthesize
_.auto_select_order
_.auto_priority
_.resolve_dynamic_model
_.normalize_config
_.normalize_transport
_.is_modern_model_ref
_.docs_path
_.preserve_literal_provider_prefix
_.resolve_model_capabilities

# Dataclass fields read by name: CatalogModel's INT_FIELDS are parsed and persisted through
# getattr (catalog/wire.py, CatalogModel.to_json); InstalledPlugin reports what `plugins install` found.
_.default_width
_.default_height
_.default_iterations
_.entry_point
_.distribution

# The command -> JSON shape table: the contract of every --json output, which
# tests/cli/test_json_shapes.py checks against the parser, the real output and the docs.
_.SHAPES
