"""One row of DeepInfra's `/models?filter=with_meta` projection, as the wire spells it: the
catalog rows the surface, e2e and CLI tests serve."""

from __future__ import annotations

from typing import Any


def row(model_id: str, *tags: str, **meta: Any) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "metadata": {"tags": list(tags), **meta}}
