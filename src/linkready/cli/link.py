"""``linkready link``: deterministic then probabilistic linkage of every pair; clusters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linkready.cli._common import console, user_errors


def link(
    project_file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="PROJECT.yaml",
        help="The project file.")],
    pairs: str | None = typer.Option(None, "--pairs",
                                     help="Pairs to link as LEFT:RIGHT,… (default: every "
                                          "source against the spine)."),
    threshold: float = typer.Option(0.9, "--threshold", "-t",
                                    help="Match probability at which a pair is linked."),
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Directory to write into (default: linkage/ next to the "
                            "project file).")] = None,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", help="DuckDB workspace (default: linkready.duckdb next to the "
                            "project file).")] = None,
    seed: int = typer.Option(42, "--seed", help="Seed for Splink's random sampling."),
) -> None:
    """Link each source to the spine: exact NHS number, then Splink; cluster everyone."""
    with user_errors():
        from linkready.cli.progress import progress_bar
        from linkready.link import TrainingConfig, link_project, write_outputs
        from linkready.link.run import step_count
        from linkready.link.workspace import parse_pairs
        from linkready.project import load_project

        project = load_project(project_file)
        chosen = parse_pairs(pairs)
        out_dir = out or project.root / "linkage"
        with progress_bar("linking", step_count(project, chosen)) as advance:
            run = link_project(project, pairs=chosen, threshold=threshold,
                               workspace=workspace, config=TrainingConfig(seed=seed),
                               progress=advance)
        write_outputs(run, out_dir)
        print_linkage_summary(run.summary, out_dir)


def print_linkage_summary(summary: dict, out_dir: Path) -> None:
    """A table of match rates per pair (aggregates only)."""
    from rich.table import Table

    table = Table("left → right", "left records", "deterministic", "probabilistic",
                  "expected (95% CI)", title=f"Linkage at p ≥ {summary['threshold']}")
    for p in summary["pairs"]:
        e = p["probabilistic"]["expected_match_rate"]
        table.add_row(f"{p['left']} → {p['right']}", str(p["left_records"]),
                      f"{p['deterministic']['match_rate']:.1%}",
                      f"{p['probabilistic']['match_rate']:.1%}",
                      f"{e['estimate']:.1%} ({e['lower']:.1%}–{e['upper']:.1%})")
    console.print(table)
    c = summary["clusters"]
    console.print(f"distinct people across {len(c['sources'])} sources: {c['distinct_people']}")
    for w in summary["warnings"]:
        console.print(f"[yellow]warning:[/] {w}")
    console.print(f"wrote {out_dir}/linkage.json, links.parquet, clusters.parquet, model.json")
