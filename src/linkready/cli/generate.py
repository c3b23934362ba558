"""``linkready generate``: write a synthetic world's raw extracts, truth and project file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linkready.cli._common import console, user_errors

FORMATS = ("csv", "parquet")


def generate(
    scenario: Annotated[
        str,
        typer.Argument(help="A built-in scenario name (see --list) or a path to a scenario .yaml."),
    ] = "default",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder to write the extracts, truth and "
                                            "project.yaml into (required; a new or empty "
                                            "folder).")
    ] = None,
    population: Annotated[
        int | None,
        typer.Option("--population", "-n", min=10, help="Override the scenario's population."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Override the scenario's seed.")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="Raw extract format: csv or parquet.")
    ] = "csv",
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace DIR if it exists.")
    ] = False,
    list_: Annotated[
        bool, typer.Option("--list", help="List the built-in scenarios and exit.")
    ] = False,
) -> None:
    """Generate a synthetic population and realistic raw extracts with known truth."""
    with user_errors():
        from linkready.errors import ConfigError
        from linkready.generate.scenario import list_scenarios

        if list_:
            from rich.table import Table

            table = Table("scenario", "description", title="Built-in scenarios")
            for name, desc in list_scenarios().items():
                table.add_row(name, desc)
            console.print(table)
            return
        if fmt not in FORMATS:
            raise ConfigError(f"--format: `{fmt}` is not supported; use csv or parquet")
        if out is None:
            raise ConfigError("--out: no output directory given; add --out DIR")
        from linkready import pipeline
        from linkready.cli.progress import run_plan
        from linkready.cli.summary import print_generation_summary
        from linkready.generate.scenario import load_scenario

        scen = load_scenario(scenario, population=population, seed=seed)
        result = run_plan(pipeline.generate(scen, out, fmt=fmt, overwrite=overwrite))
        print_generation_summary(result.manifest, out)
