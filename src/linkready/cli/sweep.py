"""``linkready sweep``: regenerate and relink over a grid of one scenario parameter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from linkready.cli._common import console, user_errors


def sweep(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write into.")],
    scenario: str = typer.Argument(..., help="A built-in scenario name or a scenario .yaml."),
    vary: str = typer.Option(..., "--vary",
                             help="KEY=V1,V2,… with KEY a dotted scenario key, e.g. "
                                  "sources.la_adult_social_care.errors.nhs_missing.rate=0,0.5,1"),
    population: int | None = typer.Option(None, "--population", "-n", min=10,
                                          help="Override the scenario's population size."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Override the scenario's seed."),
    pairs: str | None = typer.Option(None, "--pairs", help="Pairs to link as LEFT:RIGHT,…"),
    threshold: float = typer.Option(0.9, "--threshold", "-t",
                                    help="Match probability at which a pair is linked."),
) -> None:
    """For each value: generate, link, evaluate; write sweep.json and print a table."""
    with user_errors():
        from linkready import pipeline
        from linkready._sweep import parse_vary
        from linkready.cli.progress import run_plan
        from linkready.link.workspace import parse_pairs

        key, values = parse_vary(vary)
        result = run_plan(pipeline.sweep(scenario, key, values, out, population=population,
                                         seed=seed, pairs=parse_pairs(pairs),
                                         threshold=threshold))
        print_sweep(result.to_dict(), result.path)


def _pct(x: float | str | None) -> str:
    from linkready.cli._common import rate_text

    return rate_text(x)


def print_sweep(summary: dict, path: Path) -> None:
    """The sweep table: one row per value and pair."""
    from rich.table import Table

    table = Table(summary["key"].split(".")[-2] if "." in summary["key"] else summary["key"],
                  "left → right", "det.", "prob.", "expected", "true overlap", "det. F1",
                  "prob. F1", title=f"sweep of {summary['key']} ({summary['scenario']})")
    for r in summary["rows"]:
        table.add_row(str(r["value"]), f"{r['left']} → {r['right']}",
                      _pct(r["deterministic_match_rate"]), _pct(r["probabilistic_match_rate"]),
                      _pct(r["expected_match_rate"]), _pct(r["truth_overlap_rate"]),
                      _pct(r["deterministic_f1"]), _pct(r["probabilistic_f1"]))
    console.print(table)
    console.print(f"wrote {escape(str(path))}")
