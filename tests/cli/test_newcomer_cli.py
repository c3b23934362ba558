"""Terminal output a newcomer reads, found on extracts linkready did not generate."""

from __future__ import annotations

from pathlib import Path

from linkready.cli._common import console
from linkready.cli.link import print_linkage_summary


def test_a_dedupe_only_link_prints_no_empty_pair_table(tmp_path: Path) -> None:
    """`link --pairs housing:housing` (duplicates within one workbook, Splink's
    fake_1000) printed an empty "Linkage at p ≥ 0.9" table above the duplicate count."""
    summary = {"threshold": 0.9, "pairs": [], "warnings": [],
               "clusters": {"sources": ["housing"], "distinct_people": 445},
               "dedupe": [{"source": "housing", "duplicate_people": 190,
                           "duplicate_records": 555, "records": 1000,
                           "duplicate_record_share": 0.555}]}
    with console.capture() as cap:
        print_linkage_summary(summary, tmp_path, record_level=True)
    text = cap.get()
    assert "Linkage at p" not in text and "left → right" not in text
    assert "190 probable people held more than once" in text
