"""What a message shown to a user may look like: one line, short, nothing raw.

Messages name files, fields and fixes; they can still carry text a user typed or a file
held (a column name, a path), so every line printed goes through :func:`one_line`.
"""

from __future__ import annotations

import re
import unicodedata

#: The longest line linkready prints for one problem.
MAX_LINE = 300

_LONG_PATH = re.compile(r"(?<![\w.])/(?:[^\s/;:,()]+/){3,}[^\s/;:,()]*")
#: Paths longer than this are shown by their last two parts.
_PATH_KEEP = 60
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
    """``text`` on one line, control characters escaped, at most ``limit`` characters.

    In a long line, long absolute paths are shown by their last two parts; a line still
    too long is cut in the middle (its start names the file and field, its end the fix).
    """
    flat = "".join(_escape_char(ch) for ch in str(text))
    flat = " ".join(flat.split())
    if len(flat) > limit:
        flat = _LONG_PATH.sub(_short_path, flat)
    if len(flat) > limit:
        head = limit * 2 // 5
        flat = flat[:head].rstrip() + " … " + flat[-(limit - head - 3):].lstrip()
    return flat


def room_left(text: str, limit: int = MAX_LINE) -> int:
    """How many more characters a printed line holding ``text`` has room for, counting
    long paths as :func:`one_line` shortens them in a line that is too long."""
    return limit - len(_LONG_PATH.sub(_short_path, one_line(text, limit=10**9)))


def _short_path(match: re.Match[str]) -> str:
    path = match.group(0)
    if len(path) <= _PATH_KEEP:
        return path
    parts = path.rstrip("/").split("/")
    return "…/" + "/".join(parts[-2:])


def scrub(text: str) -> str:
    """Exception text with what might be extract values removed: quoted strings and long
    runs of digits (NHS numbers, dates). Used for the internal-error log."""
    return _LONG_DIGITS.sub("<digits>", _QUOTED.sub(r"\1…\1", str(text)))
