"""The registry of lessons, in course order."""

from __future__ import annotations

from linkready.errors import ConfigError
from linkready.lessons import formats, identifiers, method, people
from linkready.lessons._model import Lesson

_ALL: tuple[Lesson, ...] = (
    identifiers.NO_NHS_NUMBER,
    identifiers.PLACEHOLDERS,
    formats.FORMATS,
    people.NAME_VARIANTS,
    people.MOVES,
    people.TWINS,
    people.DUPLICATES,
    method.THRESHOLDS,
    method.BLOCKING,
    method.OVERLAP,
    method.ANALYSIS_BIAS,
    identifiers.HASHED_IDS,
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
