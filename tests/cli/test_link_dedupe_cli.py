"""`linkready link` on a pair [S, S]: the terminal keeps a source's distinct people apart
from the people it holds more than once (Splink's fake_1000, names and DOB only: 445
distinct people were read as 445 duplicate people, against 251 people in the truth)."""

from __future__ import annotations

from pathlib import Path

from linkready.cli._common import console
from linkready.cli.link import print_linkage_summary


def _summary() -> dict:
    return {"threshold": 0.9, "pairs": [], "warnings": [],
            "clusters": {"sources": ["housing"], "distinct_people": 445},
            "dedupe": [{"source": "housing", "records": 1000, "probable_people": 445,
                        "duplicate_people": 190, "duplicate_records": 555,
                        "duplicate_record_share": 0.557,
                        "expected_share_with_duplicate": {
                            "estimate": 0.8082, "lower": 0.7963, "upper": 0.82}}]}


def test_dedupe_line_names_distinct_people_and_people_held_twice(tmp_path: Path) -> None:
    with console.capture() as cap:
        print_linkage_summary(_summary(), tmp_path, record_level=False)
    text = " ".join(cap.get().split())  # rich wraps lines
    assert "distinct people across 1 source: 445" in text
    assert ("housing: 190 probable people held more than once, among about 445 distinct "
            "people in 1000 records (555 duplicate records, 55.7%)") in text
    assert "records with a duplicate, as the model expects: 80.8% (79.6%–82.0%)" in text
