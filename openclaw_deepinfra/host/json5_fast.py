"""JSON5 read in linear time at C speed: one regex pass rewrites JSON5 into JSON for ``json.loads``.

Why: the ``json5`` library is a generated pure-Python PEG parser that makes about ten Python calls
per input character (``_choose``/``_seq``/``_ch``/``_succeed``...); it is linear but around 30 µs a
character, so a 1 MB config took 18-40 s. Here a single compiled regex splits the text into
tokens (whitespace and comments, strings, numbers, identifiers, punctuation) and each is rewritten
to its JSON spelling: comments dropped, single-quoted strings and JSON5-only escapes re-encoded,
unquoted keys quoted, hex and ``.5``/``5.``/``+1`` numbers normalised, trailing commas removed.
``json.loads`` then builds the values.

Anything this rewriter does not recognise raises ``ValueError``; the caller then asks the
``json5`` library, whose message names the line (slow, but only for a file that is broken or
uses a rare JSON5 form such as a Unicode identifier key).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

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
_LINE_BREAKS = frozenset("\n\r\u2028\u2029")
_LITERALS = frozenset({"true", "false", "null", "Infinity", "NaN"})
# The `name` token is any run up to a delimiter, so `json5_scan` can span any key the library reads
# (Unicode or escaped identifiers); the rewrite itself only takes ASCII identifiers.
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def _unescape(match: re.Match[str]) -> str:
    hex2, hex4, other = match.group(1), match.group(2), match.group(3)
    if hex2 is not None:
        return chr(int(hex2, 16))
    if hex4 is not None:
        return chr(int(hex4, 16))  # surrogate pairs stay pairs; json.dumps re-encodes them as such
    if other == "\r\n" or other in _LINE_BREAKS:
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


def tokens(text: str) -> Iterator[re.Match[str]]:
    """The tokens of a JSON5 text, blanks and comments left out; ValueError where none fits."""
    pos, end = 0, len(text)
    while pos < end:
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"unexpected character at offset {pos}")
        if match.lastgroup != "blank":
            yield match
        pos = match.end()


def skip_blank(text: str, pos: int) -> int:
    """The index of the next character that is not whitespace or part of a comment."""
    match = _TOKEN.match(text, pos)
    return match.end() if match is not None and match.lastgroup == "blank" else pos


def to_json(text: str) -> str:
    """The JSON spelling of a JSON5 text, or ValueError at the first token it cannot place."""
    found = [(match.lastgroup or "", match.group()) for match in tokens(text)]
    out: list[str] = []
    for index, (kind, piece) in enumerate(found):
        if kind == "string":
            out.append(_string(piece))
        elif kind == "number":
            out.append(_number(piece))
        elif kind == "name":
            is_key = index + 1 < len(found) and found[index + 1][1] == ":"
            if is_key and _IDENTIFIER.fullmatch(piece):
                out.append(json.dumps(piece))
            elif piece in _LITERALS:
                out.append(piece)
            else:
                raise ValueError(f"unexpected name {piece[:40]!r}")
        elif piece in ("}", "]") and out and out[-1] == ",":
            if len(out) < 2 or out[-2] in ("{", "[", ","):
                raise ValueError("a comma with no value before it")
            out[-1] = piece  # a trailing comma is JSON5; JSON has none
        else:
            out.append(piece)
    return " ".join(out)  # a separator, so "[1 2]" stays two tokens and json.loads refuses it


def loads(text: str) -> Any:
    """The value of a JSON5 text; ValueError when this fast path cannot read it."""
    return json.loads(to_json(text), strict=False)


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
