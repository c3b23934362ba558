"""`linkready link`'s terminal table: blocking recall is "not read" for a pair whose
model expects too few matches for recall to mean anything (the report's rule), and read
as before otherwise (est9's finding: a pair sharing nobody printed "99.7% (27.5%–100.0%)")."""

from __future__ import annotations

from typing import Any

from linkready.cli.link import _label_free
from linkready.link.estimates import perfect_blocking_lower


def _pair(matches: float) -> Any:
    return {"left": "housing", "right": "gp_register", "left_records": 1000,
            "probabilistic": {
                "match_rate": 0.0, "linked_records": 0,
                "expected_match_rate": {"estimate": 0.014, "lower": 0.0, "upper": 0.077},
                "false_links": {"share": 0.0, "lower": 0.0, "upper": 0.0},
                "blocking": {"estimated_recall": {
                    "estimate": 0.997, "lower": 0.275, "upper": 1.0,
                    "expected_matches": round(matches),
                    "perfect_blocking_lower": perfect_blocking_lower(matches)}}}}


def test_recall_is_not_read_on_too_few_expected_matches() -> None:
    recall, false = _label_free(_pair(14))
    assert recall == "not read: too few expected matches"
    assert false.startswith("0.0%")


def test_recall_is_read_with_enough_expected_matches() -> None:
    recall, _ = _label_free(_pair(428))
    assert recall.startswith("99.7%") and "27.5%" in recall
