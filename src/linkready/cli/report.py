"""``linkready report``: rebuild report.html from the JSON outputs alone."""

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
    "--out", "-o", help="Folder holding profile.json, linkage.json … and where "
    "report.html is written (default: linkready-results/ beside the project file).")]


def report(project_file: ProjectArg, out: OutOpt = None) -> None:
    """Rebuild report.html from the JSON outputs (no stage is re-run)."""
    with user_errors():
        from linkready import pipeline
        from linkready.project import load_project

        project = load_project(project_file)
        with console.status("building the report"):
            result = pipeline.report(project, out).run()
        rep = result.report
        for v in rep.verdicts():
            rag = "—" if v.rag == "none" else v.rag.upper()  # not rated (--no-estimates)
            console.print(f"{rag:5} {escape(v.subject)}: {escape(v.headline)}",
                          highlight=False)
        if rep.missing:
            console.print(f"not in the report (stage not run): {', '.join(rep.missing)}")
        console.print(f"[bold]report:[/] {escape(str(result.path))}", highlight=False)
