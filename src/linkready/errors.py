"""The exceptions linkready raises. The CLI turns each into one line and an exit code."""

from __future__ import annotations

from collections.abc import Iterable


class LinkreadyError(Exception):
    """Base class. Raised for any problem the user can fix; never for a bug.

    ``exit_code`` is what the CLI exits with: 2 for bad input or config, 1 for a
    quality gate that failed.
    """

    exit_code = 2

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message)

    def lines(self) -> list[str]:
        """Every line to print: the problems if there are several, else the message."""
        return self.problems or [str(self)]


class ConfigError(LinkreadyError):
    """Raised when a scenario or project file is missing, malformed or invalid.

    ``problems`` holds one line per problem, each naming the file, the key and the fix,
    so that all of them can be shown at once.
    """


class InputError(LinkreadyError):
    """Raised when an extract cannot be read as declared (missing file or column,
    wrong encoding or delimiter, no rows)."""


class OutputError(LinkreadyError):
    """Raised when an output directory exists and ``--overwrite`` was not given, or
    cannot be written."""


class QualityGateFailed(LinkreadyError):
    """Raised when ``--fail-on-error`` is set and a validation expectation failed."""

    exit_code = 1


class BackendUnavailable(LinkreadyError):
    """Raised when the chosen linkage engine cannot start: ``--backend spark`` without
    PySpark installed (``linkready[spark]``), without Java 17 or later, or when the Spark
    session described by ``--spark-conf`` cannot be created."""


class Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM, so that clean-up in
    ``finally`` blocks runs as it does for Ctrl-C; the CLI exits 143. Not an Exception:
    no ``except Exception`` swallows it."""
