"""The report's "Checked by clerical review" section: built only when
review_estimates.json is present, from its aggregates, with the methods section after it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkready.report._build import build_report
from linkready.report._inputs import ReportInputs
from linkready.report._model import Table


@pytest.fixture(scope="module")
def linkage(truth_project: Path) -> dict:
    """A real linkage.json."""
    return json.loads((truth_project.parent / "linkready-results" / "linkage.json").read_text())

ESTIMATES = {
    "schema_version": "1.0", "sample_id": "abc123abc123", "labels": "labels file l.csv",
    "pairs": [{
        "left": "la_adult_social_care", "right": "gp_register", "threshold": 0.9,
        "left_records": 355, "labelled": 200, "unsure": "*",
        "precision": {"estimate": 0.987, "lower": 0.979, "upper": 0.993},
        "recall": {"estimate": 0.93, "lower": 0.9, "upper": 0.95},
        "match_rate": {"estimate": 0.8, "lower": 0.75, "upper": 0.84},
        "labels_needed": {m: {"0.02": 450, "0.05": None} for m in
                          ("precision", "recall", "match_rate")},
        "strata": []}],
}


def test_section_only_when_estimates_present(linkage: dict) -> None:
    """Without review_estimates.json there is no review section: methods is 11, and the
    glossary closes the report."""
    rep = build_report(ReportInputs(linkage=linkage))
    titles = [s.title for s in rep.sections]
    assert titles[-2].startswith("Methods") and titles[-1] == "Glossary"
    assert not any(s.id == "clerical-review" for s in rep.sections)
    assert rep.sections[-2].number == 11


def test_section_shows_estimates_with_intervals(linkage: dict) -> None:
    """With it, section 11 shows each measure with its interval, label counts as
    published (`*` stays `*`), and the methods section moves to 12 (the glossary to 13)."""
    rep = build_report(ReportInputs(linkage=linkage, review_estimates=ESTIMATES))
    section = next(s for s in rep.sections if s.id == "clerical-review")
    assert section.number == 11 and rep.sections[-2].number == 12
    assert rep.sections[-1].title == "Glossary" and rep.sections[-1].number == 13
    table = next(b for b in section.blocks if isinstance(b, Table))
    row = table.rows[0]
    assert [c.text for c in row[1:3]] == ["200", "*"]
    assert (row[3].text, row[3].detail) == ("98.7%", "97.9%–99.3%")
    assert (row[4].text, row[4].detail) == ("93.0%", "90.0%–95.0%")
    assert "every record" in row[6].text and "450" in row[6].text
    assert "abc123abc123" in table.note
