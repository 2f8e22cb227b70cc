"""Request planning and reassembly: pure functions, so tables and properties."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openclaw_deepinfra.surfaces.embeddings.batching import (
    MAX_INPUTS_PER_REQUEST,
    describe_ranges,
    estimate_tokens,
    inputs_per_request,
    plan_requests,
    reassemble,
)


@pytest.mark.parametrize(
    ("count", "sizes"),
    [
        (0, []),
        (1, [1]),
        (1024, [1024]),
        (1025, [1024, 1]),
        (2048, [1024, 1024]),
        (5000, [1024, 1024, 1024, 1024, 904]),
    ],
)
def test_splits_at_1024_inputs(count: int, sizes: list[int]) -> None:
    ranges = plan_requests([5] * count)
    assert [len(r) for r in ranges] == sizes
    assert all(len(r) <= MAX_INPUTS_PER_REQUEST for r in ranges)


def test_splits_at_the_token_budget_before_the_input_limit() -> None:
    # 10 inputs of 40 tokens under a 100-token budget: 2 per request, never 3 (120 > 100)
    ranges = plan_requests([40] * 10, token_budget=100)
    assert ranges == [range(i, i + 2) for i in range(0, 10, 2)]


def test_a_budget_exactly_filled_closes_the_request() -> None:
    assert plan_requests([50, 50, 50], token_budget=100) == [range(0, 2), range(2, 3)]


def test_an_input_over_the_per_input_cap_travels_alone() -> None:
    ranges = plan_requests([10, 10, 9000, 10], max_input_tokens=8192)
    assert ranges == [range(0, 2), range(2, 3), range(3, 4)]


def test_an_input_over_the_whole_budget_travels_alone() -> None:
    assert plan_requests([5, 500, 5], token_budget=100) == [range(0, 1), range(1, 2), range(2, 3)]


@given(
    st.lists(st.integers(min_value=1, max_value=400), max_size=300),
    st.integers(min_value=1, max_value=50),
    st.integers(min_value=1, max_value=1000),
)
def test_plan_covers_every_input_once_in_order_within_limits(
    counts: list[int], max_inputs: int, budget: int
) -> None:
    ranges = plan_requests(counts, max_inputs=max_inputs, token_budget=budget)
    assert [i for r in ranges for i in r] == list(range(len(counts)))
    for rng in ranges:
        assert 1 <= len(rng) <= max_inputs
        if len(rng) > 1:
            assert sum(counts[i] for i in rng) <= budget


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("", 1), ("abc", 2), ("abcd", 3), ("x" * 300, 101), ("日本語", 4)],  # 9 UTF-8 bytes -> 3 + 1
)
def test_token_estimate_is_utf8_bytes_over_three_rounded_up_plus_one(text: str, tokens: int) -> None:
    assert estimate_tokens(text) == tokens


@pytest.mark.parametrize(
    ("dims", "expected"), [(None, 1024), (384, 1024), (1024, 1024), (2560, 409), (4096, 256)]
)
def test_wide_models_carry_fewer_inputs_per_request(dims: int | None, expected: int) -> None:
    assert inputs_per_request(dims) == expected


def test_reassembly_restores_input_order_from_any_arrival_order() -> None:
    ranges = plan_requests([1] * 2500)
    parts = [(rng, [[float(i)] for i in rng]) for rng in ranges]
    random.Random(7).shuffle(parts)
    assert reassemble(2500, parts) == [[float(i)] for i in range(2500)]


@pytest.mark.parametrize(
    "parts",
    [
        [(range(0, 2), [[0.0]])],  # short answer
        [(range(0, 1), [[0.0]]), (range(2, 3), [[2.0]])],  # a hole
    ],
)
def test_reassembly_refuses_answers_that_do_not_tile_the_input(
    parts: list[tuple[range, list[list[float]]]],
) -> None:
    with pytest.raises(ValueError):
        reassemble(3, parts)


@pytest.mark.parametrize(
    ("ranges", "text"),
    [
        ([range(0, 1024)], "0-1023"),
        ([range(5, 6)], "5"),
        ([range(2048, 3072), range(0, 1024)], "0-1023, 2048-3071"),
        ([range(0, 10), range(10, 20)], "0-19"),
    ],
)
def test_failed_ranges_are_described_inclusively_and_merged(ranges: list[range], text: str) -> None:
    assert describe_ranges(ranges) == text
