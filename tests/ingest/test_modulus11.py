"""The SQL Modulus-11 rule agrees with linkready.nhs (itself tested against nhs-number)."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from linkready.ingest._sql import nhs_number_sql
from linkready.nhs import is_valid, valid_test_range_numbers


def sql_issues(numbers: list[str]) -> list[str | None]:
    fs = nhs_number_sql("raw")
    con = duckdb.connect()
    con.register("t", pa.table({"raw": numbers}))
    rel = "t"
    for layer in fs.prep:  # each layer may use the columns of the one before
        cols = ", ".join(f"{e} AS {n}" for n, e in layer.items())
        rel = f"(SELECT *, {cols} FROM {rel})"
    sql = f"SELECT {fs.issue} FROM {rel}"
    return [r[0] for r in con.execute(sql).fetchall()]


def test_sql_rule_matches_numpy_rule() -> None:
    """On 20,000 random ten-digit numbers and 5,000 valid ones, SQL and NumPy agree."""
    rng = np.random.default_rng(5)
    numbers = np.concatenate([rng.integers(0, 10_000_000_000, 20_000),
                              rng.choice(valid_test_range_numbers(), 5_000),
                              np.array([1111111111, 0, 9999999999])])
    text = [f"{n:010d}" for n in numbers]
    issues = sql_issues(text)
    placeholders = {"0123456789", "1234567890", "9876543210"}
    for t, n, issue in zip(text, numbers, issues, strict=True):
        expected_valid = bool(is_valid([n])[0]) and t not in placeholders
        assert (issue is None) == expected_valid, (t, issue)
