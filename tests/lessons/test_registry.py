"""The lesson registry, its scenarios, exercises and course documents agree."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from linkready.errors import ConfigError
from linkready.lessons import LESSONS, get_lesson, parse_set
from linkready.lessons._context import LessonContext, scenario_path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "lessons"


def test_twelve_lessons_in_course_order() -> None:
    """Lessons are numbered 1–12 without gaps and keyed by their names."""
    assert [lesson.number for lesson in LESSONS.values()] == list(range(1, 13))


@pytest.mark.parametrize("name", list(LESSONS))
def test_lesson_scenarios_validate_for_every_variant(name: str, tmp_path: Path) -> None:
    """Each lesson's scenario file exists and every variant resolves to a valid scenario
    holding only the lesson's sources."""
    lesson = LESSONS[name]
    assert scenario_path(lesson).is_file()
    ctx = LessonContext(lesson, tmp_path, lesson.test_population)
    for v in lesson.variants:
        assert set(ctx.scenario(v).sources) == set(lesson.sources)


@pytest.mark.parametrize("name", list(LESSONS))
def test_exercise_commands_are_valid(name: str, tmp_path: Path) -> None:
    """Every exercise command names its lesson and its --set values give valid scenarios."""
    lesson = LESSONS[name]
    assert len(lesson.exercises) >= 2
    for ex in lesson.exercises:
        argv = shlex.split(ex.command)
        assert argv[:4] == ["linkready", "lessons", "run", name], ex.command
        sets = parse_set([argv[i + 1] for i, a in enumerate(argv) if a == "--set"])
        ctx = LessonContext(lesson, tmp_path, lesson.test_population, sets=sets)
        for v in lesson.variants:
            ctx.scenario(v)


@pytest.mark.parametrize("name", list(LESSONS))
def test_texts_carry_no_measured_figures(name: str) -> None:
    """Question, set-up, lesson and advice hold no percentages: figures come from the run."""
    lesson = LESSONS[name]
    for text in (lesson.question, lesson.setup, lesson.teaches, *lesson.advice):
        assert "%" not in text


@pytest.mark.parametrize("name", list(LESSONS))
def test_each_lesson_has_a_document_with_its_exercises(name: str) -> None:
    """docs/lessons/NAME.md exists and shows every exercise command; the course lists it."""
    doc = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    for ex in LESSONS[name].exercises:
        assert ex.command in doc
    assert f"({name}.md)" in (DOCS / "README.md").read_text(encoding="utf-8")


def test_unknown_lesson_lists_the_lessons() -> None:
    """An unknown name raises a ConfigError naming every lesson."""
    with pytest.raises(ConfigError) as err:
        get_lesson("nope")
    assert all(n in str(err.value) for n in LESSONS)


@pytest.mark.parametrize("item", ["novalue", "=1", "key="])
def test_bad_set_is_a_config_error(item: str) -> None:
    """--set values that are not KEY=VALUE are refused."""
    with pytest.raises(ConfigError):
        parse_set([item])
