"""``linkready whatif``: how would each pair link if a source's field were more or less
complete? Answered from the user's own records (docs/whatif.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from linkready.cli._common import console, err_console, user_errors


def whatif(
    project_file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="PROJECT.yaml",
        help="The project file.")],
    nhs_complete: Annotated[list[str] | None, typer.Option(
        "--nhs-complete", metavar="SOURCE=SHARE",
        help="Share of SOURCE's records that would hold a valid NHS number, e.g. "
             "la_adult_social_care=0.9 (repeat for several sources).")] = None,
    complete: Annotated[list[str] | None, typer.Option(
        "--complete", metavar="SOURCE.FIELD=SHARE",
        help="Share of SOURCE's records that would hold FIELD (nhs_number, given_name, "
             "family_name, dob, sex, postcode, address_line), e.g. acute.dob=0.95.")] = None,
    pairs: str | None = typer.Option(None, "--pairs", metavar="LEFT:RIGHT,…",
                                     help="Pairs to measure (default: the project's pairs "
                                          "that touch a changed source)."),
    threshold: float = typer.Option(0.9, "--threshold", "-t",
                                    help="Match probability at which a pair is linked."),
    trace_threshold: float = typer.Option(
        0.99, "--trace-threshold", help="For more completeness: links at or above this "
                                        "probability count as traced values."),
    relink: bool = typer.Option(False, "--relink", help="Link the pairs again on the "
                                                        "changed records (slower; "
                                                        "re-estimates the expected rate; "
                                                        "always on for a field other "
                                                        "than nhs_number)."),
    seed: int = typer.Option(42, "--seed", min=0, max=2**32 - 1,
                             help="Seed for the random blanking and Splink's sampling."),
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder to write whatif.json into (default: whatif/ in "
                            "linkready-results/ beside the project file).")] = None,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", help="DuckDB workspace (default: linkready.duckdb in "
                            "linkready-results/).")] = None,
) -> None:
    """What if a source recorded a field more (or less) often? Measured on your records."""
    with user_errors():
        from linkready import pipeline
        from linkready.cli.progress import run_plan
        from linkready.link.workspace import parse_pairs
        from linkready.project import load_project
        from linkready.whatif import parse_changes

        project = load_project(project_file)
        changes = parse_changes(project, nhs_complete=nhs_complete, complete=complete)
        plan = pipeline.whatif(project, changes, out, pairs=parse_pairs(pairs),
                               threshold=threshold, trace_threshold=trace_threshold,
                               seed=seed, relink=relink, workspace=workspace)
        result = run_plan(plan)
        if result.baseline_kept:
            console.print("baseline: kept the linkage there (same records, project file, "
                          "link settings and versions as when it was computed)")
        print_whatif(result.document, result.path)
        if not result.workspace_kept:
            console.print("[dim]The results folder is aggregates-only (its last run used "
                          "--aggregates-only): the records were read into a temporary "
                          "workspace, now removed.[/]")


def _pct(x: object) -> str:
    from linkready.cli._common import rate_text

    return rate_text(x)  # type: ignore[arg-type]


def print_whatif(doc: dict, path: Path) -> None:
    """The change per source and, per pair, the rates before and after (aggregates)."""
    from rich.table import Table

    for c in doc["changes"]:
        console.print(f"{escape(c['source'])}.{c['field']}: {_pct(c['baseline_share'])} → "
                      f"{_pct(c['reached_share'])} ({c['method']})")
    relinked = bool(doc.get("relink"))
    table = Table(title="What-if: match rates per pair", expand=False)
    cols = ["pair", "by NHS number: now", "what-if", "change",
            "expected match rate (interval)"]
    for col in cols + (["all methods: now → what-if"] if relinked else []):
        table.add_column(col, overflow="fold")
    for p in doc["pairs"]:
        e = p["whatif"]["expected_match_rate"]
        pts = p["deterministic_change_points"]
        row = [escape(f"{p['left']} → {p['right']}"),
               _pct(p["baseline"]["deterministic"]["match_rate"]),
               _pct(p["whatif"]["deterministic"]["match_rate"]),
               "*" if pts == "*" else "–" if pts is None else f"{pts:+.1f} pts",
               f"{_pct(e['estimate'])} ({_pct(e['lower'])}–{_pct(e['upper'])})"]
        if relinked:
            row.append(f"{_pct(p['baseline']['combined']['match_rate'])} → "
                       f"{_pct(p['whatif']['combined']['match_rate'])}")
        table.add_row(*row)
    console.print(table)
    for w in doc["warnings"]:
        err_console.print(f"[yellow]warning:[/] {escape(w)}")
    for a in doc["assumptions"]:
        console.print(f"[dim]{escape(a)}[/]")
    console.print(f"wrote {escape(str(path))}")
