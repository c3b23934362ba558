"""Lesson pages and JSON: self-contained, measured, and aggregate-only."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from linkready.lessons import LESSONS, LessonRun, write_lesson

Run = Callable[[str], LessonRun]


def _published_counts(payload: dict) -> list:
    counts = [f["value"] for f in payload["figures"].values() if f["kind"] == "count"]
    for t in payload["tables"]:
        keys = [c["key"] for c in t["columns"] if c["kind"] == "count"]
        counts += [row[k] for row in t["rows"] for k in keys]
    for v in payload["variants"]:
        counts += [int(n.replace(",", "")) if n != "*" else n for n in v["records"].values()]
    return counts


@pytest.mark.parametrize("name", list(LESSONS))
def test_counts_are_disclosure_controlled(lesson_run: Run, name: str) -> None:
    """Every published count is 0, * or a multiple of 5 (no count of 1–7 escapes)."""
    payload = lesson_run(name).payload
    for value in _published_counts(payload):
        assert value == "*" or (isinstance(value, int) and value % 5 == 0), (name, value)


def test_page_is_self_contained_and_holds_no_identifiers(lesson_run: Run) -> None:
    """The page has inline CSS and SVG, no script, no URL, no NHS number or date of birth."""
    html = lesson_run("no_nhs_number").html
    assert "<style>" in html and "<svg" in html
    assert "<script" not in html.lower()
    assert "http" not in html and "//" not in re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    assert not re.search(r"\b999\s?\d{3}\s?\d{4}\b", html)
    assert not re.search(r"\b\d{2}/\d{2}/(19|20)\d{2}\b", html)


def test_page_shows_every_measured_figure(lesson_run: Run) -> None:
    """Each figure of the result appears on the page as formatted, with its label."""
    run = lesson_run("formats")
    for f in run.result.figures.values():
        assert f.text() in run.html and f.label.split(":")[0] in run.html


def test_written_json_matches_the_run(lesson_run: Run, tmp_path: Path) -> None:
    """lesson.json carries the schema version, the lesson and exactly the run's figures."""
    run = lesson_run("twins")
    html, js = write_lesson(run, tmp_path / "out")
    payload = json.loads(js.read_text())
    assert payload["schema_version"] and payload["lesson"] == "twins"
    assert set(payload["figures"]) == set(run.result.figures)
    assert [v["key"] for v in payload["variants"]] == ["no_twins", "twins"]
    assert html.read_text().startswith("<!doctype html>")


@pytest.mark.parametrize("name", list(LESSONS))
def test_findings_are_built_from_figures(lesson_run: Run, name: str) -> None:
    """A lesson reports at least two findings and three measured figures."""
    result = lesson_run(name).result
    assert len(result.findings) >= 2 and len(result.figures) >= 3
