"""The ``linkready`` command. Each command lives in its own module; heavy imports are lazy."""

from __future__ import annotations

import typer

from linkready._version import __version__
from linkready.cli import assess as _assess
from linkready.cli import demo as _demo
from linkready.cli import evaluate as _evaluate
from linkready.cli import generate as _generate
from linkready.cli import link as _link
from linkready.cli import profile as _profile
from linkready.cli import report as _report
from linkready.cli import sweep as _sweep
from linkready.cli import validate as _validate
from linkready.cli import whatif as _whatif

app = typer.Typer(
    name="linkready",
    help=(
        "Measure whether health and care extracts are ready to link: generate synthetic "
        "extracts with known truth, profile data quality, link, and report."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"linkready {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """linkready: record-linkage readiness for English health and care data."""


app.command("generate")(_generate.generate)
app.command("link")(_link.link)
app.command("profile")(_profile.profile)
app.command("validate")(_validate.validate)
app.command("evaluate")(_evaluate.evaluate)
app.command("demo")(_demo.demo)
app.command("assess")(_assess.assess)
app.command("report")(_report.report)
app.command("sweep")(_sweep.sweep)
app.command("whatif")(_whatif.whatif)
app.add_typer(__import__("linkready.cli.lessons", fromlist=["app"]).app, name="lessons")
app.add_typer(__import__("linkready.cli.review", fromlist=["app"]).app, name="review")


def main() -> None:
    """The console entry point: every command's errors pass through one boundary."""
    from linkready.cli._common import user_errors

    try:
        with user_errors():
            app(standalone_mode=True)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
