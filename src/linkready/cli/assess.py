"""``linkready assess``: every stage on a project, one progress display, then the report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from linkready.cli._alerts import alerts_gate
from linkready.cli._common import console, user_errors
from linkready.cli.link import (
    AggregatesOpt,
    BackendOpt,
    PairsOpt,
    SeedOpt,
    SparkConfOpt,
    ThresholdOpt,
    spark_settings_for,
    warn_now,
)

if TYPE_CHECKING:
    from linkready.project import Project
    from linkready.results import AssessResult

ProjectArg = Annotated[Path, typer.Argument(
    metavar="PROJECT.yaml", help="The project file mapping the extracts.",
    exists=True, dir_okay=False, readable=True)]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Folder for the JSON outputs, report.html and the workspace "
    "(default: linkready-results/ beside the project file).")]
WorkspaceOpt = Annotated[Path | None, typer.Option(
    "--workspace", help="DuckDB workspace file (default: linkready.duckdb in the --out "
    "folder).")]
FailOpt = Annotated[bool, typer.Option(
    "--fail-on-error", help="Exit 1 if any alert is an error (for pipelines); the "
    "outputs and the report are written first.")]


def assess(project_file: ProjectArg, out: OutOpt = None,
           pairs: PairsOpt = None, threshold: ThresholdOpt = 0.9, seed: SeedOpt = 42,
           workspace: WorkspaceOpt = None, backend: BackendOpt = "duckdb",
           spark_conf: SparkConfOpt = None, fail_on_error: FailOpt = False,
           aggregates_only: AggregatesOpt = False) -> None:
    """Ingest, profile, validate, link, evaluate (with truth) and write report.html."""
    with user_errors():
        from linkready.link.backends import check_backend
        from linkready.link.workspace import parse_pairs
        from linkready.project import load_project

        check_backend(backend)
        chosen = parse_pairs(pairs)
        spark_settings = spark_settings_for(backend, spark_conf)
        project = load_project(project_file)
        result = run_assess(project_file, project, out, workspace,
                            backend=backend, spark_settings=spark_settings,
                            pairs=chosen, threshold=threshold, seed=seed,
                            aggregates_only=aggregates_only)
        print_assess_summary(result)
        alerts_gate(result.report.alerts, fail_on_error)


def run_assess(project_file: Path, project: Project, out: Path | None,
               workspace: Path | None, *, backend: str = "duckdb",
               spark_settings: Any = None, pairs: list[tuple[str, str]] | None = None,
               threshold: float = 0.9, seed: int = 42,
               aggregates_only: bool = False) -> AssessResult:
    """Run :func:`linkready.pipeline.assess` under one progress bar."""
    from linkready import pipeline
    from linkready.cli.progress import run_plan

    return run_plan(pipeline.assess(project, out, workspace=workspace,
                                    project_file=project_file, backend=backend,
                                    spark_settings=spark_settings, on_warning=warn_now,
                                    pairs=pairs, threshold=threshold, seed=seed,
                                    aggregates_only=aggregates_only))


def print_assess_summary(result: AssessResult) -> None:
    """Key figures, one line per verdict, and where the report is."""
    from rich.table import Table

    report = result.report
    table = Table(title=f"{escape(report.title)} (counts rounded; * = 1–7)", show_header=True)
    table.add_column("key figure")
    table.add_column("value", justify="right")
    table.add_column("")
    for k in report.key_figures:
        table.add_row(k.label, k.value, k.detail)
    console.print(table)
    colours = {"green": "green", "amber": "yellow", "red": "red"}
    for v in report.verdicts():
        console.print(f"[bold {colours.get(v.rag, 'white')}]{v.rag.upper():5}[/] "
                      f"{escape(v.subject)}: {escape(v.headline)}", highlight=False)
    took = sum(result.seconds.values())
    if result.validation is not None and result.validation.reused:
        console.print("validation: kept the validation.json there (same records, "
                      "project file and versions as when it was computed)", highlight=False)
    if result.link is not None and result.link.reused:
        console.print("linkage: kept the linkage.json, links and models there (same "
                      "records, project file, link settings and versions as when it was "
                      "computed)", highlight=False)
    if result.evaluation is not None and result.evaluation.reused:
        console.print("evaluation: kept the evaluation.json there (same linkage, links, "
                      "truth and versions as when it was computed)", highlight=False)
    console.print(f"wrote {escape(str(result.out))}/ (profile, validation, linkage"
                  f"{', evaluation' if 'evaluate' in result.seconds else ''} JSON) in "
                  f"{took:.0f} s")
    console.print(f"[bold]report:[/] {escape(str(result.report_path))}", highlight=False)
