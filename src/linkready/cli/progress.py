"""A rich progress display that core code can drive through a plain callback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from linkready.cli._common import err_console
from linkready.progress import ProgressCallback

if TYPE_CHECKING:
    from linkready.pipeline import Plan

T = TypeVar("T")


class _Progress(Progress):
    """A progress display that clears itself when the run failed, so that the error is
    the only line printed (on a terminal and in a redirected stderr alike)."""

    failed = False

    def stop(self) -> None:
        if not self.failed:
            super().stop()
            return
        self.live.transient = True
        self.live.stop()  # Progress.stop would add an empty line on a non-terminal


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[ProgressCallback]:
    """Yield a callback ``(step_name, done)`` that advances a bar on stderr; the bar stays
    when the block ends normally and is cleared when it raises."""
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[step]}"),
    )
    # Redrawn ten times a second on a terminal only: elsewhere (a pipe, a log file)
    # nothing is shown before the end, so a refresh thread would only spend CPU (~0.06 s
    # over a FEBRL 4 link) rendering bars no one sees; the final bar is printed the same.
    with _Progress(*columns, console=err_console, transient=False,
                   auto_refresh=err_console.is_terminal) as prog:
        task = prog.add_task(escape(description), total=total, step="")

        def advance(step: str, done: int = 1) -> None:
            prog.update(task, advance=done, step=escape(step))

        try:
            yield advance
        except BaseException:
            prog.failed = True
            raise


def run_plan(plan: Plan[T]) -> T:
    """Run a :class:`linkready.pipeline.Plan` under one bar sized by its steps' totals."""
    with progress_bar(plan.title, plan.total) as advance:
        return plan.run(advance)
