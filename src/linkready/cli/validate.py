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
        from linkready.cli._project import ingest_with_progress, load, results_dir
        from linkready.ingest import open_workspace
        from linkready.outdir import OutputSet, write_json
        from linkready.validate import validate_workspace, validation_document

        project, digest = load(project_file)
        with OutputSet(results_dir(project, out), "validate") as files:
            files.check_names(["validation.json", "expectations"])  # before any work
            result = ingest_with_progress(project, project_file, workspace, files.out)
            con = open_workspace(result.workspace)
            try:
                with console.status("validating with Great Expectations"):
                    results = validate_workspace(project, con)
            finally:
                con.close()
            alerts = workspace_alerts(result.workspace, project)
            doc = validation_document(results, project.name, digest)
            for sv in results:
                write_json(files.path(f"expectations/{sv.source}.json"), sv.suite)
            write_json(files.path("validation.json"), doc)
        console.print(summary_table(doc))
        print_alerts(alerts)
        console.print(f"wrote {escape(str(files.out / 'validation.json'))} and "
                      f"{escape(str(files.out / 'expectations'))}/")
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
