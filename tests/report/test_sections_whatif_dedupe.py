"""The what-if and duplicates sections: about the user's own pairs only, aggregates as
published, intervals that never show false precision."""

from __future__ import annotations

from typing import Any

from linkready.report._inputs import ReportInputs
from linkready.report._model import Paragraph, Table
from linkready.report._sections_dedupe import dedupe_section
from linkready.report._sections_whatif import interval_text, whatif_section


def _pair(left: str, right: str, before: float, after: float) -> dict[str, Any]:
    e = {"estimate": 0.9, "lower": 0.88, "upper": 0.92}
    return {"left": left, "right": right,
            "baseline": {"deterministic": {"match_rate": before}},
            "whatif": {"deterministic": {"match_rate": after}, "expected_match_rate": e,
                       "deterministic_share_of_expected": {"estimate": after / 0.9,
                                                           "lower": after / 0.92,
                                                           "upper": after / 0.88}},
            "deterministic_change_points": round(100 * (after - before), 1)}


WHATIF = {"config_hash": "abc", "relink": False, "assumptions": ["missing at random"],
          "warnings": [], "changes": [{"source": "la", "field": "nhs_number",
                                       "baseline_share": 0.6, "target_share": 0.9,
                                       "reached_share": 0.85, "method": "traced"}],
          "pairs": [_pair("la", "gp", 0.55, 0.8), _pair("la", "acute", 0.5, 0.7)]}
LINKAGE = {"config_hash": "abc", "pairs": [{"left": "la", "right": "gp"}]}


def _tables(section: Any) -> list[Table]:
    return [b for b in section.blocks if isinstance(b, Table)]


def test_whatif_shows_only_pairs_the_project_links() -> None:
    """A what-if pair the project does not link (la → acute) is left out."""
    section = whatif_section(ReportInputs(linkage=LINKAGE, whatif=WHATIF), 12)
    rows = _tables(section)[1].rows
    assert [r[0].text for r in rows] == ["LA → GP"]
    assert [c.text for c in rows[0][1:4]] == ["55.0%", "80.0%", "+25.0 points"]
    assert rows[0][4].detail == "88.0%–92.0%"


def test_relinked_whatif_shows_the_rate_of_all_methods() -> None:
    """With relink, the combined (all methods) rate before and after is a column."""
    pair = {**_pair("la", "gp", 0.55, 0.3)}
    pair["baseline"] = {**pair["baseline"], "combined": {"match_rate": 0.95}}
    pair["whatif"] = {**pair["whatif"], "combined": {"match_rate": 0.93}}
    doc = {**WHATIF, "relink": True, "pairs": [pair]}
    table = _tables(whatif_section(ReportInputs(linkage=LINKAGE, whatif=doc), 12))[1]
    assert table.columns[-1] == "all methods: now → after"
    assert table.rows[0][-1].text == "95.0% → 93.0%"


def test_whatif_from_another_project_is_not_shown() -> None:
    """whatif.json from another project file (config hash) shows no pair, and says why."""
    section = whatif_section(ReportInputs(linkage={**LINKAGE, "config_hash": "other"},
                                          whatif=WHATIF), 12)
    assert len(_tables(section)) == 1
    assert any("different versions of the project file" in b.text for b in section.blocks
               if isinstance(b, Paragraph))


def test_interval_text_never_shows_equal_bounds() -> None:
    """Bounds that print alike read ±<0.1; a suppressed bound hides the interval."""
    assert interval_text({"lower": 0.87401, "upper": 0.87404}) == "±<0.1 points"
    assert interval_text({"lower": 0.5, "upper": 0.6}) == "50.0%–60.0%"
    assert interval_text({"lower": "*", "upper": "*"}) == "*"


def test_dedupe_section_says_how_many_people_are_held_twice() -> None:
    """One line per source in words, and the table of published counts."""
    d = {"source": "la_adult_social_care", "records": 1000, "probable_people": 950,
         "duplicate_people": 45, "duplicate_records": 50, "duplicate_record_share": 0.05,
         "threshold": 0.9, "method": "m.",
         "expected_share_with_duplicate": {"estimate": 0.095, "lower": 0.09,
                                           "upper": 0.1}}
    section = dedupe_section(ReportInputs(linkage={"pairs": [], "dedupe": [d]}), 11)
    words = section.blocks[0]
    assert isinstance(words, Paragraph)
    assert "about 45 probable people more than once" in words.text
    assert "50 of its 1,000 records (5.0%)" in words.text
    [table] = _tables(section)
    assert [c.text for c in table.rows[0][1:5]] == ["1,000", "950", "45", "50"]


def test_dedupe_words_keep_distinct_people_apart_from_people_held_twice() -> None:
    """Splink's fake_1000 (names and DOB): 445 distinct people were read as 445 duplicate
    people; the words name both, and the model's expected share of records with one."""
    d = {"source": "housing", "records": 1000, "probable_people": 445,
         "duplicate_people": 190, "duplicate_records": 555, "duplicate_record_share": 0.557,
         "threshold": 0.9, "method": "m.",
         "expected_share_with_duplicate": {"estimate": 0.8082, "lower": 0.7963,
                                           "upper": 0.82}}
    words = dedupe_section(ReportInputs(linkage={"pairs": [], "dedupe": [d]}), 11).blocks[0]
    assert isinstance(words, Paragraph)
    assert "190 probable people more than once, among about 445 distinct people" in words.text
    assert "expects 80.8% (79.6%–82.0%) of its records to have a duplicate" in words.text
