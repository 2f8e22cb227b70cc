"""The README's retry table is the one `transport/retry.py` renders from its own data, and that
data says what the retry functions do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openclaw_deepinfra.transport.retry import (
    SURFACE_RETRIES,
    RetryPolicy,
    SurfaceRetry,
    decide_retry,
    retry_table_markdown,
)

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"<!-- retry-table:start -->\n(.*?)\n<!-- retry-table:end -->", re.S)


def test_the_readme_retry_table_is_the_rendered_one() -> None:
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    assert found is not None, "README.md lost its retry-table markers"
    assert found.group(1) == retry_table_markdown(), (
        "README.md's retry table differs from transport/retry.py; paste retry_table_markdown() output"
    )


def test_no_other_readme_sentence_claims_blanket_5xx_retries() -> None:
    text = BLOCK.sub("", README.read_text(encoding="utf-8"))
    for claim in (r"408, 429 and 5xx", r"408/429/5xx", r"retried on 5xx"):
        assert not re.search(claim, text), claim


@pytest.mark.parametrize("row", SURFACE_RETRIES, ids=lambda row: row.call)
def test_each_rows_columns_match_what_decide_retry_does(row: SurfaceRetry) -> None:
    policy = RetryPolicy(max_retries=2, kind=row.kind)
    retried = {s for s in range(400, 600) if decide_retry(policy, attempt=0, status=s, method="POST")}
    line = next(line for line in retry_table_markdown().splitlines() if line.startswith(f"| {row.call} |"))
    _call, retried_cell, never_cell = (cell.strip() for cell in line.strip("|").split("|"))
    for status in (408, 429, 500, 502, 503, 504):
        said_retried = str(status) in retried_cell or ("every 5xx" in retried_cell and status >= 500)
        assert said_retried == (status in retried), (row.call, status)
        if status not in retried:
            assert str(status) in never_cell or "5xx" in never_cell, (row.call, status)
    assert retried_cell.startswith("connect errors")
