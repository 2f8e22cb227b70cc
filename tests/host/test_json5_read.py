"""Issue 18 item 11: the config's JSON5 is read in linear time by a rewrite to JSON, agreeing with
the ``json5`` library value for value, and refusing what it refuses."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import json5
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_deepinfra.host import json5_read

SAMPLES = [
    "{}",
    "[]",
    "{a: 1, 'b': 'x', \"c\": [1, 2, 3,], }",
    "// c\n{/* x */ a: .5, b: 5., c: +1, d: 0x1F, e: -0x10, f: 1e3, g: -Infinity, i: 2E-2, j: 5.e1}",
    "{s: 'it\\'s', t: \"a\\x41\\u00e9\\n\\v\\0z\", u: 'line\\\ncont', v: 'tab\there', w: '\\q'}",
    "'top'",
    "  42  ",
    "true",
    "null",
    "{a: {b: {c: [{d: null}, [], {}]}}}",
    "\ufeff{a:1}",
    "{$x_1: 1, _y: 2, true: 3, null: 4}",
    "{a: 'é ☃ \\u2603 \\ud83d\\ude00'}",
    "[1, // c\n 2 /* d */ ,]",
    '{"dup": 1, "dup": 2}',
    "{url: 'http://x/*not a comment*/', c: \"// nor this\"}",
]
REFUSED = [
    "{a: 1,,}", "[,]", "{,}", "{a 1}", "[01]", "{a: undefined}", "{'a': 1", "[1 2]", "{1: 2}",
    "'\\1'", "'\\00'", '{"\\01": null}', "{a: 'x\ny'}", "{a: 1} x", "",
]  # fmt: skip


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return json.dumps(a, sort_keys=False) == json.dumps(b, sort_keys=False) and type(a) is type(b)


@pytest.mark.parametrize("text", SAMPLES)
def test_the_rewrite_reads_what_json5_reads(text: str) -> None:
    assert _same(json5_read.loads(text), json5.loads(text))


def test_nan_with_a_sign_is_nan() -> None:
    assert math.isnan(json5_read.loads("[-NaN]")[0]) and math.isnan(json5.loads("[-NaN]")[0])


@pytest.mark.parametrize("text", REFUSED)
def test_the_rewrite_refuses_what_json5_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        json5.loads(text)
    with pytest.raises(ValueError):
        json5_read.loads(text)


def test_read_falls_back_to_the_library_for_its_line_numbered_error() -> None:
    with pytest.raises(ValueError, match=r"<string>:3"):
        json5_read.read("{\n  a: 1,\n  b: ]\n}")


def _config(entries: int) -> str:
    body = {
        f"agent{i}": {"model": {"primary": "deepinfra/zai-org/GLM-9"}, "notes": "x" * 40}
        for i in range(entries)
    }
    # JSON5 on purpose (comments, unquoted keys, trailing commas): the plain-JSON fast path is not enough
    text = json.dumps({"agents": {"entries": body}}, indent=2).replace('"model"', "model")
    return "// a big config\n" + text.replace("}\n", "},\n", 1)


class _CountingPattern:
    """Wraps the token regex: counts its calls and checks that each one starts where the last
    match ended, i.e. the scanner reads the text once, front to back."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.calls, self.next_pos = pattern, 0, 0

    def match(self, text: str, pos: int) -> re.Match[str] | None:
        assert pos == self.next_pos, f"rescanned from {pos}, last match ended at {self.next_pos}"
        self.calls += 1
        found = self.pattern.match(text, pos)
        self.next_pos = found.end() if found else pos
        return found


_TOKEN = json5_read._TOKEN


def _token_calls(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Any]:
    counter = _CountingPattern(_TOKEN)
    monkeypatch.setattr(json5_read, "_TOKEN", counter)
    value = json5_read.read(text)
    return counter.calls, value


def test_a_1mb_config_is_read_in_one_pass_without_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    # Linear by construction, checked without a clock (timings belong in benchmarks): the library
    # parser (18-40 s for 1 MB) is never reached, the scanner reads the text once front to back,
    # and 8x the entries cost 8x the token matches, not 64x.
    def no_library(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a valid JSON5 config must not fall back to the json5 library")

    monkeypatch.setattr(json5, "loads", no_library)
    small, big = _config(1500), _config(12000)  # ~0.13 MB and ~1 MB
    assert len(big) > 1_000_000
    (small_calls, _), (big_calls, value) = _token_calls(small, monkeypatch), _token_calls(big, monkeypatch)
    assert big_calls < len(big) / 4  # tokens, not characters
    assert 7.9 < big_calls / small_calls < 8.1
    assert value["agents"]["entries"]["agent11999"]["model"]["primary"].endswith("GLM-9")


_KEYS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=True)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    value=_VALUES,
    quote_keys=st.booleans(),
    trailing_commas=st.booleans(),
    indent=st.sampled_from([None, 2]),
    comment=st.sampled_from(["", "// a comment: 'x' \"y\" /* z\n", "/* a 'comment' // here */ "]),
)
def test_the_rewrite_agrees_with_json5_on_any_json5_it_writes(
    value: Any, quote_keys: bool, trailing_commas: bool, indent: int | None, comment: str
) -> None:
    # Whatever shape json5 itself writes (unquoted keys, trailing commas, comments around the
    # value, Infinity), the fast path must read the same value or leave it to json5: never a
    # different value.
    text = (
        comment
        + json5.dumps(value, quote_keys=quote_keys, trailing_commas=trailing_commas, indent=indent)
        + "\n"
        + comment
    )
    try:
        expected = json5.loads(text)
    except ValueError:
        # json5 can write what its own reader refuses (a key "\x000" comes out as "\00", and
        # JSON5 allows no digit after \0): the fast reader must refuse it too, never read a value.
        with pytest.raises(ValueError):
            json5_read.read(text)
        return
    assert _same(json5_read.read(text), expected)
    try:
        fast = json5_read.loads(text)
    except ValueError:
        return  # not the fast path's form; read() handed it to json5 above
    assert _same(fast, expected)
