"""The diagnostic sample's cost follows the sample, not the sources (diagnostic.sample_size)."""

from __future__ import annotations

import duckdb

from linkready.link import diagnostic
from linkready.link.backends import DuckDBBackend


def _backend(left: int, right: int) -> DuckDBBackend:
    con = duckdb.connect()
    # Every right record shares the left records' key: left × right pairs in all.
    con.execute(f"CREATE TABLE s AS SELECT range::VARCHAR AS record_id, 'A' AS k "
                f"FROM range({left})")
    con.execute(f"CREATE TABLE r AS SELECT range::VARCHAR AS record_id, 'A' AS k "
                f"FROM range({right})")
    return DuckDBBackend(con, spill=False)


def test_sample_kept_while_pairs_within_budget() -> None:
    be = _backend(100, 50)  # 5,000 pairs
    assert diagnostic.sample_size(be, "s", "r", ["l.k = r.k"], 100, budget=5_000,
                                  least=10) == 100


def test_sample_shrinks_in_proportion_above_budget_with_a_floor() -> None:
    be = _backend(100, 50)
    # Two rules bringing the same pairs count twice: 10,000 pairs for 100 records.
    rules = ["l.k = r.k", "l.record_id = l.record_id AND l.k = r.k"]
    assert diagnostic.sample_size(be, "s", "r", rules, 100, budget=2_500, least=10) == 25
    assert diagnostic.sample_size(be, "s", "r", rules, 100, budget=500, least=10) == 10
