"""Bad input at the workspace edge: every problem is one clear line, never a traceback."""

from __future__ import annotations

import pytest

from linkready.errors import ConfigError, InputError
from linkready.link.workspace import SourceStats, check_pairs, parse_pairs
from linkready.project import Project

COLS = {"record_id": "id", "given_name": "g", "dob": "d"}
PROJECT = Project(name="p", sources={s: {"path": f"{s}.csv", "columns": COLS}
                                     for s in ("gp", "la", "empty", "blank", "given", "dupes")})
FULL = {"nhs_number": 5, "given_name": 5, "family_name": 5, "dob": 5, "sex": 5, "postcode": 5}
STATS = {
    "gp": SourceStats("gp", 5, FULL),
    "la": SourceStats("la", 5, FULL),
    "blank": SourceStats("blank", 5, {**dict.fromkeys(FULL, 0), "sex": 5}),
    "given": SourceStats("given", 5, {**dict.fromkeys(FULL, 0), "given_name": 5}),
    "dupes": SourceStats("dupes", 5, FULL, distinct_ids=4),
}


@pytest.mark.parametrize(("pairs", "error", "fragment"), [
    pytest.param([("nope", "gp")], ConfigError, "`nope` is not a source", id="unknown"),
    pytest.param([("empty", "gp")], InputError, "has no records", id="empty"),
    pytest.param([("blank", "gp")], InputError, "no usable identifiers", id="no-identifiers"),
    pytest.param([("empty", "empty")], InputError, "has no records", id="self-empty"),
    pytest.param([("given", "gp")], InputError, "share too few identifiers", id="given-only"),
    pytest.param([("dupes", "gp")], InputError, "`record_id` repeats", id="repeated-ids"),
])
def test_check_pairs_rejects(pairs: list[tuple[str, str]], error: type, fragment: str) -> None:
    """Unknown, empty and identifier-less sources are refused with a message naming them."""
    with pytest.raises(error) as info:
        check_pairs(pairs, PROJECT, STATS)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_check_pairs_accepts_good_pairs() -> None:
    """A pair of populated sources passes."""
    check_pairs([("la", "gp")], PROJECT, STATS)


def test_check_pairs_accepts_self_pair() -> None:
    """A pair [S, S] (deduplicate S, link/dedupe.py) passes the same checks as any pair."""
    check_pairs([("la", "la")], PROJECT, STATS)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(None, None, id="none"),
    pytest.param("la:gp", [("la", "gp")], id="one"),
    pytest.param(" la : gp ,acute:gp", [("la", "gp"), ("acute", "gp")], id="two-spaced"),
])
def test_parse_pairs(text: str | None, expected: list[tuple[str, str]] | None) -> None:
    """--pairs LEFT:RIGHT,… parses into tuples."""
    assert parse_pairs(text) == expected


@pytest.mark.parametrize("text", ["la", "la:gp:x", "la:"])
def test_parse_pairs_rejects_malformed(text: str) -> None:
    """A malformed --pairs item is a ConfigError naming it."""
    with pytest.raises(ConfigError, match="LEFT:RIGHT"):
        parse_pairs(text)


def test_field_failing_its_format_for_most_records_is_a_warning() -> None:
    """A model field set to NULL for failing its format in over half of the records is
    named with its share; half or fewer is not; a share resting on a count of 1–7 is
    not shown."""
    from linkready.link.workspace import unreadable_warnings

    s = SourceStats("council", 100, FULL, unreadable={"uprn": 60, "dob": 50})
    (w,) = unreadable_warnings(s)
    assert w.startswith("`uprn` of council fails its format in 60% of the records")
    tiny = SourceStats("tiny", 5, FULL, unreadable={"uprn": 4})
    assert "in most of the records" in unreadable_warnings(tiny)[0]
