"""What ``profile`` and ``validate`` share: load the project, ingest it, write JSON."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linkready.ingest import IngestResult
    from linkready.project import Project


def load(project_file: Path) -> tuple[Project, str]:
    """The project and the SHA-256 of its file (recorded in outputs)."""
    from linkready.project import load_project

    project = load_project(project_file)
    digest = hashlib.sha256(project_file.read_bytes()).hexdigest()
    return project, digest


def ingest_with_progress(
    project: Project, project_file: Path, workspace: Path | None
) -> IngestResult:
    """Ingest every source, showing a progress bar on stderr."""
    from linkready.cli.progress import progress_bar
    from linkready.ingest import ingest_project

    with progress_bar("ingesting", len(project.sources)) as advance:
        return ingest_project(project, workspace, progress=advance, project_file=project_file,
                              reuse=True)


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write a JSON document atomically (temp file, then rename)."""
    from linkready.errors import OutputError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror}); check --out") from None
