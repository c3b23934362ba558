"""Words that follow the measured figures, so a lesson's prose never contradicts its run.

A lesson's sentences are built after its figures; wherever a claim could turn out either
way under an exercise (``--set``), the wording is chosen here from the figures rather than
written in advance. Every helper returns a neutral phrase when a figure is unknown or
hidden (``None``).
"""

from __future__ import annotations


def known(*values: float | None) -> bool:
    """All figures are measured and published (not None)."""
    return all(v is not None for v in values)


def direction(a: float | None, b: float | None, *, within: float, more: str, less: str,
              same: str, unknown: str = "compared with") -> str:
    """``more`` if ``a`` exceeds ``b`` by more than ``within``, ``less`` if it falls short
    by more than that, ``same`` otherwise (``unknown`` when either is missing)."""
    if a is None or b is None:
        return unknown
    if a - b > within:
        return more
    if b - a > within:
        return less
    return same


def near(a: float | None, b: float | None, within: float) -> bool | None:
    """Whether two figures are within ``within`` of each other (None when unknown)."""
    if a is None or b is None:
        return None
    return abs(a - b) <= within
