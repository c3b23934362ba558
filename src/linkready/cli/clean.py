"""``linkready clean``: remove the record-level files linkready wrote for a project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from linkready.cli._common import console, user_errors

ProjectArg = Annotated[Path, typer.Argument(
    metavar="PROJECT.yaml", help="The project file the outputs were made from.",
    exists=True, dir_okay=False, readable=True)]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="The results folder to clean (default: linkready-results/ beside "
    "the project file); its review/ folder is cleaned too.")]
DryRunOpt = Annotated[bool, typer.Option(
    "--dry-run", help="List what would be removed; remove nothing.")]


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def clean(project_file: ProjectArg, out: OutOpt = None, dry_run: DryRunOpt = False) -> None:
    """Remove the workspace, links, clusters and review files linkready wrote (the
    record-level files); keep the JSON documents and report.html."""
    with user_errors():
        from linkready.clean import clean as run_clean
        from linkready.pipeline import results_dir
        from linkready.project import load_project

        project = load_project(project_file)
        folder = results_dir(project, out).absolute()
        done = run_clean(folder, dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        if not done.removed:
            console.print(f"nothing to remove in {escape(str(folder))}: no record-level "
                          "file written by linkready")
        else:
            names = ", ".join(str(p.relative_to(folder)) for p in done.removed)
            console.print(f"{verb} {len(done.removed)} record-level file(s), "
                          f"{_size(done.bytes)}, from {escape(str(folder))}: "
                          f"{escape(names)}", highlight=False)
        for path in done.not_ours:
            console.print(f"[yellow]kept[/] {escape(str(path))}: not written by linkready",
                          highlight=False)
