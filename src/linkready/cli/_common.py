"""What every command shares: the error boundary and the console."""

from __future__ import annotations

import errno
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from linkready.errors import LinkreadyError, Terminated
from linkready.messages import one_line

T = TypeVar("T")

#: ``-h`` as well as ``--help`` on every command and group.
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"]}
#: Where commands that take PROJECT.yaml write unless given ``--out`` (the words every
#: help text uses; see :func:`linkready.outdir.default_results`).
DEFAULT_OUT = "linkready-results/ beside the project file"

#: ``--aggregates-only`` on every command that would leave record-level files behind.
AGGREGATES_HELP = ("Write aggregates only: no links.parquet, clusters.parquet or workspace "
                   "is left behind (the workspace lives in a temporary folder, removed "
                   "after the run).")

console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

#: Exit codes beyond 0 (success), 1 (quality gate) and 2 (bad input or configuration).
EXIT_INTERNAL = 3
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

#: OSError numbers that mean "the machine or the folder", not a bug: exit 2 with the fix.
_ENVIRONMENT_ERRORS = {
    errno.ENOSPC: "no space left on the device; free disk space and run again",
    errno.EDQUOT: "disk quota exceeded; free space and run again",
    errno.EROFS: "the file system is read-only; choose a writable --out",
    errno.EACCES: "permission denied; choose a folder you can write to",
    errno.EPERM: "operation not permitted; choose a folder you can write to",
}


def error_line(text: str) -> None:
    """Print one problem on stderr: one line, escaped, at most 300 characters."""
    err_console.print(f"[bold red]error:[/] {escape(one_line(text))}", markup=True,
                      highlight=False)


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


@contextmanager
def _sigterm_as_exception() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`Terminated` (clean-up then runs)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _is_engine_interrupt(exc: BaseException | None) -> bool:
    """DuckDB turns Ctrl-C during a query into its own exception: an
    ``InterruptException``, or (from a query run inside another library's call, e.g.
    Splink's) a bare ``RuntimeError("Query interrupted")``; Splink raises its own
    ``SplinkException`` from either, so the chain of causes is read too."""
    seen = 0
    while exc is not None and seen < 10:
        if type(exc).__name__ == "InterruptException" and "duckdb" in type(exc).__module__:
            return True
        if type(exc) is RuntimeError and str(exc) == "Query interrupted":
            return True
        exc, seen = exc.__cause__, seen + 1
    return False


def write_crash_log(exc: BaseException) -> Path | None:
    """Write the traceback, with exception text scrubbed of anything that may be data,
    into the output folder (or the temporary folder); return its path."""
    import tempfile
    import time
    import traceback

    from linkready import __version__
    from linkready.messages import scrub
    from linkready.outdir import last_claimed, register

    lines = [f"linkready {__version__} internal error at "
             f"{time.strftime('%Y-%m-%dT%H:%M:%S')}\n", f"argv: {len(sys.argv) - 1} argument(s)\n"]
    for part in traceback.TracebackException.from_exception(exc).format():
        # Frames name linkready's own files and lines; only exception text may carry data.
        lines.append(part if part.startswith("  File ") else scrub(part))
    text = "".join(lines)
    folders = [*last_claimed, Path(tempfile.gettempdir())]
    for folder in folders:
        path = folder / ("linkready-error.log" if folder in last_claimed
                         else f"linkready-error-{time.strftime('%Y%m%d-%H%M%S')}.log")
        try:
            path.write_text(text, encoding="utf-8")
        except OSError:
            continue
        if folder in last_claimed:
            with suppress(LinkreadyError):
                register(folder, "errors", [path.name])
        return path
    return None


@contextmanager
def user_errors() -> Iterator[None]:
    """The only place where exceptions become exit codes and one line on stderr.

    0 success; 1 a quality gate failed; 2 bad input or configuration (including a full
    disk or a read-only folder); 3 an internal error (the traceback goes to a log file,
    never the terminal); 130 on Ctrl-C; 143 on SIGTERM.
    """
    try:
        with _sigterm_as_exception():
            yield
    except LinkreadyError as exc:
        for line in exc.lines():
            error_line(line)
        raise typer.Exit(code=exc.exit_code) from None
    except Terminated:
        err_console.print("terminated; no output was changed")
        raise typer.Exit(code=EXIT_SIGTERM) from None
    except KeyboardInterrupt:
        err_console.print("interrupted; no output was changed")
        raise typer.Exit(code=EXIT_SIGINT) from None
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise
    except OSError as exc:
        if exc.errno in _ENVIRONMENT_ERRORS:
            where = f"{exc.filename}: " if exc.filename else ""
            error_line(f"{where}{_ENVIRONMENT_ERRORS[exc.errno]}")
            raise typer.Exit(code=2) from None
        _internal(exc)
    except Exception as exc:
        if _is_engine_interrupt(exc):
            err_console.print("interrupted; no output was changed")
            raise typer.Exit(code=EXIT_SIGINT) from None
        _internal(exc)


def _internal(exc: BaseException) -> NoReturn:
    path = write_crash_log(exc)
    where = f"details in {path}" if path else "no log could be written"
    error_line(f"internal error ({type(exc).__name__}); {where}; please report it")
    raise typer.Exit(code=EXIT_INTERNAL) from None


def rate_text(x: float | str | None) -> str:
    """A published rate as a percentage: ``*`` stays ``*`` (it rests on a count of 1–7),
    a missing rate is a dash."""
    if x is None:
        return "—"
    return x if isinstance(x, str) else f"{x:.1%}"


def is_interactive() -> bool:
    return sys.stderr.isatty()
