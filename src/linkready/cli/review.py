"""``linkready review``: clerical review of a link run (sample → label → score)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linkready.cli._common import CONTEXT, console, rate_text, user_errors

app = typer.Typer(
    context_settings=CONTEXT,
    name="review", no_args_is_help=True, add_completion=False,
    help="Clerical review: label a sample of pairs, get precision and recall with intervals.")

ProjectArg = Annotated[Path, typer.Argument(
    exists=True, dir_okay=False, readable=True, metavar="PROJECT.yaml",
    help="The project file.")]
LinkageOpt = Annotated[Path | None, typer.Option(
    "--linkage", file_okay=False,
    help="Where `link` wrote linkage.json (default: linkready-results/ beside the project file).")]


@app.command("sample")
def sample(
    project_file: ProjectArg,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder for review.html, review.csv, review.json (record-level "
                            "data; default: linkready-results/review/ beside the project "
                            "file).")] = None,
    pairs: Annotated[str | None, typer.Option(
        "--pairs", help="Pairs to review as LEFT:RIGHT,… (default: every linked pair).")] = None,
    size: Annotated[int, typer.Option("--size", "-n", help="Labels to draw per pair.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the draw.")] = 42,
    linkage: LinkageOpt = None,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", help="DuckDB workspace (default: linkready.duckdb in "
                            "linkready-results/ beside the project file).")] = None,
) -> None:
    """Draw a stratified sample of each pair for people to label (record-level output)."""
    with user_errors():
        from linkready.link.workspace import parse_pairs
        from linkready.project import load_project
        from linkready.review import run_sample

        project = load_project(project_file)
        with console.status("drawing the sample"):
            design, written = run_sample(project, out, pairs=parse_pairs(pairs), size=size,
                                         seed=seed, linkage=linkage, workspace=workspace)
        console.print(f"sample {design['sample_id']}: {len(design['items'])} items from "
                      f"{len(design['pairs'])} pair(s)")
        console.print("[bold]record-level personal data[/]: keep these files local")
        for path in written:
            console.print(f"wrote {path}")


@app.command("score")
def score(
    project_file: ProjectArg,
    labels: Annotated[Path | None, typer.Option(
        "--labels", exists=True, dir_okay=False, readable=True,
        help="The labels: the page's download, or review.csv with `label` filled in.")] = None,
    auto_label: Annotated[bool, typer.Option(
        "--auto-label", help="Label from synthetic truth instead (projects with `truth:`).")
    ] = False,
    wrong_labels: Annotated[float, typer.Option(
        "--wrong-labels", help="With --auto-label: share of labels flipped, to mimic "
                               "reviewers who disagree.")] = 0.0,
    sample_dir: Annotated[Path | None, typer.Option(
        "--sample", file_okay=False, help="The folder `review sample` wrote (default: "
                                          "beside the labels, else "
                                          "linkready-results/review/).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Where to write review_estimates.json (default: the link "
                            "output folder, where `report` finds it).")] = None,
    linkage: LinkageOpt = None,
    partial: Annotated[bool, typer.Option(
        "--partial", help="Score the labelled items only (unlabelled ones are dropped).")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the interval's draws.")] = 42,
) -> None:
    """Estimate precision, recall and match rate, with 95% intervals, from the labels."""
    with user_errors():
        from linkready.project import load_project
        from linkready.review import run_score

        project = load_project(project_file)
        with console.status("scoring the labels"):
            doc, path = run_score(project, labels=labels, auto_label=auto_label,
                                  wrong_labels=wrong_labels, sample=sample_dir, out=out,
                                  linkage=linkage, seed=seed, partial=partial)
        print_estimates(doc)
        console.print(f"wrote {path}")


def _ci(m: dict) -> str:
    if m["estimate"] is None:
        return "—"
    return f"{rate_text(m['estimate'])} ({rate_text(m['lower'])}–{rate_text(m['upper'])})"


def print_estimates(doc: dict) -> None:
    """Per pair: precision, recall and match rate with 95% intervals."""
    from rich.table import Table

    table = Table("left → right", "labels", "precision", "recall", "match rate",
                  "labels for ±2 points (precision / recall)",
                  title="Checked by clerical review (95% intervals)")
    for p in doc["pairs"]:
        need = p["labels_needed"]
        table.add_row(f"{p['left']} → {p['right']}", str(p["labelled"]), _ci(p["precision"]),
                      _ci(p["recall"]), _ci(p["match_rate"]),
                      f"{need['precision']['0.02'] or 'all'} / {need['recall']['0.02'] or 'all'}")
    console.print(table)
