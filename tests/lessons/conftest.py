"""Each lesson is run once per session (per xdist worker) at its small test size and
shared by the tests; the tests that read these runs are all in test_effects.py, so that
under ``--dist loadfile`` one worker runs them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from linkready.lessons import LESSONS, LessonRun, run_lesson


@pytest.fixture(scope="session")
def lesson_run() -> Callable[[str], LessonRun]:
    """Run a lesson at its test population (cached for the session)."""
    cache: dict[str, LessonRun] = {}

    def get(name: str) -> LessonRun:
        if name not in cache:
            cache[name] = run_lesson(name, population=LESSONS[name].test_population)
        return cache[name]

    return get
