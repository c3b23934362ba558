"""Telling a write the disk refused (full, read-only, not permitted) from bad input."""

from __future__ import annotations

import errno
from pathlib import Path

from linkready.errors import OutputError

#: What a failed write says (errno for OSError, text for DuckDB's IOException).
_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
_WRITE_TEXTS = ("no space left", "disk full", "read-only file system", "permission denied")


def is_write_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is the disk refusing a write (full, read-only, not permitted)."""
    if isinstance(exc, OSError):
        return exc.errno in _WRITE_ERRNOS
    return any(t in str(exc).lower() for t in _WRITE_TEXTS)


def write_error(exc: BaseException, target: Path | None = None,
                what: str = "the workspace") -> OutputError:
    """An OutputError for a write the disk refused, without DuckDB's own text."""
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
        next((t for t in _WRITE_TEXTS if t in str(exc).lower()), type(exc).__name__)
    where = f"{target}: " if target is not None else ""
    return OutputError(f"{where}{what} cannot be written ({why}); free space or choose a "
                       "writable place with --workspace")
