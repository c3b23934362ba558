"""``linkready generate``: write a synthetic world's raw extracts, truth and project file."""

from __future__ import annotations

from pathlib import Path

import typer

from linkready.cli._common import console, user_errors


def generate(
    scenario: str = typer.Argument(
        "default", help="A built-in scenario name (see --list) or a path to a scenario .yaml."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Directory to write into."),
    population: int | None = typer.Option(None, "--population", "-n", min=10,
                                          help="Override the scenario's population size."),
    seed: int | None = typer.Option(None, "--seed", help="Override the scenario's seed."),
    fmt: str = typer.Option("csv", "--format", help="Raw extract format: csv or parquet."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace DIR if it exists."),
    list_: bool = typer.Option(False, "--list", help="List the built-in scenarios and exit."),
) -> None:
    """Generate a synthetic population and realistic raw extracts with known truth."""
    with user_errors():
        from linkready.generate.scenario import list_scenarios

        if list_:
            from rich.table import Table

            table = Table("scenario", "description", title="Built-in scenarios")
            for name, desc in list_scenarios().items():
                table.add_row(name, desc)
            console.print(table)
            return
        if fmt not in {"csv", "parquet"}:
            from linkready.errors import ConfigError

            raise ConfigError(f"--format: `{fmt}` is not supported; use csv or parquet")
        if out is None:
            from linkready.errors import ConfigError

            raise ConfigError("--out: no output directory given; add --out DIR")
        from linkready.cli.summary import print_generation_summary
        from linkready.generate.api import generate_to_dir
        from linkready.generate.scenario import load_scenario

        scen = load_scenario(scenario, population=population, seed=seed)
        from linkready.cli.progress import progress_bar
        from linkready.generate.api import step_count

        with progress_bar(f"generating {scen.name}", step_count(scen)) as advance:
            manifest = generate_to_dir(scen, out, fmt=fmt, overwrite=overwrite, progress=advance)
        print_generation_summary(manifest, out)
