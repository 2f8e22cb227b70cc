"""Reading the files and text a command sends, bounded before a byte is read.

`stat` first: a FIFO, a device or a directory is refused (opening a FIFO blocks until a writer
appears), and a file larger than the limit is refused by its size, so a 3 GB file never reaches
memory. Standard input (`-`) cannot be stat-ed for size, so it is read up to the limit plus one
byte and refused when that byte arrives.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO, Final

from openclaw_deepinfra.cli.session import CliError
from openclaw_deepinfra.host.safe_write import kind_of

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
