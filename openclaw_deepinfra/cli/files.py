"""What a command reads and what it writes: the files and text it sends, bounded before a byte is
read, and the results it writes to `--out` and reports.

Reading: `stat` first: a FIFO, a device or a directory is refused (opening a FIFO blocks until a writer
appears), and a file larger than the limit is refused by its size, so a 3 GB file never reaches
memory. Standard input (`-`) cannot be stat-ed for size, so it is read up to the limit plus one
byte and refused when that byte arrives.

Writing (`image`, `video`, `tts`): a paid result is never dropped; when `--out` cannot take it, it
is written to a fallback file and the command ends with exit 1 naming it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from argparse import Namespace
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

from openclaw_deepinfra.cli.json_shapes import MediaFile, MediaOutput, dumps, money, money_text
from openclaw_deepinfra.cli.session import CliError
from openclaw_deepinfra.host.safe_write import FileWriteError, ensure_writable_target, kind_of, write_atomic
from openclaw_deepinfra.mediatypes import EXTENSIONS, sniff_audio, sniff_image, sniff_video

MB: Final = 1024 * 1024
# DeepInfra's documented limit for an image sent to a vision model ("smaller than 20MB"); the
# describe surface enforces the same number after reading (a test keeps the two equal).
IMAGE_LIMIT: Final = 20 * MB
# The OpenAI-compatible /audio/transcriptions upload limit, which DeepInfra's endpoint mirrors.
AUDIO_LIMIT: Final = 25 * MB
# Prompts, TTS text and embedding inputs: far beyond any model's context, small enough for memory.
TEXT_LIMIT: Final = 16 * MB
STDIN = "-"


def _size(value: int) -> str:
    return f"{value / MB:.1f} MB" if value >= MB else f"{value} bytes"


def check_input(path: Path, what: str, limit: int) -> int:
    """The size of `path` from `stat`, or a CliError (exit 2) when it is missing, not a regular file
    or larger than `limit`. Nothing is opened."""
    try:
        info = os.stat(path.expanduser())
    except OSError as exc:
        raise CliError(f"cannot read {what} {path}: {exc.strerror or exc}", exit_code=2) from None
    kind = kind_of(info.st_mode)
    if kind is not None:
        raise CliError(f"{what} {path} is {kind}; pass a regular file", exit_code=2)
    if info.st_size > limit:
        raise CliError(f"{what} {path} is {_size(info.st_size)}; the limit is {_size(limit)}", exit_code=2)
    return info.st_size


def _read_bounded(handle: BinaryIO, what: str, name: str, limit: int) -> bytes:
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise CliError(f"{what} {name} is larger than the limit of {_size(limit)}", exit_code=2)
    return data


def read_input(path: Path, what: str, limit: int) -> bytes:
    """The bytes of `path` (or standard input for `-`), bounded as the module docstring says."""
    if str(path) == STDIN:
        return _read_bounded(sys.stdin.buffer, what, "(standard input)", limit)
    check_input(path, what, limit)
    try:
        with path.expanduser().open("rb") as handle:
            # The file may have grown since stat; the read stays bounded anyway.
            return _read_bounded(handle, what, str(path), limit)
    except OSError as exc:
        raise CliError(f"cannot read {what} {path}: {exc.strerror or exc}", exit_code=2) from None


def read_text(path: Path, what: str, limit: int = TEXT_LIMIT) -> str:
    """UTF-8 text from `path` or standard input (`-`), bounded; a BOM is dropped."""
    data = read_input(path, what, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        shown = "standard input" if str(path) == STDIN else str(path)
        raise CliError(
            f"{what} {shown} is not UTF-8 text (byte {exc.start}); save it as UTF-8", exit_code=2
        ) from None


def prompt_text(positional: list[str] | str | None, file: Path | None, what: str) -> str:
    """The text a command sends: its arguments, `-` alone for standard input, or `--file PATH`.

    Empty or blank text is refused (exit 2): it would be sent, and for chat billed, for nothing.
    """
    parts = [positional] if isinstance(positional, str) else list(positional or [])
    if file is not None and parts:
        raise CliError(f"pass {what} as arguments or with --file, not both", exit_code=2)
    if file is not None:
        text = read_text(file, "--file")
    elif parts == [STDIN]:
        text = read_text(Path(STDIN), what)
    else:
        text = " ".join(parts)
    if not text.strip():
        source = "--file" if file is not None else ("standard input" if parts == [STDIN] else what)
        raise CliError(f"nothing to send: {source} is empty", exit_code=2)
    return text


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
    meta = dict(metadata or {})
    if "cost" in meta:
        meta["cost"] = money(meta["cost"])
    lines = [f"wrote {w.path} ({w.mimeType}, {w.bytes} bytes)" for w in files]
    lines.append(f"model: deepinfra/{model}" if model else "model: unknown")
    if meta.get("cost") is not None:
        lines.append(f"cost: ${money_text(meta['cost'])}")
    ignored = meta.get("ignoredOverrides")
    if isinstance(ignored, Mapping) and ignored:
        lines.append(f"ignored (not supported): {', '.join(str(k) for k in ignored)}")
    if meta.get("jobId"):
        lines.append(f"job: {meta['jobId']}")
    shape = MediaOutput(model=model, files=files, cost=meta.get("cost"), metadata=meta)
    print(dumps(shape, indent=2) if args.json else "\n".join(lines))
    raise_if_fell_back(saved, request_id=meta.get("requestId") or meta.get("jobId"), url=url)
