"""The registry of lessons, in course order."""

from __future__ import annotations

from linkready.errors import ConfigError
from linkready.lessons._model import Lesson
from linkready.lessons.course import (
    analysis_bias,
    blocking,
    duplicates,
    formats,
    hashed_ids,
    moves,
    name_variants,
    no_nhs_number,
    overlap,
    placeholders,
    thresholds,
    twins,
)

_ALL: tuple[Lesson, ...] = (
    no_nhs_number.LESSON,
    placeholders.LESSON,
    formats.LESSON,
    name_variants.LESSON,
    moves.LESSON,
    twins.LESSON,
    duplicates.LESSON,
    thresholds.LESSON,
    blocking.LESSON,
    overlap.LESSON,
    analysis_bias.LESSON,
    hashed_ids.LESSON,
)

#: Every lesson by name, in course order.
LESSONS: dict[str, Lesson] = {lesson.name: lesson
                              for lesson in sorted(_ALL, key=lambda x: x.number)}


def get_lesson(name: str) -> Lesson:
    """A lesson by name; ConfigError listing the lessons if there is none."""
    try:
        return LESSONS[name]
    except KeyError:
        raise ConfigError(f"unknown lesson `{name}`; use one of {', '.join(LESSONS)} "
                          "(see `linkready lessons list`)") from None
