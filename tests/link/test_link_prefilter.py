"""Scoring only the candidates whose match-weight bound reaches the kept weight gives
the same scored pairs as scoring every candidate."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from link_world import staged_first_pair

from linkready.link import diagnostic, predict, prefilter, training
from linkready.link.settings import TrainingConfig, blocking_rules, diagnostic_rules, on_pairs


@pytest.mark.parametrize("min_weight", [-20.0, 0.0])
def test_same_pairs_as_scoring_every_candidate(world_project: Path, min_weight: float
                                               ) -> None:
    from splink import Linker

    with staged_first_pair(world_project) as sp:
        be, rt, fields = sp.backend, sp.right_table, sp.fields
        linker, _ = training.build_linker(be, sp.left_table, rt, fields)
        training.train(linker, fields, TrainingConfig(u_max_pairs=2e4, em_max_pairs=2e4))
        model = training.model_dict(linker)
        be.stage("__t_sample", diagnostic.sample_sql(sp.left, 300, 1))
        rules = diagnostic_rules(fields)
        flags = {f"f{i}": on_pairs(r) for i, r in enumerate(blocking_rules(fields))}
        out = []
        for bounded in (False, True):
            db_api = be.db_api()
            inputs = [db_api.register("__t_sample", dataset_display_name="left"),
                      db_api.register(rt, dataset_display_name="right")]
            with training.quiet_splink():
                lk = Linker(inputs, {**model, "retain_matching_columns": True,
                                     "blocking_rules_to_generate_predictions": rules})
            if bounded:
                assert prefilter.register(lk, db_api, "__t_sample", rt, rules, min_weight)
                kept = be.to_arrow(f"SELECT count(*) AS n FROM {prefilter.BOUNDED_TABLE}"
                                   ).column("n")[0].as_py()
                candidates = be.to_arrow(
                    "SELECT count(*) AS n FROM (" + " UNION ".join(
                        f"SELECT l.record_id, r.record_id FROM __t_sample AS l "
                        f"JOIN {rt} AS r ON ({r})" for r in rules) + ")").column("n")[0].as_py()
                assert kept < candidates  # the bound leaves candidates out
            out.append(predict.predict_pairs(lk, min_weight, flags=flags))
            prefilter.drop(db_api)
            db_api.delete_tables_created_by_splink_from_db()
        be.drop("__t_sample")
    assert out[0].num_rows > 0
    assert out[1].equals(out[0])


def test_subsumed_rules_are_dropped() -> None:
    rules = ["l.dob = r.dob", "l.given_name = r.given_name AND l.dob = r.dob",
             "(l.x = 'a AND b') AND l.dob = r.dob", "l.postcode = r.postcode",
             "l.a = r.a OR l.b = r.b AND l.dob = r.dob", "l.dob = r.dob",
             "l.postcode = r.postcode AND l.sex = r.sex",
             "l.family_name IS NULL AND l.given_name = r.family_name"]
    # Rules brought in full by another go; an OR at the top keeps a rule whole; of two
    # identical rules the first stays.
    assert prefilter.without_subsumed(rules) == [
        "l.dob = r.dob", "l.postcode = r.postcode",
        "l.a = r.a OR l.b = r.b AND l.dob = r.dob",
        "l.family_name IS NULL AND l.given_name = r.family_name"]


def test_similarity_columns_are_computed_where_their_level_is_reached() -> None:
    from types import SimpleNamespace as NS

    def comp(n: int) -> NS:  # n levels, then the else level
        return NS(comparison_levels=[NS(_is_else_level=False)] * n + [NS(_is_else_level=True)])

    rewritten = ["a_l IS NULL", "a_l = a_r", "__lr_sim_0 >= 0.9", "__lr_sim_0 >= 0.7",
                 "b_l = b_r", "__lr_sim_1 >= 0.8",
                 "__lr_sim_1 >= 0.5"]  # the third comparison shares __lr_sim_1
    sims = {"__lr_sim_0": "jaro_winkler_similarity(a_l, a_r)",
            "__lr_sim_1": "jaro_winkler_similarity(c_l, c_r)"}
    lazy = prefilter._lazy_similarities([comp(4), comp(2), comp(1)], rewritten, sims)
    # Only a comparison's own similarity, computed unless an earlier level holds.
    assert lazy == {"__lr_sim_0": "(CASE WHEN a_l IS NULL THEN NULL WHEN a_l = a_r THEN "
                                  "NULL ELSE (jaro_winkler_similarity(a_l, a_r)) END)"}


def test_word_shares_are_read_once_where_a_level_reads_them() -> None:
    """The address levels' word shares become one per-pair column, computed only where
    a pair reaches a word-share level and Jaro-Winkler ≥ 0.7 holds; every pair gets the
    same level as from the comparison's own SQL."""
    import duckdb

    from linkready.link.settings import address_comparison
    from linkready.link.u_sampling import rewrite_levels

    levels = address_comparison().get_comparison("duckdb").comparison_levels
    conditions = [lv.sql_condition for lv in levels if not lv._is_else_level]
    rewritten, per_pair, _ = rewrite_levels(conditions)
    sims = {name: sql for sql, name in per_pair.items()}
    rewritten = prefilter._word_shares(rewritten, sims)
    shares = [n for n, sql in sims.items() if "list_intersect" in sql]
    assert len(shares) == 1 and all("list_intersect" not in c for c in rewritten)
    lazy = prefilter._lazy_similarities([SimpleNamespace(comparison_levels=levels)],
                                        rewritten, sims)
    guard = "WHEN ((jaro_winkler_similarity(address_line_l, address_line_r)) >= 0.7) IS " \
            "NOT TRUE THEN NULL"
    inline = prefilter._SIM
    share_sql = inline.sub(lambda m: f"({sims[m.group(0)]})", lazy[shares[0]])
    assert guard in share_sql

    def case(conds: list[str]) -> str:
        return "CASE " + " ".join(f"WHEN {c} THEN {i}" for i, c in enumerate(conds)) + \
            f" ELSE {len(conds)} END"

    def read(c: str) -> str:  # a shared similarity in place, an own one from its column
        return inline.sub(lambda m: m.group(0) if m.group(0) in lazy
                          else f"({sims[m.group(0)]})", c)

    words = ["1", "12A", "HIGH", "ST", "RD", "FLAT", "2", "THE", "GREEN", "LONDON"]
    addresses = [None, "", *(" ".join(words[i:i + n]) for n in (2, 3, 4)
                             for i in range(len(words) - n + 1)),
                 "1 HIGH ST", "1 HIGH RD", "FLAT 2 1 HIGH ST", "12A THE GREEN LONDON"]
    con = duckdb.connect()
    con.execute("CREATE TABLE a (v VARCHAR)")
    con.executemany("INSERT INTO a VALUES (?)", [[v] for v in addresses])
    columns = ", ".join(f"{inline.sub(lambda m: f'({sims[m.group(0)]})', lazy[n])} AS {n}"
                        for n in lazy)
    got = con.sql(
        f"SELECT {case(conditions)} AS want, {case([read(c) for c in rewritten])} AS got "
        f"FROM (SELECT *, {columns} FROM (SELECT x.v AS address_line_l, y.v AS "
        f"address_line_r FROM a AS x, a AS y))").fetchall()
    assert len(got) == len(addresses) ** 2
    assert len({w for w, _ in got}) == len(conditions) + 1  # every level is reached
    assert all(w == g for w, g in got)


def test_conjuncts_split_only_a_plain_conjunction() -> None:
    assert prefilter._conjuncts("a >= 0.7 AND (b OR c) AND d = 'x AND y'") == [
        "a >= 0.7", "(b OR c)", "d = 'x AND y'"]
    for sql in ("a OR b AND c", "a BETWEEN 1 AND 2", "CASE WHEN a AND b THEN 1 END = 1"):
        assert prefilter._conjuncts(sql) is None
