"""``linkready report``: rebuild report.html from the JSON outputs alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linkready.cli._common import console, user_errors

ProjectArg = Annotated[Path, typer.Argument(
    metavar="PROJECT.yaml", help="The project file the outputs were made from.",
    exists=True, dir_okay=False, readable=True)]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Directory holding profile.json, linkage.json … and where "
    "report.html is written (default: the project file's directory; linkage/ inside it "
    "is searched too).")]


def report(project_file: ProjectArg, out: OutOpt = None) -> None:
    """Rebuild report.html from the JSON outputs (no stage is re-run)."""
    with user_errors():
        from linkready.project import load_project
        from linkready.report import write_report

        project = load_project(project_file)
        with console.status("building the report"):
            path, rep = write_report(out or project.root, project.root)
        for v in rep.verdicts():
            console.print(f"{v.rag.upper():5} {v.subject}: {v.headline}", highlight=False)
        if rep.missing:
            console.print(f"not in the report (stage not run): {', '.join(rep.missing)}")
        console.print(f"[bold]report:[/] {path}", highlight=False)
