"""The one shape of every `--json` output (`SHAPES`; docs/cli-json.md, checked both ways by
tests/cli/test_json_shapes.py) and the writer: every field present (`null` = unknown), money a
plain decimal of 6 significant digits (`0.0000323`, never `3.2300000000000006e-05`)."""

from __future__ import annotations

import json
import math
import re
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from openclaw_deepinfra.host.contracts.chat import ChatUsage
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingUsage

SIGNIFICANT_DIGITS = 6
JSON_HELP = "print one JSON object instead (every field: docs/cli-json.md)"


def money(value: object) -> Decimal | None:
    """A cost or price as a Decimal of `SIGNIFICANT_DIGITS`; None for anything but a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or not math.isfinite(value):
        return None
    return Decimal(f"{value:.{SIGNIFICANT_DIGITS}g}")


def money_text(value: object) -> str:
    """`0.0000323`, `2`, `1500000`: never an exponent."""
    amount = money(value)
    return "unknown" if amount is None else format(amount, "f")


Level = Literal["ok", "warn", "fail"]
Finding = tuple[str, Level, str]
"""One `doctor` check: (what was checked, level, detail)."""
Price = Annotated[Decimal, BeforeValidator(money)]
Money = Price | None


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatOutput(Shape):
    model: str
    text: str
    usage: ChatUsage | None
    cost: Money
    finish_reason: str | None


class MediaFile(Shape):
    path: str
    mimeType: str
    bytes: int
    revisedPrompt: str | None


class MediaOutput(Shape):
    model: str | None
    files: list[MediaFile]
    cost: Money
    metadata: dict[str, Any]


class SpeechOutput(Shape):
    path: str
    bytes: int
    format: str
    voiceCompatible: bool
    provider: str
    model: str | None


class TextOutput(Shape):
    text: str
    model: str | None
    provider: str


class EmbedOutput(Shape):
    model: str
    dimensions: int | None
    count: int
    usage: EmbeddingUsage | None
    embeddings: list[list[float]]


class DoctorCheck(Shape):
    name: str
    level: Level
    detail: str


class DoctorOutput(Shape):
    checks: list[DoctorCheck]


class Registration(Shape):
    kind: str
    id: str


class Diagnostic(Shape):
    level: str
    message: str


class PluginRow(Shape):
    id: str
    status: str
    source: str
    name: str | None
    version: str | None
    error: str | None
    registrations: list[Registration]
    diagnostics: list[Diagnostic]


class PluginsOutput(Shape):
    plugins: list[PluginRow]


class CatalogRow(Shape):
    id: str
    tags: list[str]
    name: str | None = None
    description: str | None = None
    context_length: int | None = None
    max_tokens: int | None = None
    default_width: int | None = None
    default_height: int | None = None
    default_iterations: int | None = None
    status: str | None = None
    replaced_by: str | None = None
    reasoning: bool | None = None
    pricing: dict[str, Price] = {}
    input: list[str] | None = None
    compat: dict[str, Any] = {}


class CatalogSurface(Shape):
    default: str
    deprecated_default: str | None
    source: Literal["live", "cache", "static"]
    models: list[CatalogRow]


class ModelsOutput(Shape):
    source: Literal["live", "cache", "static"]
    fetched_at: float | None
    warnings: list[str]
    surfaces: dict[str, CatalogSurface]


# The command (as typed) -> the shape its --json prints.
SHAPES: dict[str, type[Shape]] = {
    "models": ModelsOutput, "chat": ChatOutput, "image": MediaOutput, "video": MediaOutput,
    "tts": SpeechOutput, "stt": TextOutput, "describe": TextOutput, "embed": EmbedOutput,
    "doctor": DoctorOutput, "plugins list": PluginsOutput, "plugins inspect": PluginRow,
}  # fmt: skip


def dumps(shape: Shape, *, indent: int | None = None) -> str:
    """The JSON text of `shape`, money as plain decimal numbers. The json module writes a Decimal
    only as a string, so each goes out as a string between two copies of a random token, and the
    quotes and tokens are removed afterwards (no text a command prints can hold that token)."""
    token = uuid.uuid4().hex

    def plain(value: object) -> str:
        if isinstance(value, Decimal):
            return f"{token}{value:f}{token}"
        raise TypeError(f"{type(value).__name__} is not JSON")

    text = json.dumps(shape.model_dump(), indent=indent, ensure_ascii=False, default=plain)
    return re.sub(f'"{token}([^"]*){token}"', r"\1", text)
