"""Disclosure control for published counts (HES/ECDS practice).

Counts of 1–7 are shown as ``*``; other counts are rounded to the nearest 5. Zero stays 0.
"""

from __future__ import annotations

SUPPRESSED = "*"
SMALL_COUNT_MAX = 7
ROUND_TO = 5


def suppress(count: int) -> int | str:
    """The publishable form of a count: ``*`` for 1–7, else rounded to the nearest 5."""
    if count < 0:
        raise ValueError(f"a count cannot be negative: {count}")
    if count == 0:
        return 0
    if count <= SMALL_COUNT_MAX:
        return SUPPRESSED
    return int(ROUND_TO * ((count + ROUND_TO // 2) // ROUND_TO))
