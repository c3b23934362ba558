"""What the commands that take PROJECT.yaml share: load it, find the output place, ingest."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linkready.ingest import IngestResult
    from linkready.project import Project


def load(project_file: Path) -> tuple[Project, str]:
    """The project and the SHA-256 of its file (recorded in outputs)."""
    from linkready.project import load_project

    project = load_project(project_file)
    digest = hashlib.sha256(project_file.read_bytes()).hexdigest()
    return project, digest


def results_dir(project: Project, out: Path | None) -> Path:
    """Where a command that takes PROJECT.yaml writes: ``--out``, else
    ``linkready-results/`` beside the project file."""
    from linkready.outdir import default_results

    return out if out is not None else default_results(project.root)


def ingest_with_progress(
    project: Project, project_file: Path, workspace: Path | None, out: Path
) -> IngestResult:
    """Ingest every source (into ``out`` unless ``workspace`` is given), showing a progress
    bar on stderr."""
    from linkready.cli.progress import progress_bar
    from linkready.ingest import default_workspace, ingest_project

    with progress_bar("ingesting", len(project.sources)) as advance:
        return ingest_project(project, workspace or default_workspace(project, out),
                              progress=advance, project_file=project_file, reuse=True)
