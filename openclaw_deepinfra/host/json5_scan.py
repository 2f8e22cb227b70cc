"""Where each value and member sits in a JSON5 text, so an edit can touch only its own span.

The ``json5`` library parses values but keeps no positions and its writer drops comments, so this
reads the reader's own tokens (``json5_fast.tokens``) into a tree of spans and nothing else (values
still come from the reader). It is lenient where the library is strict because it never sees text
the reader refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import json5

from openclaw_deepinfra.host.json5_fast import tokens


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
    try:
        found = list(tokens(text))
    except ValueError as exc:
        raise ScanError(str(exc)) from None
    parser = _Parser(found)
    node = parser.value()
    if parser.index < len(found):
        raise ScanError(f"unexpected text at offset {found[parser.index].start()}")
    return node


class _Parser:
    def __init__(self, found: list[re.Match[str]]) -> None:
        self.tokens = found
        self.index = 0

    def take(self) -> re.Match[str]:
        if self.index == len(self.tokens):
            raise ScanError("unexpected end of text")
        self.index += 1
        return self.tokens[self.index - 1]

    def value(self) -> Node:
        token = self.take()
        if token.group() in ("{", "["):
            return self._container(Node("object" if token.group() == "{" else "array", token.start()))
        if token.lastgroup == "punct":
            raise ScanError(f"unexpected {token.group()!r} at offset {token.start()}")
        return Node("scalar", token.start(), token.end())

    def _container(self, node: Node) -> Node:
        close = "}" if node.kind == "object" else "]"
        while (token := self.take()).group() != close:  # the closer: empty, or after a trailing comma
            entry: Member | Item
            if node.kind == "object":
                entry = self._member(token)
                node.members.append(entry)
            else:
                self.index -= 1  # the token starts the item's value
                entry = Item(self.value())
                node.items.append(entry)
            token = self.take()
            if token.group() == close:
                break
            if token.group() != ",":
                raise ScanError(f"expected ',' or '{close}' at offset {token.start()}")
            entry.comma = token.start()
        node.end = token.end()
        return node

    def _member(self, key: re.Match[str]) -> Member:
        if key.lastgroup == "punct":
            raise ScanError(f"expected a key at offset {key.start()}")
        colon = self.take()
        if colon.group() != ":":
            raise ScanError(f"expected ':' at offset {colon.start()}")
        quote = key.group()[0] if key.lastgroup == "string" else ""
        return Member(_decode_key(key.group(), quote), key.start(), quote, self.value())


def _decode_key(raw: str, quote: str) -> str:
    if not quote and "\\" not in raw:
        return raw
    # Escapes (in strings, or \uXXXX in identifiers) decode exactly as the library reads them.
    decoded = json5.loads("{" + raw + ":0}")
    return str(next(iter(decoded)))
