"""Lessons: measured demonstrations of linkage pitfalls on synthetic data with known truth.

Each lesson generates one or more synthetic worlds from a scenario in
``configs/lessons/``, links and evaluates them, measures what the pitfall does, and
writes a self-contained page. See ``docs/lessons/README.md``.
"""

from linkready.lessons._model import Exercise, Figure, Lesson, LessonResult, Variant
from linkready.lessons._registry import LESSONS, get_lesson
from linkready.lessons._run import (
    LessonRun,
    parse_set,
    run,
    run_lesson,
    step_count,
    write_lesson,
)

__all__ = [
    "LESSONS",
    "Exercise",
    "Figure",
    "Lesson",
    "LessonResult",
    "LessonRun",
    "Variant",
    "get_lesson",
    "parse_set",
    "run",
    "run_lesson",
    "step_count",
    "write_lesson",
]
