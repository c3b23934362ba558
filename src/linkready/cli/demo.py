"""``linkready demo``: the default scenario, end to end."""

from __future__ import annotations

from pathlib import Path

import typer

from linkready.cli._common import user_errors


def demo(
    out: Path = typer.Option(Path("out/demo"), "--out", "-o", help="Directory to write into."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace DIR if it exists."),
) -> None:
    """Generate the default synthetic world and summarise what was written."""
    with user_errors():
        from linkready.cli.progress import progress_bar
        from linkready.cli.summary import print_generation_summary
        from linkready.generate.api import generate_to_dir, step_count
        from linkready.generate.scenario import load_scenario

        scenario = load_scenario("default")
        data = out / "data"
        if out.exists() and not overwrite:
            from linkready.errors import OutputError

            raise OutputError(f"{out}: already exists; choose another --out or add --overwrite")
        with progress_bar("generating default", step_count(scenario)) as advance:
            manifest = generate_to_dir(scenario, data, overwrite=True, progress=advance)
        print_generation_summary(manifest, data)
