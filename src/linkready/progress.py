"""The progress protocol core code reports through; the CLI decides how to show it."""

from __future__ import annotations

from typing import Protocol


class ProgressCallback(Protocol):
    def __call__(self, step: str, done: int = 1) -> None: ...


def no_progress(step: str, done: int = 1) -> None:
    """A callback that shows nothing (library use and tests)."""
