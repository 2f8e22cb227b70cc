"""Edit a JSON5 text at a key path, changing only the edited span.

Comments, key order, quoting, trailing commas and whitespace outside the edited span stay byte for
byte (OpenClaw's own writer drops comments: its #105683). ``apply_changes`` turns "the data as
read" and "the data to write" into the fewest such edits: unchanged subtrees are never touched,
objects present in both are edited member by member, lists item by item (or by appending or
leaving items out), anything else is replaced whole.

New members copy their neighbours' layout: the last sibling's indentation and key quoting, a
trailing comma when the siblings have one, one line per member in a multi-line object.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openclaw_deepinfra.host import json5_read
from openclaw_deepinfra.host.json5_read import Item, Member, Node, scan, skip_blank

Key = str | int  # an object key, or an array index
Entry = Member | Item
Op = tuple[str, tuple[Key, ...], Any]  # ("set" | "delete", path, value)
# Blanks and comments that close on the line they open on, then an optional line comment.
_LINE_REST = re.compile(r"(?:[ \t]+|/\*(?:(?!\*/)[^\n\r\u2028\u2029])*\*/)*(?://[^\n\r\u2028\u2029]*)?")


@dataclass(frozen=True)
class Edit:
    """``text[start:end]`` replaced by ``new``."""

    start: int
    end: int
    new: str


def apply_changes(text: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """``text`` (which parses to ``old``) edited so that it parses to ``new``."""
    if skip_blank(text, 0) == len(text):  # empty, or only comments: append a root object
        if not new:
            return text
        sep = "" if not text or text.endswith(tuple(json5_read.LINE_BREAKS)) else "\n"
        return text + sep + render(dict(new), indent="", unit="  ", quote='"', multiline=True) + "\n"
    for op, path, value in _diff(old, new, ()):
        text = delete_key(text, path) if op == "delete" else set_value(text, path, value)
    return text


def set_value(text: str, path: Sequence[Key], value: Any) -> str:
    """Set ``path`` (object keys and array indexes; its parents must exist) to ``value``."""
    return _apply(text, set_edits(text, path, value))


def delete_key(text: str, path: Sequence[Key]) -> str:
    return _apply(text, delete_edits(text, path))


def set_edits(text: str, path: Sequence[Key], value: Any) -> list[Edit]:
    """The edits that set ``path`` to ``value`` (exposed so tests can check they are minimal)."""
    if not path:
        raise ValueError("an edit needs a non-empty key path")
    parent, entry, holder = _find(text, path)
    if entry is not None:
        multiline = _first_on_line(text, entry.key_start)
        indent = _indent_at(text, entry.key_start)
        unit = _unit(text, scan(text), indent)
        rendered = render(value, indent=indent, unit=unit, quote=_style(parent), multiline=multiline)
        return [Edit(entry.value.start, entry.value.end, rendered)]
    if parent.kind == "array" and path[-1] != len(parent.items):
        raise ValueError(f"{_dotted(path)}: an array grows only at its end")
    return _insert_edits(text, parent, holder, path[-1], value)


def delete_edits(text: str, path: Sequence[Key]) -> list[Edit]:
    parent, entry, _ = _find(text, path)
    if entry is None:
        return []
    entries = _entries(parent)
    index = next(i for i, e in enumerate(entries) if e is entry)
    after = entry.comma + 1 if entry.comma is not None else entry.value.end
    rest = _line_rest_end(text, after)
    if _first_on_line(text, entry.key_start) and rest is not None:
        # The entry owns whole lines: remove them, its own trailing comment included.
        return [Edit(_line_start(text, entry.key_start), _past_newline(text, rest), "")]
    if entry.comma is not None:
        tail = text[entry.comma + 1 :]
        return [Edit(entry.key_start, len(text) - len(tail.lstrip(" \t")), "")]
    if index > 0:
        previous = entries[index - 1]
        assert previous.comma is not None  # an entry after it means a comma between them
        return [Edit(previous.comma, entry.value.end, "")]
    return [Edit(entry.key_start, entry.value.end, "")]


def render(value: Any, *, indent: str, unit: str, quote: str, multiline: bool) -> str:
    """JSON5 text for ``value``; objects and nested lists on their own lines when ``multiline``."""
    if isinstance(value, Mapping | list | tuple):
        is_object = isinstance(value, Mapping)
        opener, closer = ("{", "}") if is_object else ("[", "]")
        if not value:
            return opener + closer
        # (what precedes each entry's value, the value): objects write "key: ", arrays nothing
        if isinstance(value, Mapping):
            entries = [(f"{format_key(str(k), quote)}: ", v) for k, v in value.items()]
        else:
            entries = [("", v) for v in value]
        nested = is_object or any(isinstance(v, Mapping | list | tuple) and v for v in value)
        if not (multiline and nested):  # a list of scalars stays on one line in a multi-line layout
            inner = ", ".join(
                p + render(v, indent="", unit=unit, quote=quote, multiline=False) for p, v in entries
            )
            return f"{{ {inner} }}" if is_object else f"[{inner}]"
        child = indent + unit
        lines = [
            child + p + render(v, indent=child, unit=unit, quote=quote, multiline=True) for p, v in entries
        ]
        return opener + "\n" + ",\n".join(lines) + "\n" + indent + closer
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return json.dumps(value, ensure_ascii=False)


def format_key(key: str, quote: str) -> str:
    """``key`` written as its siblings write theirs, falling back to double quotes when it must."""
    if quote == "" and json5_read.IDENTIFIER.fullmatch(key) and key not in json5_read.LITERALS:
        return key
    if quote == "'":
        return "'" + json.dumps(key, ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'") + "'"
    return json.dumps(key, ensure_ascii=False)


# -- internals ------------------------------------------------------------------------------------


def _diff(old: Mapping[str, Any], new: Mapping[str, Any], path: tuple[Key, ...]) -> list[Op]:
    ops: list[Op] = [("delete", (*path, k), None) for k in old if k not in new]
    for key, value in new.items():
        ops += _diff_value(old.get(key, _ABSENT), value, (*path, key))
    return ops


def _diff_value(before: Any, value: Any, path: tuple[Key, ...]) -> list[Op]:
    if isinstance(before, Mapping) and isinstance(value, Mapping):
        return _diff(before, value, path)
    if isinstance(before, list) and isinstance(value, list) and before and value:
        return _diff_list(before, value, path)
    return [] if before is not _ABSENT and same(before, value) else [("set", path, value)]


def _diff_list(old: list[Any], new: list[Any], path: tuple[Key, ...]) -> list[Op]:
    """Item by item when the length is kept, appends when ``old`` is a prefix of ``new``, deletes
    when ``new`` is ``old`` with items left out; anything else replaces the list whole."""
    if len(old) == len(new):
        return [
            op for i, (a, b) in enumerate(zip(old, new, strict=True)) for op in _diff_value(a, b, (*path, i))
        ]
    shared = min(len(old), len(new))
    if len(new) > len(old) and all(same(a, b) for a, b in zip(old, new[:shared], strict=True)):
        return [("set", (*path, i), new[i]) for i in range(len(old), len(new))]
    dropped, j = [], 0
    for i, item in enumerate(old):
        if j < len(new) and same(item, new[j]):
            j += 1
        else:
            dropped.append(i)
    if j == len(new):
        return [("delete", (*path, i), None) for i in reversed(dropped)]
    return [("set", path, new)]


_ABSENT: Any = object()


def same(a: Any, b: Any) -> bool:
    """Equal as JSON5 values: ``True`` is not ``1``, ``NaN`` equals ``NaN``."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _entries(node: Node) -> list[Any]:
    return list(node.members) if node.kind == "object" else list(node.items)


def _find(text: str, path: Sequence[Key]) -> tuple[Node, Entry | None, Entry | None]:
    """(the parent container, the entry at ``path`` or None, the entry holding the parent)."""
    node, holder = scan(text), None
    for depth, key in enumerate(path):
        entry: Entry | None
        if node.kind == "object" and isinstance(key, str):
            entry = next((m for m in reversed(node.members) if m.key == key), None)  # last one wins
        elif node.kind == "array" and isinstance(key, int) and not isinstance(key, bool):
            entry = node.items[key] if 0 <= key < len(node.items) else None
        else:
            kind = "an object" if isinstance(key, str) else "an array"
            raise ValueError(f"{_dotted(path[:depth]) or 'the root'} is not {kind}")
        if depth == len(path) - 1:
            return node, entry, holder
        if entry is None:
            raise ValueError(f"{_dotted(path[: depth + 1])} does not exist")
        node, holder = entry.value, entry
    raise AssertionError("unreachable")


def _dotted(path: Sequence[Key]) -> str:
    return ".".join(str(p) for p in path)


def _insert_edits(text: str, parent: Node, holder: Entry | None, key: Key, value: Any) -> list[Edit]:
    root = scan(text)
    entries = _entries(parent)
    quote = _style(parent) if parent.kind == "object" and parent.members else _style(root)

    def entry_text(indent: str, unit: str, multiline: bool) -> str:
        rendered = render(value, indent=indent, unit=unit, quote=quote, multiline=multiline)
        return rendered if parent.kind == "array" else f"{format_key(str(key), quote)}: {rendered}"

    if entries:
        last = entries[-1]
        if _first_on_line(text, last.key_start):
            indent = _indent_at(text, last.key_start)
            new = entry_text(indent, _unit(text, root, indent), True)
            if last.comma is not None:
                at = _line_rest_end(text, last.comma + 1)
                if at is None:
                    return [Edit(last.comma + 1, last.comma + 1, f" {new},")]
                return [Edit(at, at, f"\n{indent}{new},")]
            at = _line_rest_end(text, last.value.end)
            if at is None or at == last.value.end:
                return [Edit(last.value.end, last.value.end, f",\n{indent}{new}")]
            return [Edit(last.value.end, last.value.end, ","), Edit(at, at, f"\n{indent}{new}")]
        new = entry_text("", "  ", False)
        if last.comma is not None:
            return [Edit(last.comma + 1, last.comma + 1, f" {new},")]
        return [Edit(last.value.end, last.value.end, f", {new}")]
    base = _indent_at(text, parent.start) if holder is None else _indent_at(text, holder.key_start)
    multiline = parent.kind == "object" and (holder is None or _first_on_line(text, holder.key_start))
    inner = text[parent.start + 1 : parent.end - 1]
    if not multiline:
        new = entry_text("", "  ", False)
        pad = " " if parent.kind == "object" else ""
        if inner.strip():  # only comments inside: keep them after the new entry
            return [Edit(parent.start + 1, parent.start + 1, f"{pad}{new}")]
        return [Edit(parent.start + 1, parent.end - 1, f"{pad}{new}{pad}")]
    unit = _unit(text, root, base)
    child = base + unit
    new = entry_text(child, unit, True)
    if inner.strip():
        return [Edit(parent.start + 1, parent.start + 1, f"\n{child}{new}")]
    return [Edit(parent.start + 1, parent.end - 1, f"\n{child}{new}\n{base}")]


def _style(node: Node) -> str:
    """The quoting of the object's members (the last one's), double quotes when it has none."""
    return node.members[-1].quote if node.kind == "object" and node.members else '"'


def _unit(text: str, root: Node, indent: str) -> str:
    """One indentation step: from the root's first own-line member, else two spaces."""
    for member in root.members if root.kind == "object" else []:
        if _first_on_line(text, member.key_start):
            step = _indent_at(text, member.key_start)[len(_indent_at(text, root.start)) :]
            if step:
                return step
    return "\t" if indent.startswith("\t") else "  "


def _line_start(text: str, pos: int) -> int:
    return max(text.rfind(c, 0, pos) for c in json5_read.LINE_BREAKS) + 1


def _indent_at(text: str, pos: int) -> str:
    """The blanks that start ``pos``'s line (``pos`` is a token's start, never a blank)."""
    line = text[_line_start(text, pos) : pos]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _first_on_line(text: str, pos: int) -> bool:
    return text[_line_start(text, pos) : pos].strip(" \t") == ""


def _line_rest_end(text: str, pos: int) -> int | None:
    """Where the line ends if only blanks and comments follow ``pos`` on it, else None (also
    when a block comment runs onto the next lines: not a clean line end)."""
    match = _LINE_REST.match(text, pos)
    end = match.end() if match else pos
    return end if end == len(text) or text[end] in json5_read.LINE_BREAKS else None


def _past_newline(text: str, pos: int) -> int:
    if text.startswith("\r\n", pos):
        return pos + 2
    return pos + 1 if pos < len(text) else pos


def _apply(text: str, edits: list[Edit]) -> str:
    # Back to front, so earlier offsets stay valid; at one offset the earlier-listed edit ends first.
    for _, edit in sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[0]), reverse=True):
        text = text[: edit.start] + edit.new + text[edit.end :]
    return text
