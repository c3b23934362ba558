"""u in two scans gives exactly the u Splink's own random sampling gives; u counted
exactly where it can be (and sampled for the rest) gives the u of every pair."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from link_world import staged_first_pair

from linkready.link import training, u_sampling
from linkready.link.settings import TrainingConfig
from linkready.link.u_sampling import estimate_u, guard_one_edit, rewrite_levels


def _model(linker: object) -> str:
    model = training.model_dict(linker)
    model.pop("linker_uid", None)
    return json.dumps(model, sort_keys=True)


@pytest.mark.parametrize(("max_pairs", "chunks"), [(5e4, 10), (2e4, 1)])
def test_same_u_as_splink(world_project: Path, max_pairs: float, chunks: int) -> None:
    with staged_first_pair(world_project) as sp:
        be, lt, rt, fields = sp.backend, sp.left_table, sp.right_table, sp.fields
        theirs, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            theirs.training.estimate_u_using_random_sampling(
                max_pairs=max_pairs, seed=7, num_chunks=chunks)
        # One query, and the buckets split between three queries run at once.
        for threads in (1, 3):
            sp.backend.workspace.execute(f"SET threads = {threads}")
            ours, _ = training.build_linker(be, lt, rt, fields)
            assert u_sampling.query_threads(ours._db_api) == threads
            with training.quiet_splink():
                estimate_u(ours, max_pairs, 7, num_chunks=chunks)
            assert _model(ours) == _model(theirs)
        sp.backend.workspace.execute("RESET threads")
        # and what training uses on DuckDB without exact counts is this method
        used, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            how = training.estimate_u(
                used, TrainingConfig(u_max_pairs=max_pairs, seed=7, u_exact=False), chunks)
        assert _model(used) == _model(theirs)
        assert how == {"method": training.U_SAMPLED}


def test_later_chunks_only_for_comparisons_short_of_the_minimum(
        world_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first chunk is counted for every comparison; the other chunks only for those
    still short of the minimum count per level (here the postcode meets a minimum of 1
    early, the DOB never does): u is still Splink's."""
    queries: list[tuple[str, ...]] = []
    sampler = u_sampling._sampler

    def spy(*args: object, **kwargs: object) -> object:
        comparisons, counts, drop = sampler(*args, **kwargs)

        def counted(names: list[str], which: tuple[int, ...] | None) -> object:
            queries.append(tuple(names))
            return counts(names, which)
        return comparisons, counted, drop

    monkeypatch.setattr(u_sampling, "_sampler", spy)
    with staged_first_pair(world_project) as sp:
        be, lt, rt = sp.backend, sp.left_table, sp.right_table
        fields = {"sex", "dob", "postcode"} & set(sp.fields)
        theirs, _ = training.build_linker(be, lt, rt, fields)
        ours, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            theirs.training.estimate_u_using_random_sampling(
                max_pairs=5e4, seed=7, num_chunks=10, min_count_per_level=1)
            estimate_u(ours, 5e4, 7, min_count_per_level=1, num_chunks=10)
    assert _model(ours) == _model(theirs)
    assert [set(q) for q in queries] == [fields, {"dob"}]


def _u(linker: object) -> dict[tuple[str, str], float | None]:
    model = training.model_dict(linker)
    return {(c["output_column_name"], lv["label_for_charts"]): lv.get("u_probability")
            for c in model["comparisons"] for lv in c["comparison_levels"]
            if not lv.get("is_null_level")}


def test_exact_u_is_the_u_of_every_pair(world_project: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """With a sample of every pair read whole, Splink's u is the u of every pair: the
    exact counts and the sampled shares must give the same numbers."""
    every = 1e8  # more than the pair's left × right pairs: the sample is everything
    monkeypatch.setattr(u_sampling, "EXACT_SAMPLE_STAGES", (tuple(range(10)),))
    with staged_first_pair(world_project) as sp:
        be, lt, rt, fields = sp.backend, sp.left_table, sp.right_table, sp.fields
        theirs, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            theirs.training.estimate_u_using_random_sampling(max_pairs=every, seed=1,
                                                             num_chunks=1)
        ours, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            how = u_sampling.estimate_u_exact(ours, every, 1)
    expected, got = _u(theirs), _u(ours)
    assert got.keys() == expected.keys()
    for key, u in expected.items():
        if u is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(u, rel=1e-9), key
    # The exact agreement of each name, DOB and postcode, and the swapped names, were
    # counted, not sampled; the NHS number's one-edit level was sampled.
    for name in ("given_name", "family_name", "dob", "postcode", "nhs_number"):
        assert how[name]["exact_levels"], name
    assert len(how["given_name"]["exact_levels"]) >= 3  # exact, swapped, one name
    assert how["nhs_number"]["exact_levels"] == ["exact"]
    assert "given and family swapped" in how["given_name"]["exact_levels"]


def test_exact_u_reads_the_sample_only_as_needed(world_project: Path) -> None:
    with staged_first_pair(world_project) as sp:
        be, lt, rt, fields = sp.backend, sp.left_table, sp.right_table, sp.fields
        linker, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            how = training.estimate_u(linker, TrainingConfig(u_max_pairs=2e5, seed=3, u_exact=True),
                                      None)
        again, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            training.estimate_u(again, TrainingConfig(u_max_pairs=2e5, seed=3, u_exact=True), None)
    assert _model(linker) == _model(again)  # seeded: the same u every time
    assert how["method"] == training.U_EXACT
    read = {name: c["sampled_pairs"] for name, c in how["comparisons"].items()}
    # The sex comparison (exact or not) needs no sample; some comparison stops at the
    # first tenth of the sample while another reads more of it.
    assert read["sex"] == 0
    assert min(v for v in read.values() if v) * 2 < max(read.values())


def test_rewritten_levels_give_the_same_values() -> None:
    """The one-edit guard, the shared similarity and the per-record extracts agree with
    the original SQL on every pair of a random set of strings."""
    rng = np.random.default_rng(3)
    digits = [str(x) for x in rng.integers(10**9, 10**10, 60)]
    at = rng.integers(0, 8, 20)
    near = [d[:i] + d[i + 1] + d[i] + d[i + 2:] for d, i in zip(digits[:20], at, strict=True)]
    subs = [d[:5] + "0" + d[6:] for d in digits[20:40]]
    values = digits + near + subs + ["12345678", "1234567", "ÀBCDEFGHIJ", "ABCDEFGHIJ", None]
    postcodes = ["NW1 2AB", "NW1 2AC", "NW12 9ZZ", "N1 1AA", "E1 4QQ", "bad", None]
    dates = ["2001-02-03", "2001-03-02", "2001-02-04", "2002-02-03", "1999-12-31", None]
    con = duckdb.connect()
    con.execute("CREATE TABLE l AS SELECT unnest($1) AS v, unnest($2) AS p, "
                "unnest($3)::DATE AS d",
                [values, (postcodes * 20)[:len(values)], (dates * 20)[:len(values)]])
    con.execute("CREATE TABLE r AS SELECT * FROM l")
    original = [
        "CASE WHEN v_l IS NULL OR v_r IS NULL THEN -1 WHEN v_l = v_r THEN 3 "
        "WHEN damerau_levenshtein(v_l, v_r) <= 1 THEN 2 "
        "WHEN jaro_winkler_similarity(v_l, v_r) >= 0.9 THEN 1 "
        "WHEN jaro_winkler_similarity(v_l, v_r) >= 0.7 THEN 0 ELSE -2 END AS g1",
        "CASE WHEN NULLIF(regexp_extract(\"p_l\", '^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? [0-9]', 0), "
        "'') = NULLIF(regexp_extract(\"p_r\", '^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? [0-9]', 0), '') "
        "THEN 1 ELSE 0 END AS g2",
        "CASE WHEN d_l IS NULL OR d_r IS NULL THEN -1 WHEN d_l = d_r THEN 3 "
        "WHEN year(d_l) = year(d_r) AND month(d_l) = day(d_r) AND day(d_l) = month(d_r) "
        "THEN 2 WHEN ((year(d_l) = year(d_r))::INT + (month(\"d_l\") = month(d_r))::INT "
        "+ (day(d_l) = day(d_r))::INT) = 2 THEN 1 ELSE 0 END AS g3",
    ]
    cols, per_pair, per_record = rewrite_levels(original)
    assert per_pair and per_record and "damerau_levenshtein(v_l, v_r) <= 1 END" in cols[0]
    assert "NULLIF" not in cols[1] and "year(" not in cols[2] and "month(" not in cols[2]
    rec = ", ".join(["*", *(f"{e} AS {n}" for e, n in per_record.items())])
    extra = "".join(f", {s}.{n} AS {n}_{s}" for n in per_record.values() for s in "lr")
    pairs = (f"SELECT l.v AS v_l, r.v AS v_r, l.p AS p_l, r.p AS p_r, l.d AS d_l, "
             f"r.d AS d_r{extra} "
             f"FROM (SELECT {rec} FROM l) l, (SELECT {rec} FROM r) r")
    sims = ", ".join(["*", *(f"{e} AS {n}" for e, n in per_pair.items())])
    before = con.sql(f"SELECT {', '.join(original)} FROM ({pairs}) ORDER BY ALL").fetchall()
    after = con.sql(f"SELECT {', '.join(cols)} FROM (SELECT {sims} FROM ({pairs})) "
                    "ORDER BY ALL").fetchall()
    assert after == before
    inline = [guard_one_edit(c) for c in original]  # as the DuckDB backend runs any SQL
    assert inline[0] != original[0] and inline[1:] == original[1:]
    assert con.sql(f"SELECT {', '.join(inline)} FROM ({pairs}) ORDER BY ALL").fetchall() \
        == before
    assert len({g for g, _, _ in before}) == 6  # every level of the first comparison seen
    assert {g for _, g, _ in before} == {0, 1} and {g for _, _, g in before} == {-1, 0, 1, 2, 3}


def test_hoisted_similarities_give_the_same_values() -> None:
    """Each similarity a CASE tests more than once is computed once per row, with the
    same value in every row; CASE inside a string and nested CASEs are left as they are
    meant."""
    from linkready.link.u_sampling import hoist_similarities

    names = ["JOHN", "JON", "JOHAN", "JONATHAN", "MARY", "MARIE", "MAREE", None, ""]
    con = duckdb.connect()
    con.execute("CREATE TABLE p AS SELECT a.v AS a_l, b.v AS a_r, a.v AS b_l, b.v AS b_r "
                "FROM (SELECT unnest($1) AS v) a, (SELECT unnest($1) AS v) b", [names])
    sql = ("SELECT 'CASE WHEN END' AS x, CASE WHEN a_l IS NULL OR a_r IS NULL THEN -1 "
           "WHEN a_l = a_r THEN 4 WHEN jaro_winkler_similarity(a_l, a_r) >= 0.92 THEN 3 "
           "WHEN jaro_winkler_similarity(a_l, a_r) >= 0.85 THEN (CASE WHEN "
           "jaro_similarity(b_l, b_r) > 0.8 THEN 2 ELSE 5 END) "
           "WHEN jaro_similarity(b_l, b_r) >= 0.7 AND jaro_winkler_similarity(a_l, a_r) "
           ">= 0.7 THEN 1 ELSE 0 END AS g, "
           "CASE WHEN jaro_winkler_similarity(b_l, b_r) > 0.5 THEN 1 END AS once FROM p")
    hoisted = hoist_similarities(sql)
    assert hoisted.count("jaro_winkler_similarity(a_l, a_r)") == 1
    assert hoisted.count("jaro_similarity(b_l, b_r)") == 1
    assert "'CASE WHEN END'" in hoisted and "CASE WHEN jaro_winkler_similarity(b_l" in hoisted
    before = con.sql(sql + " ORDER BY ALL").fetchall()
    assert con.sql(hoisted + " ORDER BY ALL").fetchall() == before
    assert len({g for _, g, _ in before}) == 7  # every value of g is reached
    assert hoist_similarities("SELECT 1") == "SELECT 1"
    in_lambda = ("SELECT list_transform([['A', 'B']], lambda x: CASE WHEN "
                 "jaro_similarity(x[1], x[2]) > 0.9 THEN 1 WHEN jaro_similarity(x[1], x[2]) "
                 "> 0.5 THEN 2 ELSE 0 END)")
    assert hoist_similarities(in_lambda) == in_lambda


def test_nested_conjunctions_take_the_same_branches() -> None:
    """``WHEN a AND b AND c`` nested as CASEs takes the same branch as the conjunction on
    every row, nulls included; OR, BETWEEN, simple CASE operands, plain comparisons,
    strings and comments are left alone."""
    from linkready.link.u_sampling import nest_conjunctions, prepare_sql

    vals = [None, 0, 1, 2]
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT a.v AS a, b.v AS b, c.v AS c FROM "
                "(SELECT unnest($1) AS v) a, (SELECT unnest($1) AS v) b, "
                "(SELECT unnest($1) AS v) c", [vals])
    sql = ("SELECT a, b, c, CASE WHEN a IS NULL AND abs(b) = 1 THEN -1 "
           "WHEN a = 1 AND (b = 1 OR c = 2) AND abs(c) > 0 THEN 1 "
           "WHEN (CASE WHEN a = 2 AND abs(b) > 0 THEN true END) AND abs(c) <> 1 THEN 2 "
           "WHEN a = b OR b = c AND abs(c) = 0 THEN 3 WHEN b BETWEEN 1 AND 1 THEN 4 "
           "WHEN a = 0 AND b = 2 THEN 7 "
           "ELSE CASE a > 0 AND abs(b) > 0 WHEN true THEN 5 WHEN c = 1 AND abs(b) = 0 THEN 6 "
           "END END AS g, 'WHEN x AND y THEN' AS s FROM t")
    nested = nest_conjunctions(sql)
    # 1 + 2 + (1 + 1 in the inner CASE); not the simple CASE's WHEN c = 1 AND abs(b) = 0,
    # nor a conjunction of plain comparisons (no call to spare)
    assert nested.count("ELSE false END") == 5
    assert "WHEN a = 0 AND b = 2 THEN 7" in nested
    assert "WHEN a = b OR b = c AND abs(c) = 0 THEN 3" in nested
    assert "WHEN b BETWEEN 1 AND 1 THEN 4" in nested
    assert "CASE a > 0 AND abs(b) > 0 WHEN true" in nested  # a simple CASE's operand
    assert "'WHEN x AND y THEN'" in nested
    before = con.sql(sql + " ORDER BY ALL").fetchall()
    assert con.sql(nested + " ORDER BY ALL").fetchall() == before
    assert len({row[3] for row in before}) == 9  # every branch (and null) is reached
    assert nest_conjunctions("SELECT 1 -- CASE WHEN a AND b THEN") \
        == "SELECT 1 -- CASE WHEN a AND b THEN"
    assert prepare_sql(sql) == nested  # the backend runs every query nested


def test_parallel_queries_keep_order_and_stop_on_error() -> None:
    """Queries run at once give their rows in query order; a failing one raises its
    error after the others have stopped, and the connection stays usable."""
    from linkready.link.u_sampling import run_queries, split_buckets

    assert split_buckets(tuple(range(7)), 3) == [(0, 3, 6), (1, 4), (2, 5)]
    assert split_buckets((4,), 2) == [(4,)]

    class Api:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self.duckdb_con = con

        def _execute_sql_against_backend(self, sql: str) -> duckdb.DuckDBPyRelation:
            return self.duckdb_con.sql(sql)

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(10)")
    api = Api(con)
    sqls = [f"SELECT i FROM t WHERE i % 3 = {k} ORDER BY i" for k in range(3)]
    assert [r["i"] for r in run_queries(api, sqls)] == [0, 3, 6, 9, 1, 4, 7, 2, 5, 8]
    assert [r["i"] for r in run_queries(api, sqls[:1])] == [0, 3, 6, 9]
    with pytest.raises(duckdb.Error):
        run_queries(api, [sqls[0], "SELECT no_such_column FROM t"])
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(10,)]


def test_similarity_short_cut_gives_the_same_levels() -> None:
    """The first way out added before the levels that all need a similarity (``WHEN s <
    t THEN <ELSE value>``) gives every pair the level the CASE gave it, nulls included,
    for Splink's own name and address comparisons as the backend runs them; a CASE
    whose last level does not need the similarity, or a simple CASE, is left alone."""
    from linkready.link.settings import settings_creator
    from linkready.link.u_sampling import prepare_sql, short_cut_similarity_levels

    settings = settings_creator({"given_name", "family_name", "address_line"}, 1e-4,
                                "duckdb").get_settings("duckdb")
    gammas = [c._case_statement for c in settings.comparisons]
    names = ["JOHN", "JON", "JOHAN", "SMITH", "SMYTH", "MARY", "MARTHA", "SMITH JONES",
             None]
    addresses = ["12 HIGH STREET LEEDS", "12 HIGH ST LEEDS", "12A HIGH STREET LEEDS",
                 "HIGH STREET 12 LEEDS", "4 MILL LANE YORK", "MILL LANE", None]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE p AS SELECT g.v AS given_name_l, f.v AS family_name_l, "
        "a.v AS address_line_l, g2.v AS given_name_r, f2.v AS family_name_r, "
        "a2.v AS address_line_r FROM (SELECT unnest($1) AS v) g, (SELECT unnest($1) AS v) "
        "f, (SELECT unnest($2) AS v) a, (SELECT unnest($1) AS v) g2, "
        "(SELECT unnest($1) AS v) f2, (SELECT unnest($2) AS v) a2 "
        "WHERE hash(g.v, f.v, a.v, g2.v, f2.v, a2.v) % 7 = 0", [names, addresses])
    sql = f"SELECT {', '.join(gammas)} FROM p"
    ran = prepare_sql(sql)
    assert ran.count("< 0.7 THEN 0 WHEN") == 3  # both names and the address
    before = con.sql(sql + " ORDER BY ALL").fetchall()
    assert con.sql(ran + " ORDER BY ALL").fetchall() == before
    # every level of every comparison is reached (the short cut is tested where it
    # matters: the pairs it sends to ELSE, and the ones it lets through)
    assert [len({row[j] for row in before}) for j in range(3)] == [10, 10, 8]
    alone = ("SELECT CASE WHEN a IS NULL THEN -1 WHEN __lr_s0 >= 0.9 THEN 2 "
             "WHEN __lr_s0 >= 0.7 OR b = 1 THEN 1 ELSE 0 END, "
             "CASE __lr_s0 >= 0.9 WHEN true THEN 1 ELSE 0 END FROM t")
    assert short_cut_similarity_levels(alone) == alone
    guarded = short_cut_similarity_levels(
        "SELECT CASE WHEN __lr_sim_1 >= 0.9 THEN 2 WHEN (__lr_sim_1 >= .8 AND c) "
        "THEN 1 ELSE 'x' END")
    assert guarded == ("SELECT CASE WHEN __lr_sim_1 < .8 THEN 'x' WHEN __lr_sim_1 >= 0.9 "
                       "THEN 2 WHEN (__lr_sim_1 >= .8 AND c) THEN 1 ELSE 'x' END")


def test_pair_condition_dropped_only_where_every_pair_meets_it() -> None:
    """u sampling joins its two samples without Splink's pair condition (l uid < r uid,
    sources different) only where the source names decide it for every pair: not when
    the smaller name is a prefix of the larger, nor under a default collation."""
    from types import SimpleNamespace

    from linkready.link.u_sampling import _every_pair_kept

    con = duckdb.connect()
    api = SimpleNamespace(duckdb_con=con)

    def kept(left: str, right: str, ids: list[str]) -> tuple[bool, bool]:
        con.execute("CREATE OR REPLACE TABLE s AS SELECT * FROM (VALUES "
                    + ", ".join(f"('{n}', '{i}')" for n in (left, right) for i in ids)
                    + ") AS t(source_dataset, record_id)")
        # Splink's condition on every pair of the first source and the second
        every = con.sql(
            "WITH u AS (SELECT source_dataset AS s, source_dataset || '-__-' || record_id "
            "AS uid FROM s), l AS (SELECT * FROM u WHERE s = (SELECT min(s) FROM u)), "
            "r AS (SELECT * FROM u WHERE s = (SELECT max(s) FROM u)) "
            "SELECT bool_and(l.uid < r.uid AND l.s <> r.s) FROM l, r").fetchall()[0][0]
        return _every_pair_kept(api, "s", "source_dataset"), every

    ids = ["1", "a", "Z", "~", "-"]
    assert kept("left", "right", ids) == (True, True)
    assert kept("acute", "gp_register", ids) == (True, True)
    assert kept("a", "a-!", ids) == (False, False)  # a prefix: the pairs fail it
    assert kept("a", "a-b", ids) == (False, True)  # a prefix: not decided by the names
    con.execute("SET default_collation = 'nocase'")
    assert kept("left", "right", ids)[0] is False
