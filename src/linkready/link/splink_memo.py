"""Memoise Splink's parsing and rendering of column names.

Splink 5 builds each column reference (``SqlglotColumnTreeBuilder``, a frozen dataclass)
by parsing its name with sqlglot, and renders its SQL by building a sqlglot tree, every
time it writes SQL: thousands of times per pair, for a few dozen names. Both are pure
functions of immutable values, so each distinct name is parsed, and each distinct
reference rendered, once per process; Splink's SQL, and so every result, is unchanged.
Splink offers no public hook for this: the class's two members are replaced in place.
"""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.Lock()
_installed: list[bool] = [False]


def install() -> None:
    """Memoise ``from_raw_column_name_or_column_reference`` and ``sql`` of Splink's
    ``SqlglotColumnTreeBuilder`` (once per process; safe from several threads)."""
    with _LOCK:
        if _installed[0]:
            return
        from splink.internals.input_column import SqlglotColumnTreeBuilder as Builder

        parse = Builder.from_raw_column_name_or_column_reference.__func__  # type: ignore[attr-defined]
        render = Builder.sql.fget  # type: ignore[attr-defined]
        parsed: dict[tuple[Any, ...], Any] = {}
        rendered: dict[Any, str] = {}

        def from_raw(cls: Any, input_str: str, sqlglot_dialect: Any) -> Any:
            key = (cls, input_str, sqlglot_dialect)
            try:
                got = parsed.get(key)
            except TypeError:  # an unhashable dialect: not memoised
                return parse(cls, input_str, sqlglot_dialect)
            if got is None:  # an unparsable name raises, and is not kept
                got = parsed[key] = parse(cls, input_str, sqlglot_dialect)
            return got

        def sql(self: Any) -> str:
            try:
                got = rendered.get(self)
            except TypeError:  # an unhashable field: not memoised
                return str(render(self))
            if got is None:
                got = rendered[self] = str(render(self))
            return got

        Builder.from_raw_column_name_or_column_reference = classmethod(from_raw)  # type: ignore[method-assign,assignment]
        Builder.sql = property(sql)  # type: ignore[method-assign,assignment]
        _installed[0] = True
