"""The `with_meta` projection parser: shapes, row rules, numbers, tags, prices."""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest

from openclaw_deepinfra.catalog.models import CatalogModel
from openclaw_deepinfra.catalog.wire import (
    parse_projection_report,
    positive_int,
    price,
    to_wire_row,
)
from openclaw_deepinfra.errors import MalformedResponseError


def parse(body: object) -> list[CatalogModel]:
    return list(parse_projection_report(body).models)


def row(model_id: Any, **meta: Any) -> dict[str, Any]:
    meta.setdefault("tags", ["chat"])
    return {"id": model_id, "object": "model", "metadata": meta}


# --- body shapes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        pytest.param([row("a/b")], ["a/b"], id="bare-array"),
        pytest.param({"data": [row("a/b")], "object": "list"}, ["a/b"], id="data-wrapper"),
        pytest.param([], [], id="empty-array"),
        pytest.param({"data": []}, [], id="empty-data"),
    ],
)
def test_accepted_shapes(body: Any, ids: list[str]) -> None:
    assert [m.id for m in parse(body)] == ids


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"models": []}, id="other-key"),
        pytest.param({"data": {"a": 1}}, id="data-not-list"),
        pytest.param("<html>oops</html>", id="string"),
        pytest.param(None, id="null"),
        pytest.param(42, id="number"),
        pytest.param(True, id="bool"),
    ],
)
def test_other_shapes_are_malformed(body: Any) -> None:
    with pytest.raises(MalformedResponseError, match="must be an array or"):
        parse(body)


# --- row rules ---------------------------------------------------------------------------------


def test_ids_are_trimmed_and_blank_ids_skipped() -> None:
    report = parse_projection_report([row("  org/model \n"), row("   "), row(""), row(None), row(7)])
    assert [m.id for m in report.models] == ["org/model"]
    assert report.ignored == 2, "blank ids are skipped silently, as the reference does"
    assert report.skipped == ("entry without a string id", "entry without a string id")


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"id": "x/no-meta"}, id="missing"),
        pytest.param({"id": "x/no-meta", "metadata": None}, id="null"),
    ],
)
def test_rows_without_metadata_are_skipped_silently(entry: dict[str, Any]) -> None:
    report = parse_projection_report([entry, row("x/ok")])
    assert [m.id for m in report.models] == ["x/ok"]
    assert report.ignored == 1
    assert report.skipped == ()


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        pytest.param({"id": "x/bad", "metadata": ["tags"]}, "metadata is not an object", id="meta-list"),
        pytest.param({"id": "x/bad", "metadata": "chat"}, "metadata is not an object", id="meta-str"),
        pytest.param({"id": "x/bad", "metadata": {"tags": "chat"}}, "tags is not a list", id="tags-str"),
        pytest.param({"id": "x/bad", "metadata": {}}, "tags is not a list", id="tags-missing"),
        pytest.param("x/bad", "not an object", id="entry-str"),
    ],
)
def test_one_malformed_row_is_skipped_not_the_catalog(
    entry: Any, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="openclaw_deepinfra.catalog.wire"):
        report = parse_projection_report([row("x/first"), entry, row("x/last")])
    assert [m.id for m in report.models] == ["x/first", "x/last"]
    assert len(report.skipped) == 1
    assert reason in report.skipped[0]
    assert "skipped 1 malformed row" in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([{"id": "x/a", "metadata": "nope"}], id="only-bad-rows"),
        pytest.param([{"id": "x/a"}, {"id": "x/b", "metadata": None}], id="only-rows-without-metadata"),
        pytest.param({"data": [None, 1, "s"]}, id="only-junk"),
    ],
)
def test_non_empty_answer_with_no_survivor_is_malformed(body: Any) -> None:
    with pytest.raises(MalformedResponseError, match="metadata discovery unavailable"):
        parse(body)


def test_duplicate_ids_first_wins() -> None:
    report = parse_projection_report(
        [row("x/dup", tags=["chat"], context_length=1000), row("x/other"), row(" x/dup ", tags=["embed"])]
    )
    assert [m.id for m in report.models] == ["x/dup", "x/other"]
    assert report.models[0].tags == ("chat",)
    assert report.models[0].context_length == 1000
    assert report.duplicates == 1


def test_tags_keep_unknown_drop_non_strings_and_duplicates() -> None:
    (model,) = parse([row("x/a", tags=["chat", 3, None, "prompt_cache", "chat", " vlm ", "", {}])])
    assert model.tags == ("chat", "prompt_cache", "vlm")


def test_optional_text_fields() -> None:
    named, described = parse(
        [
            {"id": "x/a", "name": " Nice ", "metadata": {"tags": [], "description": 5}},
            row("x/b", description="d"),
        ]
    )
    assert (named.name, named.description) == ("Nice", None)
    assert (described.name, described.description) == (None, "d")


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(8192, 8192, id="int"),
        pytest.param("8192", 8192, id="digit-string"),
        pytest.param(" 8192 ", 8192, id="digit-string-padded"),
        pytest.param(8192.0, 8192, id="integral-float"),
        pytest.param(2**53 - 1, 2**53 - 1, id="max-safe"),
        pytest.param(2**53, None, id="beyond-safe"),
        pytest.param(0, None, id="zero"),
        pytest.param(-1, None, id="negative"),
        pytest.param("-1", None, id="negative-string"),
        pytest.param(1.5, None, id="float"),
        pytest.param(1024.5, None, id="float-big"),
        pytest.param("1.5", None, id="float-string"),
        pytest.param("1e3", None, id="exp-string"),
        pytest.param("abc", None, id="word"),
        pytest.param("", None, id="empty-string"),
        pytest.param("٨", None, id="non-ascii-digit"),
        pytest.param(math.inf, None, id="inf"),
        pytest.param(math.nan, None, id="nan"),
        pytest.param(True, None, id="true"),
        pytest.param(False, None, id="false"),
        pytest.param(None, None, id="null"),
        pytest.param([8192], None, id="list"),
    ],
)
def test_positive_int(value: Any, expected: int | None) -> None:
    assert positive_int(value) == expected


def test_numeric_fields_of_a_row() -> None:
    (model,) = parse(
        [
            row(
                "x/img",
                tags=["image-gen"],
                context_length="8192",
                max_tokens=-1,
                default_width=1024,
                default_height=1.5,
                default_iterations=True,
            )
        ]
    )
    assert model.context_length == 8192
    assert model.max_tokens is None
    assert (model.default_width, model.default_height, model.default_iterations) == (1024, None, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0.0),
        (0.09, 0.09),
        (2, 2.0),
        (-0.1, None),
        (math.inf, None),
        (math.nan, None),
        ("0.5", None),
        (True, None),
        (None, None),
    ],
)
def test_price(value: Any, expected: float | None) -> None:
    assert price(value) == expected


def test_pricing_keeps_only_valid_amounts() -> None:
    (model,) = parse(
        [
            row(
                "x/a",
                pricing={
                    "input_tokens": 0.1,
                    "output_tokens": "0.2",
                    "cache_read_tokens": -1,
                    "per_image_unit": 0,
                    "input_seconds": math.inf,
                },
            ),
        ]
    )
    assert dict(model.pricing) == {"input_tokens": 0.1, "per_image_unit": 0.0}
    (no_pricing,) = parse([row("x/b", pricing=["nope"])])
    assert dict(no_pricing.pricing) == {}


def test_wire_row_round_trip() -> None:
    original = CatalogModel(
        id="x/a",
        tags=("image-gen", "prompt_cache"),
        name="A",
        description="desc",
        context_length=10,
        pricing={"per_image_unit": 0.5},
        default_width=512,
        default_height=768,
        default_iterations=4,
    )
    assert parse([to_wire_row(original)]) == [original]
