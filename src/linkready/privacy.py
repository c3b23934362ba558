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


def is_small(count: int) -> bool:
    """True for counts that are published as ``*`` (1–7)."""
    return 0 < count <= SMALL_COUNT_MAX


def safe_rate(numerator: int, denominator: int, digits: int = 4) -> float | str | None:
    """A share that cannot be used to recover a suppressed count.

    The rate is computed from exact counts, but shown as ``*`` when the numerator, or what
    the denominator leaves over (``denominator - numerator``), is a small count: otherwise
    the rate beside a rounded denominator would give the small count away. ``None`` when
    the denominator is zero.
    """
    if denominator <= 0:
        return None
    if is_small(numerator) or is_small(denominator - numerator):
        return SUPPRESSED
    return round(numerator / denominator, digits)
