"""``linkready sweep``: regenerate and relink over a grid of one scenario parameter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from linkready.cli._common import console, user_errors


def sweep(
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Folder to write sweep.json and each value's world into "
                            "(required; a new or empty folder).")],
    scenario: str = typer.Argument(..., help="A built-in scenario name or a scenario .yaml."),
    vary: str = typer.Option(..., "--vary", metavar="KEY=V1,V2,…",
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
    """The sweep, one small table per pair (fits 80 columns): the configured value, the
    NHS-number completeness the world measured, and the match rates; then the page."""
    from rich.table import Table

    from linkready.report.sweep_page import key_words

    words, _ = key_words(summary["key"])
    by_pair: dict[tuple[str, str], list[dict]] = {}
    for r in summary["rows"]:
        by_pair.setdefault((r["left"], r["right"]), []).append(r)
    console.print(f"Sweep of {escape(words)} (scenario {escape(str(summary['scenario']))}); "
                  "rates are shares of the left source's records.", highlight=False)
    for (left, right), rows in by_pair.items():
        table = Table(title=f"{escape(left)} → {escape(right)}", title_justify="left")
        table.add_column("setting", overflow="fold", max_width=10)
        for head in ("valid NHS no. (measured)", "NHS-no. match", "prob. match",
                     "expected", "true overlap"):
            table.add_column(head, justify="right", overflow="fold", max_width=12)
        for r in rows:
            table.add_row(escape(str(r["value"])), _pct(r.get("left_valid_nhs_share")),
                          _pct(r["deterministic_match_rate"]),
                          _pct(r["probabilistic_match_rate"]), _pct(r["expected_match_rate"]),
                          _pct(r["truth_overlap_rate"]))
        console.print(table)
    console.print(f"wrote {escape(str(path))} and its page, "
                  f"{escape(str(path.with_name('sweep.html')))}", highlight=False)
