"""Exact blocking counts from the union of the rules' pairs equal Splink's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from link_world import staged_first_pair

from linkready.link import predict, training
from linkready.link.settings import blocking_rules, loosening_rules


def test_union_counts_equal_splinks(world_project: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with staged_first_pair(world_project) as sp:
        _, inputs = training.build_linker(sp.backend, sp.left_table, sp.right_table,
                                          sp.fields)
        rules = blocking_rules(sp.fields) + loosening_rules(sp.fields)
        records = sp.records
        assert predict._union_marginals(inputs, rules) is not None  # the fast path runs
        ours = predict.comparison_counts(inputs, rules, records)
        # in another order, so that a rule's marginal depends on which came before
        ours_rev = predict.comparison_counts(inputs, rules[::-1], records)
        monkeypatch.setattr(predict, "UNION_MAX_PAIRS", 0)  # Splink's count
        assert predict._union_marginals(inputs, rules) is None
        assert ours == predict.comparison_counts(inputs, rules, records)
        assert ours_rev == predict.comparison_counts(inputs, rules[::-1], records)
        assert ours["rules"][-1]["cumulative"] > ours["rules"][0]["cumulative"] > 0


def test_counts_on_demand_equal_the_union_counts(world_project: Path) -> None:
    with staged_first_pair(world_project) as sp:
        _, inputs = training.build_linker(sp.backend, sp.left_table, sp.right_table,
                                          sp.fields)
        base, loose = blocking_rules(sp.fields), loosening_rules(sp.fields)
        assert predict.counts_on_demand(inputs, sp.records)
        whole = [r["cumulative"] for r in predict.comparison_counts(
            inputs, base + loose, sp.records)["rules"]]
        first = [r["cumulative"] for r in predict.comparison_counts(
            inputs, base, sp.records)["rules"]]
        lazy = predict.Cumulative(inputs, base + loose, first)
        # asked out of order, and past the last rule
        assert [lazy.get(i) for i in (len(whole) - 1, *range(len(whole)))] == \
            [whole[-1], *whole]
        assert lazy.get(len(whole), 0) == 0
        # the pairs counted so far are dropped once every rule is counted
        con = inputs[0].db_api.duckdb_con
        left = "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__lr_cumulative%'"
        assert con.execute(left).fetchall()[0][0] == 0
        assert whole[-1] > whole[len(base) - 1]  # the looser rules add pairs
        # with a cap, counts up to it are exact and the first past it is above it
        # (a cap at the last count: every rule counted, the first by its conditions)
        for cap in ((whole[len(base) - 1] + whole[-1]) // 2, whole[-1]):
            capped = predict.Cumulative(inputs, base + loose, first, cap=cap)
            for i, n in enumerate(whole):
                got = capped.get(i)
                assert got == n if n <= cap else got > cap
            assert con.execute(left).fetchall()[0][0] == 0  # and once past the cap


def test_one_side_calls_become_record_columns() -> None:
    rules, cols = predict.one_side_columns([
        "l.x = r.x AND year(l.dob) = year(r.dob)",
        "nullif(substr(l.a, 1, 2), '') = nullif(substr(r.a, 1, 2), '')",
        "jaro_winkler_similarity(l.a, r.a) > 0.9"])
    assert rules == ["l.x = r.x AND l.__lr_c0 = r.__lr_c0", "l.__lr_c2 = r.__lr_c2",
                     "jaro_winkler_similarity(l.a, r.a) > 0.9"]
    assert cols == {"year(dob)": "__lr_c0", "nullif(substr(a, 1, 2), '')": "__lr_c2"}


def test_union_blocked_pairs_are_splinks(world_project: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The blocked pairs handed to Splink (the union of the rules' joins, each pair under
    its first rule) are Splink's own, match keys included, and the scored pairs the same
    as when Splink blocks; a chunked prediction or a registered table is left to Splink."""
    from linkready.link.settings import TrainingConfig

    with staged_first_pair(world_project) as sp:
        linker, inputs = training.build_linker(sp.backend, sp.left_table, sp.right_table,
                                               sp.fields)
        training.train(linker, sp.fields, TrainingConfig(u_max_pairs=2e4, em_max_pairs=5e4))
        rules = blocking_rules(sp.fields) + loosening_rules(sp.fields)
        linker = training.relink(linker, inputs, training.model_dict(linker), rules,
                                 "duckdb")
        con = sp.backend.workspace
        drop = predict.union_blocked_pairs(linker)
        assert drop is not None
        table = "SELECT match_key, join_key_l, join_key_r FROM {} ORDER BY ALL"
        ours = con.sql(table.format(predict.UNION_PAIRS_TABLE)).fetchall()
        drop()
        theirs = linker.inference.compute_blocked_pairs_for_predict()
        assert ours == con.sql(table.format(theirs.physical_name)).fetchall()
        assert len({k for k, _, _ in ours}) > 3  # pairs under several rules
        # a table already there (Splink's own, or one registered) is left alone
        assert predict.union_blocked_pairs(linker) is None
        theirs.drop_table_from_database_and_remove_from_cache()
        scored = predict.predict_pairs(linker, -10.0)
        assert predict.predict_pairs(linker, -10.0, {"num_chunks_left": 2}) == scored
        monkeypatch.setattr(predict, "union_blocked_pairs", lambda _: None)
        assert predict.predict_pairs(linker, -10.0) == scored
        assert scored.num_rows > 0
