"""``linkready demo``: generate the default scenario and assess it, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from linkready.cli._common import user_errors

if TYPE_CHECKING:
    from linkready.report import AssessResult

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Directory to write into: the "
                                      "synthetic extracts go to DIR/data, the outputs and "
                                      "report.html to DIR.")]
OverwriteOpt = Annotated[bool, typer.Option(
    "--overwrite", help="Replace an earlier demo in DIR (only the files linkready wrote).")]
SweepOpt = Annotated[bool, typer.Option(
    "--sweep/--no-sweep", help="Also run a small sweep of local-authority NHS-number "
    "completeness for the report's 'what would change the picture' section.")]
PopulationOpt = Annotated[int | None, typer.Option(
    "--population", "-n", min=100, hidden=True,
    help="Override the default scenario's population (for quick runs and tests).")]

#: The sweep the demo runs: how NHS-number completeness in adult social care changes
#: linkage to the GP register, on a smaller world so that it adds seconds, not minutes.
SWEEP_KEY = "sources.la_adult_social_care.errors.nhs_missing.rate"
SWEEP_VALUES = (0.35, 0.2, 0.05)
SWEEP_PAIR = ("la_adult_social_care", "gp_register")
SWEEP_POPULATION = 10_000


def demo(out: OutOpt = Path("out/demo"), overwrite: OverwriteOpt = False,
         sweep: SweepOpt = True, population: PopulationOpt = None) -> None:
    """Generate the default synthetic world, assess it and write report.html."""
    with user_errors():
        run_demo(out, overwrite=overwrite, sweep=sweep, population=population)


def run_demo(out: Path, *, overwrite: bool, sweep: bool, population: int | None,
             ) -> AssessResult:
    """The demo under one progress display; prints the summary and the report's path.

    Returns the assess result, its ``seconds`` extended with ``generate`` and ``sweep``.
    """
    import time

    from linkready.cli.assess import print_assess_summary
    from linkready.cli.progress import progress_bar
    from linkready.errors import OutputError
    from linkready.generate.api import generate_to_dir
    from linkready.generate.api import step_count as generate_steps
    from linkready.generate.scenario import load_scenario
    from linkready.link.sweep import run_sweep, write_sweep
    from linkready.outdir import OutputSet, check_claimable, claim, previous_sets, register
    from linkready.project import load_project
    from linkready.report import assess_project, steps_for

    if previous_sets(check_claimable(out)) and not overwrite:
        raise OutputError(f"{out}: already holds a demo; choose another --out or add "
                          "--overwrite")
    scenario = load_scenario("default", population=population)
    folder = claim(out)
    data = folder / "data"
    sweep_pop = min(SWEEP_POPULATION, population or SWEEP_POPULATION)
    n = len(scenario.sources)
    # The generated project links every source against the GP register and has truth.
    steps = generate_steps(scenario) + (len(SWEEP_VALUES) if sweep else 0) + \
        steps_for(n, n - 1, truth=True)
    seconds: dict[str, float] = {}
    with progress_bar("demo", steps) as advance:
        t = time.perf_counter()
        register(folder, "demo", [data.name])
        generate_to_dir(scenario, data, overwrite=True, progress=advance)
        seconds["generate"] = time.perf_counter() - t
        if sweep:
            t = time.perf_counter()
            with OutputSet(folder, "sweep") as files:
                summary = run_sweep("default", SWEEP_KEY, list(SWEEP_VALUES),
                                    files.stage / "sweep", population=sweep_pop,
                                    pairs=[SWEEP_PAIR], progress=advance)
                write_sweep(summary, files.stage)
            seconds["sweep"] = time.perf_counter() - t
        project_file = data / "project.yaml"
        result = assess_project(load_project(project_file), project_file, folder,
                                progress=advance)
    result.seconds = {**seconds, **result.seconds}
    print_assess_summary(result)
    return result
