"""``linkready profile``: ingest a project's extracts and write ``profile.json``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from linkready.cli._alerts import print_alerts
from linkready.cli._common import AGGREGATES_HELP, console, user_errors

ProjectArg = Annotated[Path, typer.Argument(
    metavar="PROJECT.yaml", help="The project file mapping the extracts.",
    exists=True, dir_okay=False, readable=True)]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Folder for profile.json and the workspace (default: "
    "linkready-results/ beside the project file).")]
AggregatesOpt = Annotated[bool, typer.Option("--aggregates-only", help=AGGREGATES_HELP)]
WorkspaceOpt = Annotated[Path | None, typer.Option(
    "--workspace", help="DuckDB workspace file (default: linkready.duckdb in the --out "
    "folder).")]

if TYPE_CHECKING:
    from rich.table import Table

    from linkready.documents import CountShare


def profile(project_file: ProjectArg, out: OutOpt = None,
            workspace: WorkspaceOpt = None, aggregates_only: AggregatesOpt = False) -> None:
    """Profile data quality, NHS-number completeness and linkage readiness per source."""
    with user_errors():
        from linkready import pipeline
        from linkready.cli.progress import run_plan
        from linkready.project import load_project

        project = load_project(project_file)
        result = run_plan(pipeline.profile(project, out, workspace=workspace,
                                           project_file=project_file,
                                           aggregates_only=aggregates_only))
        doc = result.to_dict()
        console.print(summary_table(doc))
        print_alerts(doc["alerts"])
        console.print(f"wrote {escape(str(result.path))}")


def _pct(fig: CountShare, records: Any) -> str:
    """A readiness share; ``all but *`` where only the records it leaves out are 1–7."""
    from linkready.report._fmt import share_text

    return "*" if fig["share"] is None else share_text(fig, records)


def summary_table(doc: dict[str, Any]) -> Table:
    """A one-row-per-source summary: records, usable NHS numbers, readiness, DQMI."""
    from rich.table import Table

    table = Table(title=f"Profile of {doc['project']} (counts rounded; * = 1–7)")
    for col in ("source", "records", "NHS no. valid", "linkable prob.", "linkable either",
                "DQMI", "weakest field"):
        table.add_column(col, justify="left" if col in ("source", "weakest field") else "right",
                         overflow="fold")
    from linkready.documents import profile_sources

    for name, s in profile_sources(doc).items():
        held = [i for i in s["dqmi"]["items"] if i["held"]]
        weakest = min(held, key=lambda i: i["score"]) if held else None
        n = s["records"]
        nhs_held = s["fields"].get("nhs_number", {}).get("held", True)
        table.add_row(
            name, str(n), _pct(s["readiness"]["deterministic"], n) if nhs_held else "not held",
            _pct(s["readiness"]["probabilistic"], n), _pct(s["readiness"]["either"], n),
            f"{s['dqmi']['composite']:.0f}",
            f"{weakest['field']} ({weakest['score']:.0f})" if weakest else "-",
        )
    return table
