"""Memoised column-name parsing gives Splink the same column references and SQL."""

from __future__ import annotations

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
