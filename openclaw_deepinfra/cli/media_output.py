"""What the `image`, `video` and `tts` commands share: the model a gateway would pick, where files
go, how they are written and how a result is reported."""

from __future__ import annotations

import os
import sys
import tempfile
from argparse import Namespace
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openclaw_deepinfra.cli.json_shapes import MediaFile, MediaOutput, dumps, money, money_text
from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, HostSession
from openclaw_deepinfra.host.refs import parse_model_ref, strip_provider_prefix
from openclaw_deepinfra.host.safe_write import FileWriteError, ensure_writable_target, write_atomic
from openclaw_deepinfra.mediatypes import EXTENSIONS, sniff_audio, sniff_image, sniff_video


def choose_model(
    session: HostSession, kind: Literal["image", "video"], provider: object, given: str | None
) -> tuple[str, int | None]:
    """(model id, timeout ms): `--model` (with or without `deepinfra/`), else the config's
    `agents.defaults.mediaModels.<kind>` when it names a DeepInfra model, else "" - the provider's
    default, which it picks during the call from the catalog it decides everything else from (its
    `default_model` attribute is only a hint from whatever catalog this process has seen)."""
    selection = session.config.media_model(kind)
    timeout_ms = selection.timeout_ms if selection is not None else None
    if timeout_ms is None:
        default_timeout = getattr(provider, "default_timeout_ms", None)
        timeout_ms = default_timeout if isinstance(default_timeout, int) else None
    if given is not None and given.strip():
        return strip_provider_prefix(given.strip(), PLUGIN_ID), timeout_ms
    if selection is not None and selection.primary:
        ref = parse_model_ref(selection.primary)
        if ref.provider == PLUGIN_ID:
            return ref.model, timeout_ms
    return "", timeout_ms


def output_paths(given: str | Path, names: Sequence[str]) -> list[Path]:
    """One file: `out` itself (or `out/<name>` when `out` is a directory). Several: `out/<name>`
    when `out` is a directory (or ends in a separator), else `out` with `-1`, `-2`, ... suffixes.
    `given` is the raw argument: a `Path` would drop the trailing separator that marks a directory."""
    out = Path(given).expanduser()
    is_dir = out.is_dir() or str(given).endswith(("/", os.sep))
    if is_dir:
        return [out / name for name in names]
    numbered = [out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(1, len(names) + 1)]
    return [out] if len(names) == 1 else numbered


def check_out(given: str | Path) -> None:
    """Refuse an unusable `--out` before any (billed) request: a missing or read-only directory,
    a file where a directory is expected, a FIFO, device or directory where a file goes."""
    out = Path(given).expanduser()
    is_dir = out.is_dir() or str(given).endswith(("/", os.sep))
    try:
        # For a directory, a name inside it: its parent (the directory) must then be writable.
        ensure_writable_target(out / ".openclaw-deepinfra-out" if is_dir else out)
    except FileWriteError as exc:
        raise CliError(f"--out {given}: {exc}; nothing was sent", exit_code=2) from None


@dataclass(frozen=True)
class Saved:
    path: Path
    """Where the data is: the requested path, or the fallback when that could not be written."""
    failed: Path | None = None
    reason: str | None = None


def _contradiction(path: Path, data: bytes) -> tuple[str, str] | None:
    """(what the extension says, what the bytes are) when the two disagree: an extension listed for
    another type (`mediatypes.EXTENSIONS`) contradicts the bytes; an unlisted one (.bin, .pcm) does not."""
    ext = path.suffix.lower().lstrip(".")
    said = next((mime for mime, names in EXTENSIONS.items() if ext in names), None)
    found = sniff_image(data) or sniff_video(data) or sniff_audio(data)
    if said is None or found not in EXTENSIONS or ext in EXTENSIONS[found]:
        return None
    return said, found


def write_file(path: Path, data: bytes, warned: set[tuple[str, str]] | None = None) -> Saved:
    """Atomic, and never over a device, FIFO, socket or directory (``host.safe_write``). A paid
    result is never dropped: when `path` cannot be written it goes to a fallback file instead.

    Written as asked even when the extension contradicts the bytes (`x.jpg` receiving PNG), with
    one warning per kind of contradiction (`warned`: those this command already printed)."""
    pair = _contradiction(path, data)
    if pair is not None and pair not in (warned := set() if warned is None else warned):
        warned.add(pair)
        print(
            f"openclaw-deepinfra: warning: {path} gets {pair[1]} data, but its extension says {pair[0]}; "
            f"written as asked (a .{EXTENSIONS[pair[1]][0]} name would match its content)",
            file=sys.stderr,
        )
    try:
        write_atomic(path, data, private=False)
        return Saved(path)
    except OSError as exc:  # FileWriteError included
        reason = str(exc) if isinstance(exc, FileWriteError) else f"{path}: {exc.strerror or exc}"
    fd, name = tempfile.mkstemp(prefix="openclaw-deepinfra-", suffix=f"-{path.name}")
    os.close(fd)  # only reserves a unique name; the one writer fills it
    write_atomic(Path(name), data, private=True)
    return Saved(Path(name), failed=path, reason=reason)


def raise_if_fell_back(saved: Sequence[Saved], *, request_id: str | None, url: str | None = None) -> None:
    """After the report: one line per result saved elsewhere, then exit 1 naming what to keep."""
    fell_back = [s for s in saved if s.failed is not None]
    if not fell_back:
        return
    ids = f" (request id {request_id})" if request_id else ""
    for item in fell_back:
        print(f"could not write {item.failed}: {item.reason}", file=sys.stderr)
    where = ", ".join(str(s.path) for s in fell_back)
    also = f"; result URL {url}" if url else ""
    raise CliError(f"the paid result was saved to {where} instead{ids}{also}", exit_code=1)


def save_and_report(
    args: Namespace, items: Sequence[tuple[str, bytes, str, str | None]], model: str | None,
    metadata: Mapping[str, Any] | None, url: str | None = None,
) -> None:  # fmt: skip
    """Write each (file name, data, MIME type, revised prompt) to `--out` (`output_paths`), print
    the report, then end with exit 1 naming the fallback file of any result `--out` could not take."""
    warned: set[tuple[str, str]] = set()
    paths = output_paths(args.out, [item[0] for item in items])
    saved = [write_file(path, item[1], warned) for path, item in zip(paths, items, strict=True)]
    files = [MediaFile(path=str(s.path), mimeType=mime, bytes=len(data), revisedPrompt=revised)
             for s, (_, data, mime, revised) in zip(saved, items, strict=True)]  # fmt: skip
    print(report(files, model=model, metadata=metadata, as_json=args.json))
    meta = metadata or {}
    raise_if_fell_back(saved, request_id=meta.get("requestId") or meta.get("jobId"), url=url)


def report(
    written: Sequence[MediaFile], *, model: str | None, metadata: Mapping[str, Any] | None, as_json: bool
) -> str:
    meta = dict(metadata or {})
    if "cost" in meta:
        meta["cost"] = money(meta["cost"])
    if as_json:
        shape = MediaOutput(model=model, files=list(written), cost=meta.get("cost"), metadata=meta)
        return dumps(shape, indent=2)
    lines = [f"wrote {w.path} ({w.mimeType}, {w.bytes} bytes)" for w in written]
    lines.append(f"model: deepinfra/{model}" if model else "model: unknown")
    if meta.get("cost") is not None:
        lines.append(f"cost: ${money_text(meta['cost'])}")
    ignored = meta.get("ignoredOverrides")
    if isinstance(ignored, Mapping) and ignored:
        lines.append(f"ignored (not supported): {', '.join(str(k) for k in ignored)}")
    if meta.get("jobId"):
        lines.append(f"job: {meta['jobId']}")
    return "\n".join(lines)
