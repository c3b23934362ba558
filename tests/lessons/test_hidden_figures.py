"""A share that rests on a count of 1–7 is kept exact for a lesson's own arithmetic but
published as * (on the page and in lesson.json)."""

from __future__ import annotations

from linkready.lessons._model import LessonResult


def test_hidden_share_keeps_exact_value_and_shows_star() -> None:
    res = LessonResult()
    assert res.share("recall", "recall", 0.97, shown="*") == 0.97
    res.share("precision", "precision", 0.5, shown=0.5)
    res.share("expected", "expected rate (model)", "*")  # no exact value at hand
    assert res.value("recall") == 0.97 and res.hidden("recall")
    assert res.text("recall") == "*" and res.shown("recall") == "*"
    assert res.text("precision") == "50.0%" and not res.hidden("precision")
    assert res.value("expected") is None and res.text("expected") == "*"
    res.number("gap", "recall minus precision", 0.47, "points",
               hidden=res.hidden("recall", "precision"))
    assert res.text("gap") == "*" and res.value("gap") == 0.47


def test_lesson_json_publishes_star_for_hidden_figures() -> None:
    from linkready.lessons import LESSONS
    from linkready.lessons._page import to_json

    res = LessonResult()
    res.share("recall", "recall", 0.97, shown="*")
    doc = to_json(LESSONS["thresholds"], res, [], {})
    assert doc["figures"]["recall"]["value"] == "*"
