"""Quoting for SQL assembled from names: the one place identifiers and literals are escaped.

Source names, column names and paths come from the user's project file; every piece of
SQL built from them goes through :func:`ident` (a column or table name) or :func:`lit`
(a string value, e.g. a source name or a file path), so that an apostrophe
(``king's_college``) or a double quote is data, never syntax.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from os import PathLike

__all__ = ["date_lit", "ident", "in_list", "lit"]


def ident(name: str) -> str:
    """A quoted SQL identifier: ``a"b`` → ``"a""b"``."""
    return '"' + str(name).replace('"', '""') + '"'


def lit(value: str | PathLike[str]) -> str:
    """A SQL string literal: ``king's`` → ``'king''s'``. Paths are written as text."""
    return "'" + str(value).replace("'", "''") + "'"


def in_list(values: Iterable[str]) -> str:
    """A parenthesised list of string literals, for ``x IN (...)``."""
    return "(" + ", ".join(lit(v) for v in values) + ")"


def date_lit(d: date) -> str:
    """A SQL DATE literal."""
    return f"DATE '{d.isoformat()}'"
