"""The "Duplicates within a source" section, from linkage.json's ``dedupe`` key (a pair
[S, S] in project.yaml). Aggregates only, as published."""

from __future__ import annotations

from linkready.report._fmt import ccell, hcell, pct, source_label
from linkready.report._inputs import ReportInputs
from linkready.report._model import Block, Cell, Paragraph, Section, Table
from linkready.report._sections_whatif import interval_text

TITLE = "Duplicates within a source"


def dedupe_section(inp: ReportInputs, number: int) -> Section:
    """Per deduplicated source: records, probable people, people held more than once."""
    found = (inp.linkage or {}).get("dedupe", [])
    rows = tuple(
        (hcell(source_label(d["source"])), ccell(d["records"]), ccell(d["probable_people"]),
         ccell(d["duplicate_people"]), ccell(d["duplicate_records"]),
         Cell(pct(d["duplicate_record_share"]), "rate"),
         Cell(pct(d["expected_share_with_duplicate"]["estimate"]), "rate",
              detail=interval_text(d["expected_share_with_duplicate"])))
        for d in found)
    blocks: list[Block] = []
    for d in found:
        blocks.append(Paragraph(
            f"{source_label(d['source'])} holds about {ccell(d['duplicate_people']).text} "
            f"probable people more than once, among about "
            f"{ccell(d['probable_people']).text} distinct people: "
            f"{ccell(d['duplicate_records']).text} of its "
            f"{ccell(d['records']).text} records "
            f"({pct(d['duplicate_record_share'])}) would go if it were deduplicated. "
            f"The model expects {pct(d['expected_share_with_duplicate']['estimate'])} "
            f"({interval_text(d['expected_share_with_duplicate'])}) of its records to have "
            "a duplicate (counting links below the threshold by their probability); both "
            "figures miss duplicates whose records no blocking rule brings together."))
    blocks.append(Table(
        "Probable duplicate people per source",
        ("source", "records", "probable people", "people held more than once",
         "duplicate records", "duplicate share", "records with a duplicate (expected)"),
        rows, note=(found[0]["method"] + " Threshold p ≥ "
                    f"{found[0]['threshold']}.") if found else ""))
    return Section("duplicates", number, TITLE,
                   "How many people does each source hold under more than one record?",
                   tuple(blocks))
