"""Ingest: read every extract of a project into one DuckDB workspace of canonical records.

See ``docs/workspace.md`` for the tables and ``docs/project-yaml.md`` for the mapping.
"""

from linkready.ingest._workspace import (
    WORKSPACE_NAME,
    IngestResult,
    default_workspace,
    ingest_project,
    open_workspace,
)

__all__ = [
    "WORKSPACE_NAME",
    "IngestResult",
    "default_workspace",
    "ingest_project",
    "open_workspace",
]
