"""The edit-at-path writer: an edit changes only its own span; everything else stays byte for byte."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import json5
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclaw_deepinfra.host.json5_edit import apply_changes, delete_key, same, set_edits, set_value
from openclaw_deepinfra.host.json5_read import ScanError, scan

README = Path(__file__).resolve().parents[2] / "README.md"
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("```json5\n", 1)[1].split("```", 1)[0]


def apply_one(text: str, path: list[str | int], value: Any) -> tuple[str, Any]:
    data = json5.loads(text)
    expected = copy.deepcopy(data)
    node = expected
    for key in path[:-1]:
        node = node[key]
    if isinstance(node, list) and path[-1] == len(node):
        node.append(value)
    else:
        node[path[-1]] = value
    return set_value(text, path, value), expected


# -- examples --------------------------------------------------------------------------------------


def test_the_readme_example_keeps_every_comment() -> None:
    text = readme_example()
    assert COMMENT.findall(text), "the README example should have comments to keep"
    old = json5.loads(text)
    new = copy.deepcopy(old)
    new["models"]["providers"]["deepinfra"]["maxRetries"] = 5
    new["agents"]["defaults"]["models"] = {"deepinfra/deepseek-ai/DeepSeek-V4-Flash": {"alias": "DeepInfra"}}
    new["plugins"] = {"entries": {"deepinfra": {"enabled": True}}}
    edited = apply_changes(text, old, new)
    assert same(json5.loads(edited), new)
    assert COMMENT.findall(edited) == COMMENT.findall(text)
    # only the changed value's characters differ on its line
    assert "maxRetries: 5,                          // retries per call" in edited
    unchanged = [line for line in text.splitlines() if "maxRetries" not in line and "agents" not in line]
    for line in unchanged[:-1]:  # the closing brace line moves below the new member
        assert line in edited.splitlines()


def test_replacing_a_value_touches_only_its_span() -> None:
    text = "{\n  // the port\n  gateway: { port: 18789, bind: 'loopback', },\n  'a.b': 0x1F, /* hex */\n}\n"
    (edit,) = set_edits(text, ["gateway", "port"], 19000)
    assert text[edit.start : edit.end] == "18789" and edit.new == "19000"
    assert set_value(text, ["a.b"], "x") == text.replace("0x1F", '"x"')


def test_a_new_member_copies_its_siblings_layout() -> None:
    text = "{\n\tfoo: 1, // one\n\tbar: 2, // two\n}\n"
    assert set_value(text, ["baz"], {"q": [1, 2]}) == (
        "{\n\tfoo: 1, // one\n\tbar: 2, // two\n\tbaz: {\n\t\tq: [1, 2]\n\t},\n}\n"
    )
    no_trailing = "{\n  'foo': 1,\n  'bar': 2 // two\n}"
    assert set_value(no_trailing, ["it's"], True) == "{\n  'foo': 1,\n  'bar': 2, // two\n  'it\\'s': true\n}"
    inline = '{"a": 1, "b": [1, 2]}'
    assert set_value(inline, ["c"], {"d": None}) == '{"a": 1, "b": [1, 2], "c": { "d": null }}'
    assert set_value("{a: 1,}", ["b"], 2) == "{a: 1, b: 2,}"


def test_insert_into_empty_objects_and_comment_only_files() -> None:
    assert set_value("{}", ["a"], 1) == '{\n  "a": 1\n}'
    assert set_value("{ x: {} }", ["x", "y"], 1) == "{ x: { y: 1 } }"
    assert set_value("{\n  x: {},\n}", ["x", "y"], 1) == "{\n  x: {\n    y: 1\n  },\n}"
    assert apply_changes("// nothing yet\n", {}, {"a": 1}) == '// nothing yet\n{\n  "a": 1\n}\n'
    assert apply_changes("", {}, {}) == ""


def test_delete_removes_the_member_and_its_own_lines_only() -> None:
    text = "{\n  a: 1, // about a\n  // about b\n  b: 2,\n  c: 3\n}"
    assert delete_key(text, ["a"]) == "{\n  // about b\n  b: 2,\n  c: 3\n}"
    assert delete_key(text, ["c"]) == "{\n  a: 1, // about a\n  // about b\n  b: 2,\n}"
    assert delete_key("{a: 1, b: 2}", ["b"]) == "{a: 1}"
    assert delete_key("{a: 1, b: 2}", ["a"]) == "{b: 2}"
    assert delete_key("{a: 1}", ["zz"]) == "{a: 1}"


def test_lists_are_edited_item_by_item() -> None:
    text = "{allow: ['other'], deny: ['deepinfra', 'bad'], ids: [1, /* two */ 2, 3,]}"
    old = json5.loads(text)
    new = {"allow": ["other", "deepinfra"], "deny": ["bad"], "ids": [1, 2, 4]}
    assert apply_changes(text, old, new) == (
        "{allow: ['other', \"deepinfra\"], deny: ['bad'], ids: [1, /* two */ 2, 4,]}"
    )
    multi = "[\n  1,\n  2, // keep\n]"
    assert set_value("{a: " + multi + "}", ["a", 2], 3) == "{a: [\n  1,\n  2, // keep\n  3,\n]}"
    assert delete_key("{a: [1, 2, 3]}", ["a", 1]) == "{a: [1, 3]}"
    assert set_value("{a: []}", ["a", 0], "x") == '{a: ["x"]}'
    with pytest.raises(ValueError, match="grows only at its end"):
        set_value("{a: [1]}", ["a", 5], 2)


def test_the_last_duplicate_key_is_the_one_edited() -> None:
    text = "{a: 1, a: 2}"
    assert set_value(text, ["a"], 3) == "{a: 1, a: 3}"
    assert json5.loads(set_value(text, ["a"], 3)) == {"a": 3}


def test_values_compare_as_json5_types() -> None:
    assert not same(True, 1) and not same(1, 1.0) and same(float("nan"), float("nan"))
    assert apply_changes("{a: true}", {"a": True}, {"a": 1}) == "{a: 1}"
    text = "{a: NaN, /* keep */ b: Infinity}"
    assert apply_changes(text, json5.loads(text), json5.loads(text)) == text


def test_bad_paths_and_text_are_refused() -> None:
    with pytest.raises(ValueError, match="is not an object"):
        set_value("{a: 1}", ["a", "b"], 2)
    with pytest.raises(ValueError, match="does not exist"):
        set_value("{a: {}}", ["x", "y"], 2)
    with pytest.raises(ScanError):
        scan("{a: 1")


# -- property: a random corpus of styled JSON5 documents --------------------------------------------

KEYS = st.text(alphabet="abcXYZ_$.- '\"\\é✓0", min_size=0, max_size=6)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet="ab '\"\\/*\n\té✓\u2028", max_size=6),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


@st.composite
def styled(draw: st.DrawFn, value: Any, indent: str = "") -> str:
    """``value`` as JSON5 in a random style: quoting, comments, trailing commas, layout."""
    if isinstance(value, dict):
        multiline = draw(st.booleans())
        child = indent + "  "
        parts = []
        for key, item in value.items():
            quote = (
                draw(st.sampled_from(["", '"', "'"]))
                if IDENT.match(key)
                else draw(st.sampled_from(['"', "'"]))
            )
            key_text = key if quote == "" else _quoted(key, quote)
            comment = draw(st.sampled_from(["", " /* c */", " // line"])) if multiline else ""
            gap = draw(st.sampled_from([": ", ":", " :  "]))
            parts.append((f"{key_text}{gap}{draw(styled(item, child))}", comment))
        trailing = draw(st.booleans()) and bool(parts)
        if not multiline:
            body = ", ".join(p for p, _ in parts) + ("," if trailing else "")
            return "{" + body + "}"
        lines = []
        for i, (part, comment) in enumerate(parts):
            comma = "," if i < len(parts) - 1 or trailing else ""
            if comment == " // line":
                lines.append(f"{child}{part}{comma}{comment}")
            else:
                lines.append(f"{child}{part}{comment}{comma}")
        return "{\n" + "\n".join(lines) + ("\n" if lines else "") + indent + "}"
    if isinstance(value, list):
        items = [draw(styled(v, indent + "  ")) for v in value]
        return "[" + ", ".join(items) + ("," if items and draw(st.booleans()) else "") + "]"
    if isinstance(value, str):
        return _quoted(value, draw(st.sampled_from(['"', "'"])))
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0 and draw(st.booleans()):
        return hex(value)
    return json.dumps(value)


def _quoted(text: str, quote: str) -> str:
    body = json.dumps(text)[1:-1]
    return body.join('""') if quote == '"' else "'" + body.replace('\\"', '"').replace("'", "\\'") + "'"


def container_paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path] if isinstance(value, dict | list) else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in items:
        found += container_paths(item, (*path, key))
    return found


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    data = draw(st.dictionaries(KEYS, VALUES, max_size=4))
    head = draw(st.sampled_from(["", "// config\n", "/* a\n   b */ "]))
    return head + draw(styled(data)) + draw(st.sampled_from(["", "\n", "\n// end\n"])), data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(), data=st.data())
def test_property_set_changes_only_the_edited_span(
    doc: tuple[str, dict[str, Any]], data: st.DataObject
) -> None:
    text, parsed = doc
    assert same(json5.loads(text), parsed)  # the corpus itself is valid JSON5
    parent = data.draw(st.sampled_from(container_paths(parsed)))
    node: Any = parsed
    for step in parent:
        node = node[step]
    key: str | int
    if isinstance(node, list):  # an item replaced, or one appended
        key = data.draw(st.integers(0, len(node)))
    else:
        key = data.draw(st.sampled_from(sorted(node)) | KEYS) if node else data.draw(KEYS)
    value = data.draw(VALUES)
    path: list[str | int] = [*parent, key]

    edits = set_edits(text, path, value)
    edited, expected = apply_one(text, path, value)
    assert same(json5.loads(edited), expected)
    # Outside the edits the text is byte for byte the same.
    rebuilt, cursor = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        rebuilt.append(text[cursor : edit.start])
        cursor = edit.end
    rebuilt.append(text[cursor:])
    kept = "".join(rebuilt)
    assert sum(e.end - e.start for e in edits) == len(text) - len(kept)
    exists = key < len(node) if isinstance(node, list) else key in node
    if exists:  # a replacement: the span is exactly the old value, nothing around it
        (edit,) = edits
        assert same(json5.loads(text[edit.start : edit.end]), node[key])
    else:  # an insertion removes nothing but the blank inside an empty {}; a comma may precede it
        assert all(text[e.start : e.end].strip() == "" for e in edits)
        assert all(e.new.strip() == "," for e in edits[:-1])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(), new=st.dictionaries(KEYS, VALUES, max_size=4), data=st.data())
def test_property_apply_changes_reaches_the_new_data(
    doc: tuple[str, dict[str, Any]], new: dict[str, Any], data: st.DataObject
) -> None:
    text, old = doc
    # mix: keep some of the old keys as they were, so unchanged subtrees are exercised
    kept = {k: v for k, v in old.items() if data.draw(st.booleans())}
    target = {**kept, **new}
    edited = apply_changes(text, old, target)
    assert same(json5.loads(edited), target)
    assert apply_changes(text, old, copy.deepcopy(old)) == text  # no change, no edit
    members = {m.key: m for m in scan(text).members}
    for key, value in kept.items():
        if key not in new and isinstance(value, dict | list) and value:
            span = members[key].value  # an untouched subtree's text is still there, byte for byte
            assert text[span.start : span.end] in edited
