"""The engine seam: where the linkage SQL and Splink run.

The DuckDB workspace is always the source of records. A backend stages the records a
step needs from it, runs SQL and Splink on them, and hands results back as Arrow
tables, so the deterministic stage, the estimates and the clustering are the same code
whichever engine scored the pairs.

- :class:`DuckDBBackend` (default): everything in the in-memory DuckDB connection that
  has the workspace attached; spills to a temporary directory when memory runs short.
- :class:`linkready.link.spark.SparkBackend`: records handed to Spark as Arrow, Splink's
  ``SparkAPI``; installed with ``linkready[spark]``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from linkready.errors import ConfigError
from linkready.sql import lit

if TYPE_CHECKING:
    from linkready.link.spark import SparkSettings

BACKENDS: tuple[str, ...] = ("duckdb", "spark")


class Backend(Protocol):
    """What linkage needs from an engine."""

    #: ``duckdb`` or ``spark``.
    name: str
    #: Splink's SQL dialect name for this engine.
    dialect: str
    #: The DuckDB connection with the workspace attached as ``ws`` (read-only).
    workspace: Any
    #: Chunks Splink's u sampling runs in (None: Splink's default of 10, each stopping
    #: early once every level is seen; on Spark each chunk is a job costing about a
    #: second, so it samples in one).
    u_chunks: int | None

    def stage(self, table: str, select_sql: str) -> str:
        """Run ``select_sql`` against the workspace and keep the result as ``table`` in
        this engine; return the table name."""

    def derive(self, table: str, sql: str) -> str:
        """Run ``sql`` in this engine, on tables it already holds, and keep the result as
        ``table``; return the table name."""

    def to_arrow(self, sql: str) -> Any:
        """Run ``sql`` in this engine and return the result as an Arrow table."""

    def db_api(self) -> Any:
        """A fresh Splink database API on this engine (inputs of one linker share one)."""

    def drop(self, *tables: str) -> None:
        """Drop tables this backend staged."""

    def close(self) -> None:
        """Release the engine's resources (temporary files, cached tables)."""


#: Statements whose result Splink never reads (its tables are created and dropped).
_RUN_ONLY = re.compile(r"\s*(?:CREATE|DROP)\s", re.IGNORECASE)
#: Splink's EM step: the table of m and u counts, from the pairs' match probabilities.
_EM_COUNTS = re.compile(r"\s*CREATE TABLE __splink__m_u_counts\w*\s+AS\b", re.IGNORECASE)
_EM_PREDICT = "__splink__df_predict as ("


def materialise_em_predict(sql: str) -> str:
    """``sql`` with the match probabilities of Splink's EM step computed once.

    Each EM iteration's query (``__splink__m_u_counts``) sums the pairs' match
    probabilities once per comparison (a ``UNION ALL`` of one ``GROUP BY`` each, and
    the λ row), each branch reading the CTE ``__splink__df_predict``; DuckDB inlines
    it, so it plans and computes every pair's probability (a ``POWER`` of the summed
    weights) once per branch. ``MATERIALIZED`` computes it once, in the same order, so
    every sum adds the same numbers in the same order: ~12 ms instead of ~17 ms to
    plan and run an iteration on the default world, and less the more pairs EM holds.
    Any other SQL is returned as it is."""
    if not _EM_COUNTS.match(sql) or sql.count(_EM_PREDICT) != 1:
        return sql
    return sql.replace(_EM_PREDICT, "__splink__df_predict as MATERIALIZED (")


class DuckDBBackend:
    """Splink on DuckDB, in the connection that has the workspace attached.

    A temporary directory is set as DuckDB's ``temp_directory`` so that joins and sorts
    larger than memory spill to disk rather than fail.
    """

    name = "duckdb"
    dialect = "duckdb"
    u_chunks: int | None = None

    def __init__(self, workspace: Any, *, spill: bool = True,
                 memory_limit: str | None = None,
                 on_widen: Callable[[], object] | None = None) -> None:
        self.workspace = workspace
        self._tmp: Path | None = None
        #: Engine threads asked for by :meth:`widen`, not yet set (0: none asked).
        self._widen_to = 0
        self._on_widen = on_widen
        if spill:
            self._tmp = Path(tempfile.mkdtemp(prefix="linkready-duckdb-"))
            workspace.execute(f"SET temp_directory = {lit(self._tmp)}")
        if memory_limit:
            workspace.execute(f"SET memory_limit = {lit(memory_limit)}")

    def widen(self, threads: int) -> None:
        """Let the engine use ``threads`` threads from the next query this backend runs
        (:mod:`linkready.link.parallel`: the last pair in flight takes the idle cores).
        May be called from another thread: the setting is changed by the thread that
        runs the queries, between two of them. DuckDB's results do not depend on it."""
        self._widen_to = threads

    def _take_widening(self) -> None:
        """Apply a pending :meth:`widen` (in the thread that runs the queries)."""
        threads, self._widen_to = self._widen_to, 0
        if threads:
            self.workspace.execute(f"SET threads = {int(threads)}")
            if self._on_widen is not None:
                self._on_widen()

    def stage(self, table: str, select_sql: str) -> str:
        """Materialise ``select_sql`` as an in-memory DuckDB table."""
        self._take_widening()
        self.workspace.execute(f"CREATE OR REPLACE TABLE {table} AS {select_sql}")
        return table

    def derive(self, table: str, sql: str) -> str:
        """The workspace connection is the engine: the same as :meth:`stage`."""
        return self.stage(table, sql)

    def to_arrow(self, sql: str) -> Any:
        """The query's result as Arrow."""
        self._take_widening()
        return self.workspace.sql(sql).to_arrow_table()

    def db_api(self) -> Any:
        """``DuckDBAPI`` on the workspace connection, with the NHS number's one-edit test
        guarded (:func:`linkready.link.u_sampling.guard_one_edit`: the same result for
        every pair, the slow edit distance computed only where it can be ≤ 1) and each
        comparison's similarity computed once per pair rather than once per level
        (:func:`linkready.link.u_sampling.hoist_similarities`: the same values) and the
        later parts of a level's conjunction computed only where the earlier ones hold
        (:func:`linkready.link.u_sampling.nest_conjunctions`: the same levels). A
        pending :meth:`widen` is applied before its next query.

        Splink's ``CREATE TABLE … AS`` and ``DROP`` statements (about half of the ~1,000
        it runs per pair; it never reads what they return) run through the connection's
        ``execute`` rather than ``sql``, which parses a statement a second time to build
        a relation over its result; queries Splink reads go through ``sql`` as before."""
        from splink import DuckDBAPI

        from linkready.link.u_sampling import executed_rows, prepare_sql

        widening = self._take_widening

        class GuardedDuckDBAPI(DuckDBAPI):
            def _execute_sql_against_backend(self, final_sql: str) -> Any:
                widening()
                sql = materialise_em_predict(prepare_sql(final_sql))
                if _RUN_ONLY.match(sql):
                    return self._con.execute(sql)
                return super()._execute_sql_against_backend(sql)

            def rows(self, final_sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
                """A query's column names and rows, run once through the connection's
                ``execute`` (a relation, as :meth:`_execute_sql_against_backend` gives,
                plans the query twice: once to describe its columns)."""
                widening()
                return executed_rows(self._con, final_sql)

        return GuardedDuckDBAPI(connection=self.workspace)

    def drop(self, *tables: str) -> None:
        """Drop staged tables."""
        for t in tables:
            self.workspace.execute(f"DROP TABLE IF EXISTS {t}")

    def close(self) -> None:
        """Remove the spill directory (the connection is closed by its owner)."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


def check_backend(name: str) -> str:
    """``name`` if it is a known backend, else a ConfigError naming the choices."""
    if name not in BACKENDS:
        raise ConfigError(f"--backend: `{name}` is not a backend; use one of "
                          f"{', '.join(BACKENDS)}")
    return name


def open_backend(name: str, workspace: Any,
                 spark_settings: SparkSettings | None = None) -> Backend:
    """The backend called ``name`` over the workspace connection.

    Raises ConfigError for an unknown name and BackendUnavailable when Spark cannot
    start (PySpark or Java missing, session refused)."""
    check_backend(name)
    if name == "duckdb":
        return DuckDBBackend(workspace)
    # Imported only here: linkready and the DuckDB path never import pyspark.
    from linkready.link.spark import SparkBackend

    return SparkBackend.open(workspace, spark_settings)
