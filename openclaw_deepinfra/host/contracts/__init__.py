"""Host contracts: one module per surface (pydantic models + ``typing.Protocol`` for provider objects).

Import a name from the module that defines it: ``chat``, ``text``, ``image``, ``video``,
``speech``, ``media``, ``embeddings``, ``model_catalog``, the shared ``common`` types, the
``model_rows`` the manifest reads and the provider ``protocols`` the registry checks against. Like
OpenClaw's plugin SDK subpaths, each surface has its own import path, so loading one contract does
not define every surface's models.
"""
