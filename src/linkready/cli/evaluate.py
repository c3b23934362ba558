"""``linkready evaluate``: accuracy of the linkage against synthetic truth, by subgroup."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from linkready.cli._common import console, user_errors

if TYPE_CHECKING:
    from linkready.documents import EvaluationDocument


def evaluate(
    project_file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="PROJECT.yaml",
        help="The project file.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="The folder link wrote into (default: linkready-results/ "
                            "beside the project file); linked first if it has no links.")
    ] = None,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", help="DuckDB workspace, if linking is needed (default: "
                            "linkready.duckdb in the --out folder).")] = None,
) -> None:
    """Measure precision, recall, F1 and missed matches against truth (synthetic data)."""
    with user_errors():
        from linkready import pipeline
        from linkready.cli.progress import run_plan
        from linkready.project import load_project

        project = load_project(project_file)
        result = run_plan(pipeline.evaluate(project, out, workspace=workspace))
        print_evaluation(result.document, result.path)
        if not result.workspace_kept:
            console.print("[dim]The results folder is aggregates-only (its last run used "
                          "--aggregates-only): the records were linked in a temporary "
                          "workspace, now removed; no links or clusters were written.[/]")


def _pct(x: float | str | None) -> str:
    from linkready.cli._common import rate_text

    return rate_text(x)


def _det_f1(det: Any) -> str:
    """The NHS-number stage's F1, or "no links" where it made none (no NHS number held
    on both sides): an F1 of 0.0% read as a stage that linked everyone wrongly."""
    if det.get("precision") is None and not det.get("true_positives"):
        return "no links"
    return _pct(det["f1"])


def print_evaluation(evaluation: EvaluationDocument, path: Path) -> None:
    """Per pair: true overlap, expected rate, and F1 / missed-match rate of each stage."""
    from rich.table import Table

    from linkready.link.skipped import NOT_ESTIMATED, skipped

    table = Table("left → right", "true overlap", "expected", "det. F1", "prob. F1",
                  "prob. precision", "prob. missed", title="Linkage accuracy against truth")
    for p in evaluation["pairs"]:
        table.add_row(f"{p['left']} → {p['right']}", _pct(p["truth"]["overlap_rate"]),
                      NOT_ESTIMATED if skipped(p) else _pct(p["expected_match_rate"]),
                      _det_f1(p["deterministic"]),
                      _pct(p["probabilistic"]["f1"]), _pct(p["probabilistic"]["precision"]),
                      _pct(p["probabilistic"]["missed_match_rate"]))
    console.print(table)
    console.print(f"wrote {escape(str(path))}")
