"""Reading JSON5: values in linear time at C speed, and where each value sits (for ``json5_edit``).

Values: one regex pass rewrites JSON5 into JSON for ``json.loads``. Why: the ``json5`` library is
a generated pure-Python PEG parser that makes about ten Python calls per input character
(``_choose``/``_seq``/``_ch``/``_succeed``...); it is linear but around 30 µs a character, so a
1 MB config took 18-40 s. Here a single compiled regex splits the text into
tokens (whitespace and comments, strings, numbers, identifiers, punctuation) and each is rewritten
to its JSON spelling: comments dropped, single-quoted strings and JSON5-only escapes re-encoded,
unquoted keys quoted, hex and ``.5``/``5.``/``+1`` numbers normalised, trailing commas removed.
``json.loads`` then builds the values.

Anything this rewriter does not recognise raises ``ValueError``; the caller then asks the
``json5`` library, whose message names the line (slow, but only for a file that is broken or
uses a rare JSON5 form such as a Unicode identifier key).

Spans: the ``json5`` library keeps no positions and its writer drops comments, so ``scan`` reads
the same tokens into a tree of spans and nothing else (values still come from the reader), so an
edit can touch only its own span. It is lenient where the library is strict because it never sees
text the reader refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import json5

_TOKEN = re.compile(
    r"""
    (?P<blank>(?:[\s\ufeff]+|//[^\n\r\u2028\u2029]*|/\*.*?\*/)+)
  | (?P<string>"(?:[^"\\\n\r]|\\(?:\r\n|[\s\S]))*"|'(?:[^'\\\n\r]|\\(?:\r\n|[\s\S]))*')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity|NaN))
  | (?P<name>[^\s\ufeff,:\[\]{}/"']+)
  | (?P<punct>[{}\[\],:])
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|(\r\n|[\s\S]))")
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0"}
_DIGITS = frozenset("0123456789")
LINE_BREAKS = frozenset("\n\r\u2028\u2029")
LITERALS = frozenset({"true", "false", "null", "Infinity", "NaN"})
# The `name` token is any run up to a delimiter, so `scan` can span any key the library reads
# (Unicode or escaped identifiers); the rewrite itself only takes ASCII identifiers, and
# `json5_edit` writes a new key bare only when it is one.
IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def _unescape(match: re.Match[str]) -> str:
    hex2, hex4, other = match.group(1), match.group(2), match.group(3)
    if hex2 is not None:
        return chr(int(hex2, 16))
    if hex4 is not None:
        return chr(int(hex4, 16))  # surrogate pairs stay pairs; json.dumps re-encodes them as such
    if other == "\r\n" or other in LINE_BREAKS:
        return ""  # a line continuation
    if other in _DIGITS and (other != "0" or match.string[match.end() : match.end() + 1] in _DIGITS):
        # JSON5's \0 is only \0 when no digit follows (no octal), and there is no \1-\9 at all.
        raise ValueError("JSON5 does not allow \\1-\\9 escapes nor a digit after \\0")
    return _SIMPLE_ESCAPES.get(other, other)


def _string(token: str) -> str:
    body = token[1:-1]
    if "\\" not in body:
        return json.dumps(body, ensure_ascii=False)
    return json.dumps(_ESCAPE.sub(_unescape, body), ensure_ascii=False)


def _number(token: str) -> str:
    sign = "-" if token.startswith("-") else ""
    bare = token.lstrip("+-")
    if bare == "NaN":
        return "NaN"
    if bare[:2] in ("0x", "0X"):
        return f"{sign}{int(bare, 16)}"
    if bare.startswith("."):
        bare = "0" + bare
    mantissa, e, exponent = bare.partition("e") if "e" in bare else bare.partition("E")
    if mantissa.endswith("."):
        mantissa += "0"
    return f"{sign}{mantissa}{e}{exponent}"


class ScanError(ValueError):
    """The text is not the JSON5 the scanner expects (only for text ``json5`` would also refuse)."""


def tokens(text: str) -> Iterator[re.Match[str]]:
    """The tokens of a JSON5 text, blanks and comments left out; ScanError where none fits."""
    pos, end = 0, len(text)
    while pos < end:
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ScanError(f"unexpected character at offset {pos}")
        if match.lastgroup != "blank":
            yield match
        pos = match.end()


def skip_blank(text: str, pos: int) -> int:
    """The index of the next character that is not whitespace or part of a comment."""
    match = _TOKEN.match(text, pos)
    return match.end() if match is not None and match.lastgroup == "blank" else pos


def loads(text: str) -> Any:
    """The value of a JSON5 text, read through its JSON spelling; ValueError at the first token
    that spelling cannot place (this fast path cannot read it)."""
    found = [(match.lastgroup or "", match.group()) for match in tokens(text)]
    out: list[str] = []
    for index, (kind, piece) in enumerate(found):
        if kind == "string":
            out.append(_string(piece))
        elif kind == "number":
            out.append(_number(piece))
        elif kind == "name":
            is_key = index + 1 < len(found) and found[index + 1][1] == ":"
            if is_key and IDENTIFIER.fullmatch(piece):
                out.append(json.dumps(piece))
            elif piece in LITERALS:
                out.append(piece)
            else:
                raise ValueError(f"unexpected name {piece[:40]!r}")
        elif piece in ("}", "]") and out and out[-1] == ",":
            if len(out) < 2 or out[-2] in ("{", "[", ","):
                raise ValueError("a comma with no value before it")
            out[-1] = piece  # a trailing comma is JSON5; JSON has none
        else:
            out.append(piece)
    # A separator, so "[1 2]" stays two tokens and json.loads refuses it.
    return json.loads(" ".join(out), strict=False)


def read(text: str) -> Any:
    """The value of a JSON5 text: plain JSON straight through the C parser, JSON5 through the
    rewrite, and only what neither reads through the ``json5`` library (for its line-numbered
    error, or a rare JSON5 form the rewrite does not know)."""
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    try:
        return loads(text)
    except ValueError:
        return json5.loads(text)


# -- spans ---------------------------------------------------------------------------------------


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


def scan(text: str) -> Node:
    """The root value's span tree."""
    found = list(tokens(text))
    parser = _Parser(found)
    node = parser.value(parser.take())
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

    def value(self, token: re.Match[str]) -> Node:
        """The value that starts at ``token``."""
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
                entry = Item(self.value(token))
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
        return Member(_decode_key(key.group(), quote), key.start(), quote, self.value(self.take()))


def _decode_key(raw: str, quote: str) -> str:
    if not quote and "\\" not in raw:
        return raw
    # Escapes (in strings, or \uXXXX in identifiers) decode exactly as the library reads them.
    decoded = json5.loads("{" + raw + ":0}")
    return str(next(iter(decoded)))
