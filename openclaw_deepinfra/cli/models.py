"""`models`: every surface's model list and default, and where they came from."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from openclaw_deepinfra.cli.json_shapes import JSON_HELP, ModelsOutput, dumps, money_text
from openclaw_deepinfra.cli.session import CliError, open_host

SURFACES = ("chat", "vlm", "embed", "image-gen", "video-gen", "tts", "stt")
_SOURCE_NOTES = {
    "live": "fetched from DeepInfra's catalog just now",
    "cache": "last good live catalog saved on disk",
    "static": "shipped catalog (no key, no network or no good answer)",
}


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("models", parents=[common], help="list models and defaults per surface")
    parser.add_argument("--surface", choices=SURFACES, help="show one surface only")
    parser.add_argument("--refresh", action="store_true", help="fetch the live catalog now, not the cache")
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    async with open_host(args) as session:
        provider = session.catalog_provider()
        surface_report: Callable[..., Awaitable[Mapping[str, Any]]] | None = getattr(
            provider, "surface_report", None
        )
        if surface_report is None:
            raise CliError("the deepinfra catalog provider does not offer a per-surface report")
        report = dict(await surface_report(refresh=args.refresh))
    if args.surface:
        report["surfaces"] = {args.surface: report["surfaces"][args.surface]}
    print(dumps(ModelsOutput.model_validate(report), indent=2) if args.json else render(report))
    return 0


def _price(pricing: Mapping[str, Any]) -> str:
    if "input_tokens" in pricing and "output_tokens" in pricing:
        both = "/$".join(money_text(pricing[key]) for key in ("input_tokens", "output_tokens"))
        return f"${both} per M tokens in/out"
    units = {
        "input_tokens": "per M input tokens",
        "per_image_unit": "per image",
        "output_seconds": "per output second",
        "input_characters": "per M characters",
        "input_seconds": "per input second",
    }
    for key, label in units.items():
        if key in pricing:
            return f"${money_text(pricing[key])} {label}"
    return ""


def render(report: Mapping[str, Any]) -> str:
    source = str(report.get("source", "static"))
    lines = [f"catalog source: {source} ({_SOURCE_NOTES.get(source, source)})"]
    lines.extend(f"warning: {w}" for w in report.get("warnings", []))
    for name, surface in report["surfaces"].items():
        lines.append("")
        header = f"{name}: default {surface['default']} [{surface.get('source', source)}]"
        if surface.get("deprecated_default"):
            header += f" (replaces the deprecated curated default {surface['deprecated_default']})"
        lines.append(header)
        for model in surface["models"]:
            marker = "*" if model["id"] == surface["default"] else " "
            details = [
                f"ctx {model['context_length']}" if model.get("context_length") else "",
                _price(model.get("pricing") or {}),
                f"deprecated -> {model.get('replaced_by') or '?'}"
                if model.get("status") == "deprecated"
                else "",
            ]
            details = [detail for detail in details if detail]
            lines.append(f"  {marker} {model['id']}" + (f"  ({', '.join(details)})" if details else ""))
    return "\n".join(lines)
