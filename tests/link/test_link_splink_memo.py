"""Memoised column-name parsing gives Splink the same column references and SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkready.link import splink_memo


def test_memoised_names_render_as_splink_renders_them() -> None:
    from splink.internals.input_column import InputColumn, SqlglotColumnTreeBuilder

    splink_memo.install()
    splink_memo.install()  # idempotent
    parse = SqlglotColumnTreeBuilder.from_raw_column_name_or_column_reference
    for name in ("given_name", "first name", "coords['lat']", "group"):
        a, b = parse(name, "duckdb"), parse(name, "duckdb")
        assert a is b  # parsed once
        # The memoised SQL is what the builder's own sqlglot tree renders.
        assert a.sql == a.as_sqlglot_tree.sql(dialect="duckdb")
    col = InputColumn("first name", sqlglot_dialect_str="duckdb")
    assert (col.name, col.name_l, col.tf_name_r) == ('"first name"', '"first name_l"',
                                                    '"tf_first name_r"')
    # The parsed references are Splink's own.
    assert parse("given_name", "duckdb") == SqlglotColumnTreeBuilder(
        column_name="given_name", sqlglot_dialect="duckdb")
    assert parse("coords['lat']", "duckdb").bracket_key == "lat"


def test_memoised_parse_gives_equal_independent_trees() -> None:
    import sqlglot
    import sqlglot.expressions as exp

    calls: list[str] = []

    def parse(sql: str, **kwargs: object) -> exp.Expression:
        calls.append(sql)
        return sqlglot.parse_one(sql, **kwargs)

    memo = splink_memo.memo_parse_one(parse)
    sql = "jaro_winkler_similarity(given_name_l, given_name_r) >= 0.92"
    a = memo(sql, read="duckdb")
    b = memo(sql, read="duckdb")
    assert calls == [sql]  # parsed once
    assert a == b == sqlglot.parse_one(sql, read="duckdb")
    # A caller changing its tree does not change what the next caller gets.
    a.find(exp.Column).set("this", exp.to_identifier("family_name_l"))
    assert memo(sql, read="duckdb").sql() == b.sql() != a.sql()
    # Other options are another entry; bad SQL raises every time and is not kept.
    memo(sql, read="spark")
    assert len(calls) == 2
    for _ in range(2):
        try:
            memo("SELECT (", read="duckdb")
        except sqlglot.ParseError:
            pass
        else:
            raise AssertionError("bad SQL parsed")
    assert calls.count("SELECT (") == 2


def test_install_memoises_sqlglot_parse_one_for_splink() -> None:
    import sqlglot
    from splink.internals import comparison_level_library

    splink_memo.install()
    assert getattr(sqlglot.parse_one, "__wrapped__", None) is not None
    assert comparison_level_library.parse_one is sqlglot.parse_one


def test_memoised_exact_match_test_agrees_with_splink() -> None:
    from splink.internals.comparison_level import ComparisonLevel

    from linkready.link.settings import comparisons

    splink_memo.install()
    splink_own = splink_memo.ORIGINAL["is_exact_match"]
    assert ComparisonLevel._is_exact_match.fget is not splink_own
    fields = {"nhs_number", "given_name", "family_name", "middle_names", "dob", "postcode",
              "sex", "address_line"}
    seen = set()
    for comp in comparisons(fields):
        for level in comp.get_comparison("duckdb").comparison_levels:
            for _ in range(2):  # computed, then remembered
                assert level._is_exact_match == bool(splink_own(level))
            seen.add(level._is_exact_match)
    assert seen == {True, False}


def test_duckdb_columns_as_splink_reads_them(tmp_path: Path) -> None:
    import duckdb
    from splink import DuckDBAPI
    from splink.internals.duckdb.dataframe import DuckDBDataFrame

    splink_memo.install()
    splink_own = splink_memo.ORIGINAL["columns"]
    assert DuckDBDataFrame.columns.fget is not splink_own
    ws = duckdb.connect(str(tmp_path / "ws.duckdb"))
    ws.execute("CREATE TABLE records AS SELECT 1 AS record_id, 'x' AS given_name")
    ws.close()
    con = duckdb.connect()
    con.execute(f"ATTACH '{tmp_path / 'ws.duckdb'}' AS ws (READ_ONLY)")
    con.execute('CREATE TABLE __lr_left AS SELECT 1 AS record_id, 2 AS "given name", '
                "DATE '2000-01-01' AS dob, 'a' AS zeta, 'b' AS alpha")
    api = DuckDBAPI(connection=con)
    for name in ("__lr_left", "no_such_table"):
        df = DuckDBDataFrame(name, name, api)
        assert [c.name for c in df.columns] == [c.name for c in splink_own(df)]
    assert [c.unquote().name for c in DuckDBDataFrame("t", "__lr_left", api).columns] == \
        ["record_id", "given name", "dob", "zeta", "alpha"]


def test_memoised_level_sql_check_agrees_with_splink() -> None:
    """A level's SQL is checked as Splink checks it: parsable SQL passes (again from
    memory), unparsable SQL raises every time."""
    from splink.internals.comparison_level import ComparisonLevel

    from linkready.link.settings import comparisons

    splink_memo.install()
    splink_own = splink_memo.ORIGINAL["validate_sql"]
    assert ComparisonLevel._validate_sql is not splink_own
    for comp in comparisons({"given_name", "dob", "postcode"}):
        for level in comp.get_comparison("duckdb").comparison_levels:
            for _ in range(2):
                assert level._validate_sql() is splink_own(level) is True
    level = comp.get_comparison("duckdb").comparison_levels[1]
    level._sql_condition = "l.dob = = r.dob"
    for _ in range(2):
        with pytest.raises(ValueError, match="Error parsing"):
            level._validate_sql()


def test_duckdb_api_opens_no_scratch_connection_until_one_is_used() -> None:
    """A Splink DuckDBAPI runs on the connection it is given; the scratch in-memory
    connection every DatabaseAPI makes is opened only when something uses it, and then
    works as a connection."""
    import duckdb
    from splink import DuckDBAPI

    splink_memo.install()
    con = duckdb.connect()
    api = DuckDBAPI(connection=con)
    assert api.duckdb_con is con
    scratch = api._ddb_con
    assert isinstance(scratch, splink_memo._LazyConnection) and scratch._con is None
    assert scratch.sql("SELECT 41 + 1").fetchall() == [(42,)]
    assert isinstance(scratch.opened(), duckdb.DuckDBPyConnection)
    assert scratch.opened() is scratch.opened()  # one connection, kept
