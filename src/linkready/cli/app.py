"""The ``linkready`` command. Each command lives in its own module; heavy imports are lazy."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from linkready._version import __version__
from linkready.cli import assess as _assess
from linkready.cli import clean as _clean
from linkready.cli import demo as _demo
from linkready.cli import evaluate as _evaluate
from linkready.cli import generate as _generate
from linkready.cli import link as _link
from linkready.cli import profile as _profile
from linkready.cli import report as _report
from linkready.cli import sweep as _sweep
from linkready.cli import validate as _validate
from linkready.cli import whatif as _whatif
from linkready.cli._common import CONTEXT


def _flags_without_metavar() -> None:
    """Typer's rich help prints ``<bool>`` after every flag (``--overwrite <bool>``), as if
    it took a value; a flag takes none, so show no type for it (its plain-text help
    already shows none)."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "linkready_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: object) -> str | None:
        if self.is_flag and not self.count:
            return None
        return shown(self, ctx)  # type: ignore[arg-type]

    display_type_rich.linkready_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_without_metavar()


#: What to do instead, for options users give to a command that does not take them.
_OPTION_HINTS = {
    "--no-estimates": " (only `linkready link` takes it: assess and whatif always estimate; "
                      "for links and clusters alone run `linkready link --no-estimates`)",
}


def _usage_errors_on_one_line() -> None:
    """An option or argument the parser refuses (``--seed -3``, a missing PROJECT) is
    printed as one line naming the option and where help is, as linkready's own errors
    are, rather than Typer's usage line, hint and three-line box.

    Typer prints those through ``typer.rich_utils``, which imports rich.markdown,
    markdown-it and Pygments (about 0.1 s) and is needed only for help and such errors:
    it is imported, and patched, on first use (Typer reads it as ``from . import
    rich_utils``, an attribute of the package)."""
    import sys
    import types

    def one_line_error(exc: Any) -> None:
        if type(exc).__name__ == "NoArgsIsHelpError":  # help was printed instead
            return
        from linkready.cli._common import error_line

        ctx = getattr(exc, "ctx", None)
        where = f"; see `{ctx.command_path} -h`" if ctx is not None else ""
        hint = _OPTION_HINTS.get(getattr(exc, "option_name", None) or "", "")
        error_line(f"{exc.format_message().rstrip('.')}{hint}{where}")

    one_line_error.linkready_one_line = True  # type: ignore[attr-defined]

    def patch(module: Any) -> Any:
        if not getattr(module.rich_format_error, "linkready_one_line", False):
            module.rich_format_error = one_line_error
        return module

    name = "typer.rich_utils"
    if name in sys.modules:
        patch(sys.modules[name])
        return

    class _OnFirstUse(types.ModuleType):
        def __getattr__(self, attr: str) -> Any:
            import importlib

            if name not in sys.modules and vars(typer).get("rich_utils") is self:
                delattr(typer, "rich_utils")  # the import binds the real module
            return getattr(patch(importlib.import_module(name)), attr)

    typer.rich_utils = _OnFirstUse(name)  # type: ignore[attr-defined]


_usage_errors_on_one_line()

#: The commands in the order of the work, as ``--help`` lists them: make or map extracts,
#: look at them, link, measure, report, check by review; then exploring and teaching.
ORDER = ("generate", "profile", "validate", "link", "evaluate", "assess", "report", "review",
         "whatif", "clean", "sweep", "lessons", "demo")


class _InWorkflowOrder(TyperGroup):
    """Lists commands in :data:`ORDER` (Typer puts groups such as ``review`` last)."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        rank = {n: i for i, n in enumerate(ORDER)}
        return sorted(names, key=lambda n: rank.get(n, len(ORDER)))


app = typer.Typer(
    name="linkready",
    cls=_InWorkflowOrder,
    context_settings=CONTEXT,
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
app.command("profile")(_profile.profile)
app.command("validate")(_validate.validate)
app.command("link")(_link.link)
app.command("evaluate")(_evaluate.evaluate)
app.command("assess")(_assess.assess)
app.command("report")(_report.report)
app.add_typer(__import__("linkready.cli.review", fromlist=["app"]).app, name="review")
app.command("clean")(_clean.clean)
app.command("sweep")(_sweep.sweep)
app.command("whatif")(_whatif.whatif)
app.add_typer(__import__("linkready.cli.lessons", fromlist=["app"]).app, name="lessons")
app.command("demo")(_demo.demo)


def main() -> None:
    """The console entry point: every command's errors pass through one boundary."""
    from linkready.cli._common import user_errors

    _collect_less_often()
    _freeze_heap_at_exit()

    try:
        with user_errors():
            app(standalone_mode=True)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None


#: The cyclic collector's thresholds in the ``linkready`` process (Python's are 700, 10,
#: 10): importing Splink, sqlglot and pandas allocates millions of objects that live to
#: the end, and at 700 a FEBRL 4 link ran ~350 collections (~0.18 s, two of them full);
#: at 10,000 it runs ~25 (~0.1 s). Cycles are still collected, in larger batches.
GC_THRESHOLDS = (10_000, 20, 20)


def _collect_less_often() -> None:
    """Set :data:`GC_THRESHOLDS` for this process (the command line only: importing
    linkready as a library leaves the collector as the caller set it)."""
    import gc

    gc.set_threshold(*GC_THRESHOLDS)


def _freeze_heap_at_exit() -> None:
    """Move every object still alive when the process ends out of reach of the cyclic
    garbage collector (:func:`gc.freeze`), as the last exit handler.

    The interpreter's shutdown runs full collections over the whole heap, which after a
    link holds Splink, sqlglot, pandas and pyarrow: ~0.35 s of a FEBRL 4 link's exit,
    ~0.05 s frozen. Nothing is skipped: exit handlers registered later (temporary
    folders, thread pools) run first and as before, standard streams are flushed and
    every object is still released by its reference count; only cycles still alive at
    exit are left for the operating system to reclaim with the process."""
    import atexit
    import gc

    atexit.register(gc.freeze)
