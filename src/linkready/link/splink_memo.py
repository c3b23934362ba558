"""Memoise Splink's parsing and rendering of column names.

Splink 5 builds each column reference (``SqlglotColumnTreeBuilder``, a frozen dataclass)
by parsing its name with sqlglot, and renders its SQL by building a sqlglot tree, every
time it writes SQL: thousands of times per pair, for a few dozen names. Both are pure
functions of immutable values, so each distinct name is parsed, and each distinct
reference rendered, once per process; Splink's SQL, and so every result, is unchanged.
Splink offers no public hook for this: the class's two members are replaced in place.

Splink also parses the SQL of every comparison level and blocking rule with
``sqlglot.parse_one`` several times whenever a linker is built, validated or trained
(about 800 parses per pair, a large part of a small pair's fixed cost). Each distinct short
SQL text is parsed once per process here and a copy of the tree handed out (callers may
change the tree they get; copying costs about a fifth of parsing): the same trees, so the
same SQL and results. Splink's check that a level's SQL parses, which drops the tree, is
remembered per SQL text rather than copying a tree each time.
"""

from __future__ import annotations

import re
import threading
from typing import Any

_LOCK = threading.Lock()
_installed: list[bool] = [False]
#: Splink's own functions that :func:`install` replaced, by name (for tests).
ORIGINAL: dict[str, Any] = {}
#: SQL texts longer than this (whole queries, each different) are parsed every time.
PARSE_MEMO_MAX_CHARS = 2_000
#: Distinct SQL texts kept (a bound on memory; later texts are parsed every time).
PARSE_MEMO_MAX_ENTRIES = 4_096


def install() -> None:
    """Memoise ``from_raw_column_name_or_column_reference`` and ``sql`` of Splink's
    ``SqlglotColumnTreeBuilder`` (once per process; safe from several threads)."""
    with _LOCK:
        if _installed[0]:
            return
        from splink.internals.input_column import SqlglotColumnTreeBuilder as Builder

        parse = Builder.from_raw_column_name_or_column_reference.__func__  # type: ignore[attr-defined]
        render = Builder.sql.fget  # type: ignore[attr-defined]
        parsed: dict[tuple[Any, ...], Any] = {}
        rendered: dict[Any, str] = {}

        def from_raw(cls: Any, input_str: str, sqlglot_dialect: Any) -> Any:
            key = (cls, input_str, sqlglot_dialect)
            try:
                got = parsed.get(key)
            except TypeError:  # an unhashable dialect: not memoised
                return parse(cls, input_str, sqlglot_dialect)
            if got is None:  # an unparsable name raises, and is not kept
                got = parsed[key] = parse(cls, input_str, sqlglot_dialect)
            return got

        def sql(self: Any) -> str:
            try:
                got = rendered.get(self)
            except TypeError:  # an unhashable field: not memoised
                return str(render(self))
            if got is None:
                got = rendered[self] = str(render(self))
            return got

        Builder.from_raw_column_name_or_column_reference = classmethod(from_raw)  # type: ignore[method-assign,assignment]
        Builder.sql = property(sql)  # type: ignore[method-assign,assignment]
        _memoise_parse_one()
        _memoise_is_exact_match()
        _memoise_validate_sql()
        _faster_duckdb_columns()
        _lazy_scratch_connection()
        _installed[0] = True


class _LazyConnection:
    """An in-memory DuckDB connection opened when first used (see
    :func:`_lazy_scratch_connection`)."""

    def __init__(self, open_connection: Any) -> None:
        self._open = open_connection
        self._con: Any = None
        self._lock = threading.Lock()

    def opened(self) -> Any:
        """The connection, opened now if it was not yet."""
        with self._lock:
            if self._con is None:
                self._con = self._open(":memory:")
            return self._con

    def __getattr__(self, name: str) -> Any:
        return getattr(self.opened(), name)


class _ScratchDuckDB:
    """The ``duckdb`` module as Splink's ``database_api`` module sees it: the same, but
    ``connect(":memory:")`` gives a :class:`_LazyConnection`."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def connect(self, database: Any = ":memory:", *args: Any, **kwargs: Any) -> Any:
        if database == ":memory:" and not args and not kwargs:
            return _LazyConnection(self._module.connect)
        return self._module.connect(database, *args, **kwargs)


def _lazy_scratch_connection() -> None:
    """Every Splink ``DatabaseAPI`` opens a scratch in-memory DuckDB connection when it
    is built (~17 ms of CPU, two or three times per pair) that its DuckDB subclass never
    uses (its ``duckdb_con`` is the connection it was given). The scratch connection is
    opened on first use instead: never on DuckDB, as before elsewhere (Spark)."""
    from splink.internals import database_api

    original = getattr(database_api, "duckdb")  # noqa: B009 (not re-exported by Splink)
    ORIGINAL["database_api.duckdb"] = original
    setattr(database_api, "duckdb", _ScratchDuckDB(original))  # noqa: B010


#: A table name :func:`_faster_duckdb_columns` reads with ``pragma_table_info``.
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _faster_duckdb_columns() -> None:
    """Splink's ``DuckDBDataFrame.columns`` reads ``information_schema.columns`` (the
    whole catalogue, the attached workspace's too: ~8 ms, ~60 times per pair); for a
    plain table name, ``pragma_table_info`` gives the same names in the same order in a
    fifth of the time. Anything else (a qualified name, a missing table) is left to
    Splink's own query."""
    from splink.internals.duckdb.dataframe import DuckDBDataFrame
    from splink.internals.input_column import InputColumn

    own = ORIGINAL["columns"] = DuckDBDataFrame.columns.fget  # type: ignore[attr-defined]

    def columns(self: Any) -> list[Any]:
        name = self.physical_name
        if not isinstance(name, str) or not _PLAIN_NAME.fullmatch(name):
            return list(own(self))
        try:
            # The connection's execute: Splink's own path (``sql``) would parse the
            # query twice to build a relation over it.
            rows = self.db_api.duckdb_con.execute(
                f"SELECT name FROM pragma_table_info('{name}')").fetchall()
        except Exception:  # no such table (Splink's query then finds no column)
            return list(own(self))
        return [InputColumn(r[0], sqlglot_dialect_str="duckdb") for r in rows]

    DuckDBDataFrame.columns = property(columns)  # type: ignore[method-assign,assignment]


def _memoise_is_exact_match() -> None:
    """Memoise ``ComparisonLevel._is_exact_match`` (whether a level's SQL is only
    equalities of a column on both sides: a parse, normalise and simplify by sqlglot,
    about a hundred times per pair when EM sessions are set up) on the level's SQL,
    dialect and whether it is the else level: all that it reads."""
    from splink.internals.comparison_level import ComparisonLevel

    compute = ORIGINAL["is_exact_match"] = \
        ComparisonLevel._is_exact_match.fget  # type: ignore[attr-defined]
    known: dict[tuple[Any, ...], bool] = {}

    def is_exact_match(self: Any) -> bool:
        try:
            key = (self.sql_condition, str(self.sqlglot_dialect), self._is_else_level)
        except Exception:  # a level without SQL yet: Splink's own answer, not kept
            return bool(compute(self))
        got = known.get(key)
        if got is None:
            got = known[key] = bool(compute(self))
        return got

    ComparisonLevel._is_exact_match = property(is_exact_match)  # type: ignore[method-assign,assignment]


def _memoise_validate_sql() -> None:
    """Remember which level SQL ``ComparisonLevel._validate_sql`` found parsable. Splink
    checks every level of every comparison each time a linker is built (several times
    per pair) by parsing its SQL and dropping the tree: with parses memoised, each check
    still copied the whole tree. The check reads only the level's SQL, its dialect and
    whether it is the else level; SQL that fails raises every time (it is not kept)."""
    from splink.internals.comparison_level import ComparisonLevel

    check: Any = ComparisonLevel._validate_sql
    ORIGINAL["validate_sql"] = check
    valid: set[tuple[Any, ...]] = set()

    def validate_sql(self: Any) -> bool:
        try:
            key = (self.sql_condition, str(self.sqlglot_dialect), self._is_else_level)
        except Exception:  # a level without SQL yet: Splink's own check
            return bool(check(self))
        if key not in valid:
            check(self)  # raises ValueError for SQL that does not parse
            valid.add(key)
        return True

    ComparisonLevel._validate_sql = validate_sql  # type: ignore[method-assign]


def _memoise_parse_one() -> None:
    """Replace ``sqlglot.parse_one`` (and the names Splink's modules imported it as) by
    :func:`memo_parse_one` over it."""
    import importlib

    import sqlglot

    memo = memo_parse_one(sqlglot.parse_one)
    sqlglot.parse_one = memo
    for name in ("comparison_level_library", "blocking_rule_library", "blocking"):
        module = importlib.import_module(f"splink.internals.{name}")
        if getattr(module, "parse_one", None) is not None:
            module.parse_one = memo  # type: ignore[attr-defined]


def memo_parse_one(parse: Any) -> Any:
    """``parse`` (``sqlglot.parse_one``) with each short SQL text parsed once: later
    calls with the same text and options get a copy of the first call's tree. A text
    that fails to parse raises every time and is not kept."""
    trees: dict[tuple[Any, ...], Any] = {}

    def parse_one(sql: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(sql, str) or len(sql) > PARSE_MEMO_MAX_CHARS:
            return parse(sql, *args, **kwargs)
        try:
            key = (sql, args, tuple(sorted(kwargs.items())))
            tree = trees.get(key)
        except TypeError:  # an unhashable option: not memoised
            return parse(sql, *args, **kwargs)
        if tree is None:
            tree = parse(sql, *args, **kwargs)
            if tree is not None and len(trees) < PARSE_MEMO_MAX_ENTRIES:
                trees[key] = tree.copy()
            return tree
        return tree.copy()

    parse_one.__wrapped__ = parse  # type: ignore[attr-defined]
    return parse_one
