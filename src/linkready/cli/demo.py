"""``linkready demo``: generate the default scenario and assess it, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from linkready.cli._common import AGGREGATES_HELP, user_errors

if TYPE_CHECKING:
    from linkready.results import AssessResult

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder to write into: "
                                      "the synthetic extracts go to DIR/data, "
                                      "the outputs and report.html to DIR.")]
OverwriteOpt = Annotated[bool, typer.Option(
    "--overwrite", help="Replace an earlier demo in DIR (only the files linkready wrote).")]
SweepOpt = Annotated[bool, typer.Option(
    "--sweep/--no-sweep", help="Also run a small sweep of local-authority NHS-number "
    "completeness for the report's 'what would change the picture' section.")]
AggregatesOpt = Annotated[bool, typer.Option("--aggregates-only", help=AGGREGATES_HELP)]
PopulationOpt = Annotated[int | None, typer.Option(
    "--population", "-n", min=100, hidden=True,
    help="Override the default scenario's population (for quick runs and tests).")]

#: The demo's sweep world size (see :data:`linkready.pipeline.DEMO_SWEEP_POPULATION`).
SWEEP_POPULATION = 10_000


def demo(out: OutOpt = Path("out/demo"), overwrite: OverwriteOpt = False,
         sweep: SweepOpt = True, population: PopulationOpt = None,
         aggregates_only: AggregatesOpt = False) -> None:
    """Generate the default synthetic world, assess it and write report.html."""
    with user_errors():
        run_demo(out, overwrite=overwrite, sweep=sweep, population=population,
                 aggregates_only=aggregates_only)


def run_demo(out: Path, *, overwrite: bool, sweep: bool, population: int | None,
             aggregates_only: bool = False) -> AssessResult:
    """The demo (:func:`linkready.pipeline.demo`) under one progress display; prints the
    summary and the report's path.

    Returns the assess result, its ``seconds`` extended with ``generate`` and ``sweep``.
    """
    from linkready import pipeline
    from linkready.cli.assess import print_assess_summary
    from linkready.cli.progress import run_plan

    result = run_plan(pipeline.demo(out, overwrite=overwrite, with_sweep=sweep,
                                    population=population, aggregates_only=aggregates_only))
    print_assess_summary(result)
    return result
