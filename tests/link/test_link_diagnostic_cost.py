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


class _Counted(dict):
    """Cumulative counts that record which rules were asked for."""

    def __init__(self, values: dict[int, int]) -> None:
        super().__init__(values)
        self.asked: list[int] = []

    def get(self, i: int, default: int = 0) -> int:  # type: ignore[override]
        self.asked.append(i)
        return super().get(i, default)


def _budget_first(diag, q, base, candidates, cumulative, budget, min_gain):
    """choose() as it was: the budget tested before the gain, for every candidate."""
    import numpy as np
    import pandas as pd

    left = np.asarray(diag.pairs.column("record_id_l").to_numpy(zero_copy_only=False))
    codes, _ = pd.factorize(left)
    best = np.zeros(int(codes.max()) + 1 if len(codes) else 0)
    covered = diagnostic.flags(diag, base)
    np.maximum.at(best, codes[covered], q[covered])
    chosen = []
    for i in candidates:
        if cumulative.get(i, 0) > budget:
            break
        hit = diagnostic.flags(diag, [i])
        new = best.copy()
        np.maximum.at(new, codes[hit], q[hit])
        if float((new - best).sum()) >= min_gain:
            chosen.append(i)
            best = new
    return chosen


def test_choice_counts_only_rules_that_gain_and_chooses_as_before() -> None:
    """Loosening counts a rule's comparisons only when the rule would be added; the
    rules chosen are those of testing the budget first, on random diagnostics."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(7)
    for _ in range(200):
        n_rules, pairs = 6, int(rng.integers(1, 40))
        cols = {"record_id_l": pa.array(rng.integers(0, 10, pairs).astype(str))}
        for i in range(n_rules):
            cols[diagnostic.flag(i)] = pa.array(rng.random(pairs) < 0.3)
        diag = diagnostic.Diagnostic(np.arange(10), pa.table(cols), ["1 = 1"], pairs)
        q = rng.random(pairs)
        cumulative = dict(enumerate(np.cumsum(rng.integers(0, 50, n_rules)).tolist()))
        budget = float(rng.integers(0, 200))
        counted = _Counted(cumulative)
        got = diagnostic.choose(diag, q, [0], list(range(1, n_rules)), counted, budget, 0.5)
        assert got == _budget_first(diag, q, [0], list(range(1, n_rules)), cumulative,
                                    budget, 0.5)
        # Counted: each rule chosen, and at most the one over the budget after them.
        assert counted.asked[:len(got)] == got and len(counted.asked) <= len(got) + 1
