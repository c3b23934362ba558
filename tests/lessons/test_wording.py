"""Lesson prose follows the measured figures: a claim that an exercise can overturn is
worded from the run, so the text never contradicts the numbers beside it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from linkready.lessons import LESSONS, LessonRun, run_lesson
from linkready.lessons._wording import direction, near

Run = Callable[[str], LessonRun]
NOTHING = "nothing to join on"


def test_direction_and_near() -> None:
    kw = {"more": "up", "less": "down", "same": "level", "unknown": "?"}
    assert direction(0.5, 0.4, within=0.01, **kw) == "up"
    assert direction(0.4, 0.5, within=0.01, **kw) == "down"
    assert direction(0.405, 0.4, within=0.01, **kw) == "level"
    assert direction(None, 0.4, within=0.01, **kw) == "?"
    assert near(0.1, 0.12, 0.03) is True and near(0.1, 0.2, 0.03) is False
    assert near(None, 0.1, 0.5) is None


def test_no_nhs_number_says_nothing_only_when_nothing_joins(lesson_run: Run) -> None:
    """Default run: no NHS numbers, 'nothing to join on'. The lesson's own exercise
    (`nhs_missing` 0.35) gives two LA records in three their number back: the text must
    then say what the exact join did, not that there was nothing to join on."""
    base = lesson_run("no_nhs_number").result
    assert base.value("deterministic_match_rate") < 0.01
    assert NOTHING in base.findings[0]
    exercise = next(e for e in LESSONS["no_nhs_number"].exercises if "0.35" in e.command)
    key, value = exercise.command.split("--set ")[1].split("=")
    run = run_lesson("no_nhs_number", population=LESSONS["no_nhs_number"].test_population,
                     sets={key: float(value)}).result
    det, prob = run.value("deterministic_match_rate"), run.value("probabilistic_match_rate")
    assert det > 0.2
    assert NOTHING not in run.findings[0]
    assert run.text("deterministic_match_rate") in run.findings[0]
    assert ("more than" in run.findings[1]) == (prob - det > 0.005)


def _says(finding: str, phrase: str) -> bool:
    return phrase in finding


@pytest.mark.parametrize("name", ["analysis_bias", "blocking", "overlap", "placeholders",
                                  "hashed_ids", "duplicates"])
def test_directional_words_match_the_figures(lesson_run: Run, name: str) -> None:
    """Each lesson's directional wording agrees with the figures of its own run."""
    r = lesson_run(name).result
    text = " ".join(r.findings)
    if name == "analysis_bias":
        worse_most = r.value("det_underestimate_most") - r.value("det_underestimate_least")
        assert _says(text, "apparently lower service use") == (worse_most > 0.005)
        close = abs(r.value("comb_gap") - r.value("true_gap")) <= max(
            0.005, abs(r.value("det_gap") - r.value("true_gap")) / 2)
        assert _says(text, "close to the truth") == close
    elif name == "blocking":
        fell = r.value("recall_standard") - r.value("recall_names_dob") > 0.002
        assert _says(text, "recall fell to") == fell
        lost_movers = (r.value("never_compared_postcode_dob")
                       - r.value("never_compared_standard") > 0.002)
        assert _says(text, "lost the movers instead") == lost_movers
    elif name == "overlap":
        alike = abs(r.value("deterministic_low_overlap")
                    - r.value("deterministic_poor_identifiers")) <= 0.05
        assert _says(text, "they look alike") == alike
        apart = abs(r.value("expected_low_overlap")
                    - r.value("expected_poor_identifiers")) > 0.03
        assert _says(text, "rate tells them apart") == apart
    elif name == "placeholders":
        exact_worse = (r.value("deterministic_false_match_rate_kept")
                       - r.value("probabilistic_false_match_rate_kept") > 0.001)
        assert _says(text, "damage is done by exact rules") == exact_worse
    elif name == "hashed_ids":
        fell = r.value("clear_recall") - r.value("hashed_exact_recall") > 0.001
        assert _says(text, "Overall recall fell") == fell
    elif name == "duplicates":
        over = r.value("naive_people_error_duplicates") > 0
        assert _says(text, "links overcounts") == over


def test_formats_text_follows_its_exercises(lesson_run: Run) -> None:
    """Default run: dashed NHS numbers and mm/dd/yyyy dates break raw joins, and the text
    says so. With both of the lesson's exercises applied (the acute system writes NHS
    numbers spaced and dates dd/mm/yyyy, as the GP does), it must not."""
    base = lesson_run("formats").result
    assert "never equals" in base.findings[0] and "fail to parse" in base.findings[1]
    sets = {}
    for exercise in LESSONS["formats"].exercises:
        key, value = exercise.command.split("--set ")[1].split("=")
        sets[key] = value
    run = run_lesson("formats", population=LESSONS["formats"].test_population,
                     sets=sets).result
    assert run.value("dob_wrong_format_unparseable") == 0
    assert run.value("dob_wrong_format_silently_wrong") == 0
    assert "fail to parse" not in run.findings[1] and "changes nothing" in run.findings[1]
    alike = run.value("rule1_standardised") - run.value("rule1_raw") <= 0.01
    assert alike and "never equals" not in run.findings[0]
