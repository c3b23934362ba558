"""``linkready validate``: Great Expectations suites per source, results at counts only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from linkready.cli._alerts import fail_on_alerts, print_alerts, workspace_alerts
from linkready.cli._common import console, user_errors

ProjectArg = Annotated[Path, typer.Argument(
    metavar="PROJECT.yaml", help="The project file mapping the extracts.",
    exists=True, dir_okay=False, readable=True)]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Folder for validation.json, expectations/ and the workspace "
    "(default: linkready-results/ beside the project file).")]
WorkspaceOpt = Annotated[Path | None, typer.Option(
    "--workspace", help="DuckDB workspace file (default: linkready.duckdb in the --out "
    "folder).")]
FailOpt = Annotated[bool, typer.Option(
    "--fail-on-error", help="Exit 1 if any expectation fails or any alert is an "
    "error (for pipelines); the outputs are written first.")]


def validate(project_file: ProjectArg, out: OutOpt = None, workspace: WorkspaceOpt = None,
             fail_on_error: FailOpt = False) -> None:
    """Validate each source against Great Expectations suites built from its mapping."""
    with user_errors():
        from linkready import pipeline
        from linkready.cli.progress import run_plan
        from linkready.ingest import default_workspace
        from linkready.project import load_project

        project = load_project(project_file)
        result = run_plan(pipeline.validate(project, out, workspace=workspace,
                                            project_file=project_file))
        doc = result.to_dict()
        alerts = workspace_alerts(workspace or default_workspace(project, result.out),
                                  project)
        console.print(summary_table(doc))
        print_alerts(alerts)
        console.print(f"wrote {escape(str(result.path))} and "
                      f"{escape(str(result.out / 'expectations'))}/")
        if fail_on_error:
            failed = [f"{name}: {e['expectation']}({e['column']})"
                      for name, s in doc["sources"].items()
                      for e in s["expectations"] if not e["success"]]
            fail_on_alerts(alerts, None if doc["success"] else (
                f"{len(failed)} expectation(s) failed: {', '.join(failed[:5])}"
                + (" …" if len(failed) > 5 else "") + "; see validation.json"))


def summary_table(doc: dict[str, Any]) -> Any:
    """One row per source: expectations passed and the failing ones."""
    from rich.table import Table

    table = Table(title=f"Validation of {doc['project']}")
    for col in ("source", "records", "passed", "failed expectations"):
        table.add_column(col)
    for name, s in doc["sources"].items():
        failed = [f"{e['expectation'].removeprefix('expect_column_values_to_')}({e['column']})"
                  for e in s["expectations"] if not e["success"]]
        st = s["statistics"]
        table.add_row(name, str(s["records"]), f"{st['successful']}/{st['evaluated']}",
                      ", ".join(failed) or "-")
    return table
