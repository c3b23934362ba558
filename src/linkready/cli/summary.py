"""Printing summaries of what a command wrote (kept apart from building them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from linkready.cli._common import console


def print_generation_summary(manifest: dict[str, Any], out: Path) -> None:
    table = Table(title=f"{escape(str(manifest['scenario']))}: {manifest['population']:,} people "
                        f"(seed {manifest['seed']})")
    table.add_column("source")
    table.add_column("records", justify="right")
    table.add_column("errors injected", justify="right")
    table.add_column("most common errors")
    for name, rows in manifest["row_counts"].items():
        errs = manifest["errors"][name]
        top = sorted(((v, k) for k, v in errs.items() if v), reverse=True)[:3]
        table.add_row(name, f"{rows:,}", f"{sum(errs.values()):,}",
                      ", ".join(f"{k} {v:,}" for v, k in top))
    console.print(table)
    console.print(f"wrote {escape(str(out))}/ (project.yaml, truth.parquet, population.parquet, "
                  f"manifest.json and {len(manifest['row_counts'])} extracts)")
