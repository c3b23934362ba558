"""Before a workspace is written or read: is the file linkready's, and is it free?

A workspace path may name anything a user typed: an extract, the project file, a
database another program holds open. linkready replaces only a DuckDB file it built
(it holds the tables ingest writes) and only while no other process has it open; a lock
held elsewhere is reported, never worked around (renaming over a locked file orphans
its write-ahead log and breaks every later run).
"""

from __future__ import annotations

from pathlib import Path

from linkready.errors import InputError, OutputError

#: Tables every workspace ingest builds holds.
WORKSPACE_TABLES = frozenset({"records", "sources", "standardisation_log"})
_DUCKDB_MAGIC = b"DUCK"


def _is_duckdb_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return head[8:12] == _DUCKDB_MAGIC


def _lock_error(path: Path) -> InputError:
    return InputError(f"{path}: the workspace is open in another program (DuckDB holds a "
                      "lock on it); close that program or session and run again, or "
                      "choose another --workspace")


def is_lock_error(exc: Exception) -> bool:
    return "lock" in str(exc).lower()


def check_replaceable(path: Path) -> None:
    """Refuse to write a workspace over ``path`` unless it is missing or linkready's and
    not open elsewhere.

    Raises:
        OutputError: ``path`` is a folder, or a file linkready did not build.
        InputError: another process holds the workspace open.
    """
    import duckdb

    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_file():
        raise OutputError(f"{path}: is not a workspace file linkready built; choose another "
                          "--workspace (linkready never overwrites other files)")
    if not _is_duckdb_file(path):
        raise OutputError(f"{path}: is not a linkready workspace (not a DuckDB file); choose "
                          "another --workspace (linkready never overwrites other files)")
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        if is_lock_error(exc):
            raise _lock_error(path) from None
        raise OutputError(f"{path}: cannot be opened as a DuckDB workspace "
                          f"({type(exc).__name__}); delete it if linkready built it, or "
                          "choose another --workspace") from None
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()  # checkpoints: no write-ahead log is left beside the file
    if not tables >= WORKSPACE_TABLES:
        raise OutputError(f"{path}: is a DuckDB file linkready did not build; choose another "
                          "--workspace (linkready never overwrites other files)")


def connect_read_only(path: Path) -> object:
    """A read-only connection to a workspace, with a lock held elsewhere reported as such.

    Raises:
        InputError: no workspace at ``path``, or it is locked or unreadable.
    """
    import duckdb

    if not path.is_file():
        raise InputError(f"{path}: no workspace here; run `linkready profile` or ingest first")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if is_lock_error(exc):
            raise _lock_error(path) from None
        raise InputError(f"{path}: cannot be opened as a workspace ({type(exc).__name__}); "
                         "run ingest again to rebuild it") from None
