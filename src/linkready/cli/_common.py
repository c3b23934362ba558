"""What every command shares: the error boundary and the console."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from linkready.errors import LinkreadyError

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a LinkreadyError into one line per problem on stderr and its exit code.

    This is the only place where domain errors become exit codes.
    """
    try:
        yield
    except LinkreadyError as exc:
        for line in exc.lines():
            # Escaped: messages hold literal brackets (e.g. "linkready[spark]").
            err_console.print(f"[bold red]error:[/] {escape(line)}", markup=True,
                              highlight=False)
        raise typer.Exit(code=exc.exit_code) from None
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing was written")
        raise typer.Exit(code=130) from None


def run(fn: Callable[[], T]) -> T:
    with user_errors():
        return fn()


def rate_text(x: float | str | None) -> str:
    """A published rate as a percentage: ``*`` stays ``*`` (it rests on a count of 1–7),
    a missing rate is a dash."""
    if x is None:
        return "—"
    return x if isinstance(x, str) else f"{x:.1%}"


def is_interactive() -> bool:
    return sys.stderr.isatty()
