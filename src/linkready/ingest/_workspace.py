"""Ingest every source of a project into one DuckDB workspace file, atomically."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from linkready._version import __version__
from linkready.errors import InputError, OutputError
from linkready.ingest._disk import is_write_failure, write_error
from linkready.ingest._guards import check_stage, check_types
from linkready.ingest._ownership import check_replaceable, connect_read_only, is_lock_error
from linkready.ingest._pass import (
    RECORDS_COLUMNS,
    dob_is_typed,
    field_sqls,
    insert_sql,
    is_float,
    log_counts_sql,
    records_ddl,
    stage_sql,
)
from linkready.ingest._read import SourceLayout, inspect_source
from linkready.ingest._sql import REJECTS_SCAN, REJECTS_TABLE
from linkready.outdir import (
    claim,
    default_results,
    discard_if_unused,
    register,
    remove_stale_temporaries,
    temp_name,
)
from linkready.progress import ProgressCallback, no_progress
from linkready.project import Project
from linkready.sql import lit

if TYPE_CHECKING:
    import duckdb

WORKSPACE_NAME = "linkready.duckdb"


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Switch off DuckDB's own progress bar (the CLI shows its own on stderr)."""
    con.execute("SET enable_progress_bar = false")
    return con

_SOURCES_DDL = (
    "CREATE TABLE sources (source VARCHAR, path VARCHAR, format VARCHAR, encoding VARCHAR, "
    "delimiter VARCHAR, records BIGINT, held_fields VARCHAR[], columns_json VARCHAR, "
    "reference_date DATE, ingested_at TIMESTAMP, tool_version VARCHAR, "
    "reference_declared BOOLEAN, fingerprint VARCHAR)"
)
_LOG_DDL = ("CREATE TABLE standardisation_log (source VARCHAR, field VARCHAR, action VARCHAR, "
            "count BIGINT)")


@dataclass(frozen=True)
class IngestResult:
    """What ingest wrote: the workspace path, record counts and the standardisation log."""

    workspace: Path
    records: dict[str, int]
    #: (source, field, action, count) rows, as in the ``standardisation_log`` table.
    log: list[tuple[str, str, str, int]] = field(default_factory=list)


def default_workspace(project: Project, out: Path | None = None) -> Path:
    """``linkready.duckdb`` in the output folder: ``out``, or ``linkready-results/``
    beside the project file.

    When ``out`` holds no workspace and the extracts are not at hand (only the results
    were shared), the workspace in ``linkready-results/`` is used if there is one.
    """
    home = default_results(project.root) / WORKSPACE_NAME
    if out is None:
        return home
    here = out / WORKSPACE_NAME
    if (not here.exists() and home.is_file()
            and not all(project.source_path(n).is_file() for n in project.sources)):
        return home
    return here


def open_workspace(path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open an ingested workspace read-only; raise InputError if there is none at
    ``path`` or another process holds it."""
    if not read_only:
        raise ValueError("workspaces are rebuilt by ingest, never opened for writing")
    return quiet(connect_read_only(path))  # type: ignore[arg-type]


def _ingest_source(
    con: duckdb.DuckDBPyConnection, project: Project, name: str, layout: SourceLayout,
    project_file: Path,
) -> tuple[int, list[tuple[str, str, str, int]]]:
    import duckdb

    spec = project.sources[name]
    shown = layout.source or layout.path
    check_types(shown, name, spec, layout.types, project_file)
    fields = field_sqls(spec, layout, project.reference())
    try:
        try:
            con.execute(stage_sql(spec, layout, fields))
        except duckdb.Error as exc:
            if layout.fmt != "csv" or "parallel=false" not in str(exc):
                raise
            # A newline inside a quoted field: only the single-threaded reader pads rows.
            _drop_rejects(con)
            con.execute(stage_sql(spec, layout, fields, parallel=False))
    except duckdb.Error as exc:
        raise _read_error(exc, shown, name, project_file) from None
    typed_dob = dob_is_typed(spec, layout)
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection.
    n = con.execute("SELECT count(*) FROM stage").fetchall()[0][0]
    rejected = 0
    if layout.fmt == "csv":
        rejected = con.execute(
            f"SELECT count(DISTINCT line) FROM {REJECTS_TABLE}").fetchall()[0][0]
        # The rejects tables hold raw lines: drop them before anything else happens.
        _drop_rejects(con)
    if n == 0:
        why = (f"; {rejected} row(s) could not be parsed — check `delimiter:` and quoting"
               if rejected else "")
        what = "a header but no readable rows" if layout.fmt == "csv" else "no rows"
        raise InputError(
            f"{shown}: the file has {what} (sources.{name})"
            f"{why}; export the records or remove the source from the project"
        )

    try:
        check_stage(con, shown, name, spec, typed_dob, project_file)

        con.execute(insert_sql(name, spec, fields))
        sql, keys = log_counts_sql(spec, fields)
        counts = con.execute(sql).fetchall()[0]
        floats = 0
        if "nhs_number" in fields and is_float(layout.types.get(spec.column("nhs_number"), "")):
            floats = con.execute("SELECT count(nhs_number__t) FROM stage").fetchall()[0][0]
    except duckdb.Error as exc:
        raise _read_error(exc, shown, name, project_file) from None
    log = [(name, f, a, int(c)) for (f, a), c in zip(keys, counts, strict=True) if c]
    if rejected:
        log.insert(1, (name, "record_id", "rows_rejected", int(rejected)))
    if floats:
        log.append((name, "nhs_number", "from_float_column", int(floats)))
    con.execute("DROP TABLE stage")
    return int(n), log


def _copy_source(con: duckdb.DuckDBPyConnection,
                 name: str) -> tuple[int, list[tuple[str, str, str, int]]]:
    """Copy source ``name`` from the workspace attached as ``prev`` (records in their
    order, its ``sources`` row); return its record count and standardisation log."""
    cols = ", ".join(c for c, _ in RECORDS_COLUMNS)
    con.execute(f"INSERT INTO records SELECT {cols} FROM prev.records "
                f"WHERE source = {lit(name)} ORDER BY rowid")
    con.execute(f"INSERT INTO sources SELECT * FROM prev.sources WHERE source = {lit(name)}")
    n = con.execute(f"SELECT records FROM prev.sources WHERE source = {lit(name)}"
                    ).fetchall()[0][0]
    log = con.execute("SELECT source, field, action, count FROM prev.standardisation_log "
                      f"WHERE source = {lit(name)} ORDER BY rowid").fetchall()
    return int(n), [(str(s), str(f), str(a), int(c)) for s, f, a, c in log]


def _drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {REJECTS_TABLE}")
    con.execute(f"DROP TABLE IF EXISTS {REJECTS_SCAN}")


def _read_error(exc: Exception, path: Path, name: str,
                project_file: Path) -> InputError | OutputError:
    """An InputError for a DuckDB failure, saying where but never quoting the file (an
    OutputError when it was the workspace's disk that refused a write)."""
    if is_write_failure(exc):
        return write_error(exc)
    text = str(exc)

    line = re.search(r"[Ll]ine:? *(\d+)", text)
    where = f" near line {line.group(1)}" if line else ""
    if "maximum line size" in text.lower():
        return InputError(
            f"{path}: a line{where} is longer than DuckDB reads (2 MB) (sources.{name}); "
            "check `delimiter:` and quoting (an unclosed quote joins lines), or export the "
            "file with one line per record"
        )
    return InputError(
        f"{path}: could not be read as declared in {project_file} "
        f"(sources.{name}){where} ({type(exc).__name__}); check `delimiter:`, "
        "`encoding:` and quoting, and that every row has the header's number of columns"
    )


def fingerprint(project: Project, name: str) -> str:
    """What a source's canonical records depend on: its declaration, the extract's path,
    size and modification time, the declared reference date and the tool version."""
    path = project.source_path(name)
    try:
        st = path.stat()
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
    except (OSError, ValueError):
        stamp = "missing"
    parts = [project.sources[name].model_dump_json(), str(path), stamp,
             str(project.reference_date), __version__]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _held(workspace: Path) -> tuple[list[tuple[str, int, str]],
                                   list[tuple[str, str, str, int]]] | None:
    """The ``sources`` rows (source, records, fingerprint) and the standardisation log
    of the workspace at ``workspace``; None when there is none, it is unreadable or an
    earlier version built it without a column of today's records table (e.g. uprn)."""
    import duckdb

    if not workspace.is_file():
        return None
    try:
        con = duckdb.connect(str(workspace), read_only=True)
    except duckdb.Error as exc:
        if is_lock_error(exc):
            check_replaceable(workspace)  # raises the clear "open elsewhere" error
        return None
    try:
        rows = con.execute("SELECT source, records, fingerprint FROM sources").fetchall()
        log = con.execute("SELECT source, field, action, count FROM standardisation_log "
                          "ORDER BY rowid").fetchall()
        have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns"
                                          " WHERE table_name = 'records'").fetchall()}
        if any(c not in have for c, _ in RECORDS_COLUMNS):
            return None
    except duckdb.Error:
        return None
    finally:
        con.close()
    return ([(str(s), int(n), str(f)) for s, n, f in rows],
            [(str(s), str(f), str(a), int(c)) for s, f, a, c in log])


def current_sources(project: Project, workspace: Path) -> list[str]:
    """The sources of ``project`` the workspace holds as built from their extracts as
    they are now (same fingerprint), in the project's order."""
    held = _held(workspace)
    if held is None:
        return []
    prints = {s: f for s, _, f in held[0]}
    return [n for n in project.sources if prints.get(n) == fingerprint(project, n)]


def up_to_date(project: Project, workspace: Path,
               sources: Collection[str] | None = None) -> IngestResult | None:
    """The workspace's ingest result if it was built from exactly these extracts and this
    mapping (same fingerprints, same sources), else None. With ``sources``, only those
    need to be there and current (a link reads only the sources it pairs): the
    workspace may hold others, current or not."""
    held = _held(workspace)
    if held is None:
        return None
    rows, log = held
    prints = {s: f for s, _, f in rows}
    if sources is None:
        if prints != {n: fingerprint(project, n) for n in project.sources}:
            return None
    elif any(n not in project.sources or prints.get(n) != fingerprint(project, n)
             for n in sources):
        return None
    return IngestResult(workspace, {s: n for s, n, _ in rows}, log)


def ingest_project(
    project: Project,
    workspace: Path | None = None,
    progress: ProgressCallback = no_progress,
    project_file: Path | None = None,
    *,
    reuse: bool = False,
    sources: Collection[str] | None = None,
    previous: Path | None = None,
) -> IngestResult:
    """Read every source of ``project`` (or only ``sources``) into one DuckDB workspace
    file.

    Writes table ``records`` (the canonical record, see ``docs/workspace.md``),
    ``standardisation_log`` (source, field, action, count) and ``sources`` (one row per
    source: path, format, record count, fields held, reference date). The file is built
    under a temporary name and moved into place, so a failure leaves no workspace (and
    any previous workspace untouched).

    Args:
        project: the loaded project (see :func:`linkready.project.load_project`).
        workspace: where to write; default ``linkready-results/linkready.duckdb`` beside
            the project file. An existing file there is replaced only if linkready built
            it and no other process holds it open.
        progress: called with ``(step, 1)`` after each source.
        project_file: the project file's path, named in error messages.
        reuse: keep an existing workspace built from exactly these extracts and this
            mapping (checked by fingerprint: declaration, file size and modification
            time, reference date, tool version) instead of ingesting again.
        sources: the sources the caller needs (default: every source). Only the
            missing or out-of-date ones among them are read: the sources another
            workspace (``previous``, else the one at ``workspace``) holds as built from
            their extracts as they are now are copied from it, and the others are left
            out. The workspace holds its sources in the project's order whatever order
            they were read in, so the same records make the same tables.
        previous: a workspace to copy current sources from (default: ``workspace``).

    Raises:
        InputError: an extract is missing, unreadable, empty or lacks a mapped column;
            the workspace is open in another process.
        OutputError: ``workspace`` names a file linkready did not build, or its folder
            cannot be written.
        ConfigError: the project declares something impossible (e.g. an unknown encoding).
    """
    import duckdb

    workspace = Path(workspace) if workspace else default_workspace(project)
    project_file = project_file or project.file() or project.root / "project.yaml"
    if reuse and (kept := up_to_date(project, workspace, sources)) is not None:
        for name in project.sources:
            progress(f"up to date: {name}")
        return kept
    previous = workspace if previous is None else Path(previous)
    # What is current in the previous workspace is copied, not read again (only when
    # reusing: a rebuild reads every extract afresh).
    carried = set(current_sources(project, previous)) if reuse else set()
    wanted = set(project.sources if sources is None else sources) | carried
    # Unknown names are refused by the caller (link's pair check), never read here.
    chosen = [n for n in project.sources if n in wanted]
    check_replaceable(workspace)
    created = None if workspace.parent.exists() else claim(workspace.parent,
                                                           option="--workspace")
    remove_stale_temporaries(workspace.parent)
    tmp = workspace.with_name(temp_name(workspace.name))
    tmp.unlink(missing_ok=True)
    layouts: list[SourceLayout] = []
    records: dict[str, int] = {}
    log: list[tuple[str, str, str, int]] = []
    con = None
    scratch: Path | None = None
    try:
        scratch = make_scratch(workspace.parent)
        for name in chosen:
            if name not in carried:
                layouts.append(inspect_source(project, name, project_file, scratch))
        read = {layout.name: layout for layout in layouts}
        con = quiet(duckdb.connect(str(tmp)))
        con.execute(records_ddl())
        con.execute(_SOURCES_DDL)
        con.execute(_LOG_DDL)
        if carried:
            con.execute(f"ATTACH {lit(str(previous))} AS prev (READ_ONLY)")
        now = datetime.now(UTC).replace(tzinfo=None)
        for name in chosen:
            if name not in read:
                records[name], kept_log = _copy_source(con, name)
                log.extend(kept_log)
                progress(f"up to date: {name}")
                continue
            layout = read[name]
            spec = project.sources[name]
            n, source_log = _ingest_source(con, project, name, layout, project_file)
            records[name] = n
            log.extend(source_log)
            con.execute(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [name, str(project.source_path(name)), spec.file_format,
                 spec.encoding if spec.file_format == "csv" else None,
                 spec.delimiter if spec.file_format == "csv" else None, n,
                 list(spec.columns), json.dumps(spec.columns), project.reference(), now,
                 __version__, project.reference_date is not None,
                 fingerprint(project, name)],
            )
            progress(f"ingested {name}")
        if carried:
            con.execute("DETACH prev")
        if log:  # one statement: executemany runs (and commits) one per row
            con.execute("INSERT INTO standardisation_log SELECT * FROM (VALUES "
                        + ", ".join(["(?, ?, ?, ?)"] * len(log)) + ")",
                        [v for row in log for v in row])
        con.execute("CHECKPOINT")
        con.close()
        con = None
        check_replaceable(workspace)  # still free: another process may have opened it
        os.replace(tmp, workspace)
        register(workspace.parent, "workspace", [workspace.name])
    except (OSError, duckdb.Error) as exc:
        # A read-only folder or a full disk; DuckDB's own text (it may quote data) is
        # never shown.
        if not is_write_failure(exc):
            raise
        raise write_error(exc, workspace) from None
    finally:
        if con is not None:
            con.close()
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        for layout in layouts:
            if layout.temp_copy is not None:
                layout.temp_copy.unlink(missing_ok=True)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        if created is not None:
            discard_if_unused(created)  # a folder made for a workspace never written
    return IngestResult(workspace, records, log)


def make_scratch(folder: Path) -> Path:
    """A new private scratch folder in ``folder`` (the workspace's), stale ones removed.

    A transcoded extract is plaintext: it lives here, never beside the extract (whose
    folder may be read-only or shared), and is removed in a ``finally`` even on an
    interrupt; a copy left by a killed run is removed by the next one.
    """
    remove_stale_temporaries(folder)
    # Transcoded copies that versions before the scratch folder wrote here directly.
    for old in folder.glob(".*.utf8.tmp"):
        with contextlib.suppress(OSError):
            old.unlink()
    try:
        # mkdtemp makes it private (mode 0700); the prefix lets a later run remove it.
        return Path(tempfile.mkdtemp(prefix=temp_name("ingest-"), dir=folder))
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write here ({exc.strerror or type(exc).__name__});"
                          " choose a writable place for the workspace (--workspace)") from None
