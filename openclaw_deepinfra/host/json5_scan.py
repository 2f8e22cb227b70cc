"""Where each value and member sits in a JSON5 text, so an edit can touch only its own span.

The ``json5`` library parses values but keeps no positions and its writer drops comments, so this
is a small scanner over text the library has already accepted: it records spans and nothing else
(values still come from ``json5.loads``). It is lenient where the library is strict because it
never sees text the library refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import json5

_DELIMS = frozenset(",:]}[{/\"'")
_BOM = "\ufeff"


@dataclass
class Node:
    """A value: ``text[start:end]``; for containers ``start`` is the bracket, ``end`` one past the closer."""

    kind: Literal["object", "array", "scalar"]
    start: int
    end: int = 0
    members: list[Member] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@dataclass
class Member:
    key: str
    key_start: int
    key_end: int
    quote: str  # '"', "'" or "" (an identifier key): new siblings are written the same way
    value: Node
    comma: int | None = None  # index of the comma that follows the value, if any


@dataclass
class Item:
    value: Node
    comma: int | None = None

    @property
    def key_start(self) -> int:
        """Where the entry starts (an array item has no key), so members and items share code."""
        return self.value.start


class ScanError(ValueError):
    """The text is not the JSON5 the scanner expects (only for text ``json5`` would also refuse)."""


def scan(text: str) -> Node:
    """The root value's span tree."""
    scanner = _Scanner(text)
    pos = scanner.skip(0)
    node, pos = scanner.value(pos)
    if scanner.skip(pos) != len(text):
        raise ScanError(f"unexpected text at offset {scanner.skip(pos)}")
    return node


def skip_blank(text: str, pos: int) -> int:
    """The index of the next character that is not whitespace or part of a comment."""
    return _Scanner(text).skip(pos)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, pos: int) -> int:
        text, n = self.text, len(self.text)
        while pos < n:
            ch = text[pos]
            if ch.isspace() or ch == _BOM:
                pos += 1
            elif text.startswith("//", pos):
                newline = min(
                    (i for i in (text.find(c, pos) for c in "\n\r\u2028\u2029") if i >= 0), default=n
                )
                pos = newline
            elif text.startswith("/*", pos):
                close = text.find("*/", pos + 2)
                if close < 0:
                    raise ScanError("unterminated comment")
                pos = close + 2
            else:
                break
        return pos

    def value(self, pos: int) -> tuple[Node, int]:
        if pos >= len(self.text):
            raise ScanError("unexpected end of text")
        ch = self.text[pos]
        if ch == "{":
            return self._object(pos)
        if ch == "[":
            return self._array(pos)
        end = self._string_end(pos) if ch in "\"'" else self._bare_end(pos)
        return Node("scalar", pos, end), end

    def _string_end(self, pos: int) -> int:
        quote, text, i = self.text[pos], self.text, pos + 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
            elif text[i] == quote:
                return i + 1
            else:
                i += 1
        raise ScanError("unterminated string")

    def _bare_end(self, pos: int) -> int:
        text, i = self.text, pos
        while i < len(text) and not (text[i] in _DELIMS or text[i].isspace() or text[i] == _BOM):
            i += 1
        if i == pos:
            raise ScanError(f"unexpected {text[pos]!r} at offset {pos}")
        return i

    def _object(self, start: int) -> tuple[Node, int]:
        node = Node("object", start)
        pos = self.skip(start + 1)
        while self.text[pos : pos + 1] != "}":
            quote = self.text[pos] if self.text[pos] in "\"'" else ""
            key_end = self._string_end(pos) if quote else self._bare_end(pos)
            key = _decode_key(self.text[pos:key_end], quote)
            colon = self.skip(key_end)
            if self.text[colon : colon + 1] != ":":
                raise ScanError(f"expected ':' at offset {colon}")
            value, after = self.value(self.skip(colon + 1))
            member = Member(key, pos, key_end, quote, value)
            node.members.append(member)
            member.comma, pos = self._separator(after, "}")
        node.end = pos + 1
        return node, node.end

    def _array(self, start: int) -> tuple[Node, int]:
        node = Node("array", start)
        pos = self.skip(start + 1)
        while self.text[pos : pos + 1] != "]":
            value, after = self.value(pos)
            item = Item(value)
            node.items.append(item)
            item.comma, pos = self._separator(after, "]")
        node.end = pos + 1
        return node, node.end

    def _separator(self, after: int, close: str) -> tuple[int | None, int]:
        """After an entry: its comma's offset (None without one) and where the next entry starts."""
        pos = self.skip(after)
        if self.text[pos : pos + 1] == ",":
            return pos, self.skip(pos + 1)
        if self.text[pos : pos + 1] != close:
            raise ScanError(f"expected ',' or '{close}' at offset {pos}")
        return None, pos


def _decode_key(raw: str, quote: str) -> str:
    if not quote and "\\" not in raw:
        return raw
    # Escapes (in strings, or \uXXXX in identifiers) decode exactly as the library reads them.
    decoded = json5.loads("{" + raw + ":0}")
    return str(next(iter(decoded)))
