"""What a message shown to a user may look like: one line, short, nothing raw.

Messages name files, fields and fixes; they can still carry text a user typed or a file
held (a column name, a path), so every line printed goes through :func:`one_line`.
"""

from __future__ import annotations

import re
import unicodedata

#: The longest line linkready prints for one problem.
MAX_LINE = 300

_QUOTED = re.compile(r"(['\"])(?:(?!\1).){1,200}\1")
_LONG_DIGITS = re.compile(r"\d[\d ]{5,}\d")


def _escape_char(ch: str) -> str:
    if ch in "\n\r\t":
        return " "
    if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}:
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """``text`` on one line, control characters escaped, at most ``limit`` characters."""
    flat = "".join(_escape_char(ch) for ch in str(text))
    flat = " ".join(flat.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def scrub(text: str) -> str:
    """Exception text with what might be extract values removed: quoted strings and long
    runs of digits (NHS numbers, dates). Used for the internal-error log."""
    return _LONG_DIGITS.sub("<digits>", _QUOTED.sub(r"\1…\1", str(text)))
