"""When ``assess`` may keep the validation a ``validate`` run just wrote.

A validation depends only on the canonical records, the suites built from the project
and the tools that ran them. :func:`inputs_key` is a SHA-256 over all of them: the
project file's bytes (``config_hash``), each source's record count, reference date,
suite and a digest of its records' validated columns (computed in DuckDB: the sum over
records of a hash of the row, so any changed, added or removed value changes it), the
batch size, and the linkready (version and source files), Great Expectations and DuckDB
versions. ``validation.json`` records it as ``inputs_sha256``;
:func:`previous_validation` returns the document and suites already in the results
folder only when that key matches the key of the records just ingested. No GX import is
needed to decide.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkready._digests import KEY_FIELD, code_digest, package_version, parts_key
from linkready._version import __version__
from linkready.project import Project
from linkready.sql import ident
from linkready.validate._run import BATCH_COLUMNS
from linkready.validate._suites import suite_for

if TYPE_CHECKING:
    import duckdb

def inputs_key(project: Project, con: duckdb.DuckDBPyConnection) -> str:
    """The SHA-256 of everything a validation of ``project``'s workspace depends on."""
    row_hash = f"hash({', '.join(ident(c) for c in BATCH_COLUMNS)})"
    digests = dict(con.execute(
        f"SELECT source, sum({row_hash}::HUGEINT)::VARCHAR FROM records GROUP BY source"
    ).fetchall())
    sources = []
    for source, n, ref in con.execute(
            "SELECT source, records, reference_date FROM sources ORDER BY rowid").fetchall():
        specs = suite_for(project, source, ref or project.reference())
        sources.append({"source": source, "records": int(n), "reference_date": str(ref),
                        "suite": [asdict(s) for s in specs],
                        "records_digest": digests.get(source)})
    parts = {"config_hash": project.config_hash(), "project": project.name,
             "chunk_rows": project.validation.chunk_rows, "sources": sources,
             "versions": [__version__, code_digest(), package_version("great_expectations"),
                          package_version("duckdb")]}
    return parts_key(parts)


def previous_validation(folder: Path, key: str
                        ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]] | None:
    """``validation.json`` and its suites from ``folder`` if they were computed from inputs
    with this ``key`` (which covers the list of sources); else None (nothing there, an
    older file without a key, unreadable, or stale)."""
    try:
        doc = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get(KEY_FIELD) != key:
            return None
        suites = {s: json.loads((folder / "expectations" / f"{s}.json")
                                .read_text(encoding="utf-8")) for s in doc["sources"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return doc, suites
