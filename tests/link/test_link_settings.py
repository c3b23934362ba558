"""The authored model: which comparisons and blocking rules each field set gets, and
what the hand-written SQL levels accept."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from linkready.link import settings

ALL = set(settings.MODEL_FIELDS)


@pytest.mark.parametrize(("fields", "present", "absent"), [
    pytest.param(ALL, "l.nhs_number = r.nhs_number", None, id="all-fields"),
    pytest.param(ALL - {"nhs_number"}, "l.given_name = r.given_name AND l.dob = r.dob",
                 "l.nhs_number = r.nhs_number", id="no-nhs-number"),
    pytest.param(ALL, "l.given_name = r.family_name AND l.family_name = r.given_name", None,
                 id="swapped-names-rule"),
    pytest.param({"nhs_number"}, "l.nhs_number = r.nhs_number",
                 "l.given_name = r.given_name AND l.dob = r.dob", id="nhs-only"),
])
def test_blocking_rules_follow_fields(fields: set[str], present: str, absent: str | None) -> None:
    """Blocking rules use only fields both sides hold, and cover swapped names."""
    rules = settings.blocking_rules(fields)
    assert present in rules
    assert absent is None or absent not in rules


def test_comparisons_leave_out_missing_fields() -> None:
    """A field neither side can compare gets no comparison (rather than an untrained one)."""
    names = [c.create_output_column_name() for c in settings.comparisons(ALL - {"nhs_number"})]
    assert "nhs_number" not in names
    assert {"given_name", "family_name", "dob", "postcode", "sex"} <= set(names)


def _holds(sql: str, **cols: object) -> bool:
    con = duckdb.connect()
    select = ", ".join(f"?::{'DATE' if isinstance(v, dt.date) else 'VARCHAR'} AS {k}"
                       for k, v in cols.items())
    return bool(con.execute(f"SELECT ({sql}) FROM (SELECT {select})",
                            list(cols.values())).fetchone()[0])


D = dt.date


@pytest.mark.parametrize(("left", "right", "swap", "one_part"), [
    pytest.param(D(1980, 3, 7), D(1980, 7, 3), True, False, id="day-month-swap"),
    pytest.param(D(1980, 3, 7), D(1981, 3, 7), False, True, id="year-differs"),
    pytest.param(D(1980, 3, 7), D(1980, 3, 9), False, True, id="day-differs"),
    pytest.param(D(1980, 3, 7), D(1979, 4, 7), False, False, id="two-parts-differ"),
])
def test_dob_levels(left: dt.date, right: dt.date, swap: bool, one_part: bool) -> None:
    """The DOB swap and one-part-different levels accept exactly the intended errors."""
    assert _holds(settings.dob_day_month_swap_sql(), dob_l=left, dob_r=right) is swap
    assert _holds(settings.dob_one_part_sql(), dob_l=left, dob_r=right) is one_part


@pytest.mark.parametrize(("gl", "fl", "gr", "fr", "expected"), [
    pytest.param("ANNA", "SMITH", "SMITH", "ANNA", True, id="swapped"),
    pytest.param("ANNA", "SMITH", "ANNA", "SMITH", False, id="same-order"),
    pytest.param("LEE", "LEE", "LEE", "LEE", False, id="identical-given-and-family"),
])
def test_swapped_names_level(gl: str, fl: str, gr: str, fr: str, expected: bool) -> None:
    """The swapped-names level fires only for a real given/family transposition."""
    got = _holds(settings.swapped_names_sql(), given_name_l=gl, family_name_l=fl,
                 given_name_r=gr, family_name_r=fr)
    assert got is expected
