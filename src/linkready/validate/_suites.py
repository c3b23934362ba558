"""Expectation suites as plain data, built from a source's mapping (no GX import here).

Each :class:`ExpectationSpec` names a Great Expectations expectation and its arguments;
the adapter in :mod:`linkready.validate._gx` turns them into GX objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from linkready.ingest import _rules as R
from linkready.project import Project

#: A standardised name: words of letters (and their marks) in any script, one space
#: apart — no digits, ASCII punctuation or other whitespace (Python ``re`` has no \p{L}).
_NAME_WORD = r"[^\s\d!-/:-@\[-`{-~]+"
NAME_REGEX = rf"^{_NAME_WORD}(?: {_NAME_WORD})*$"

NHS_REGEX = r"^[0-9]{10}$"
#: A pseudonymised token: one run of hex, base64 or base64url characters (no spaces).
TOKEN_REGEX = r"^[0-9A-Za-z+/=_-]+$"


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation: its GX class name, the column, and keyword arguments."""

    expectation: str
    column: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def not_null(column: str, mostly: float) -> ExpectationSpec:
    return ExpectationSpec("ExpectColumnValuesToNotBeNull", column, {"mostly": mostly})


def regex(column: str, pattern: str) -> ExpectationSpec:
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise ValueError(f"regex for {column} must be anchored with ^…$ (GX regex is a search)")
    return ExpectationSpec("ExpectColumnValuesToMatchRegex", column, {"regex": pattern})


def in_set(column: str, values: tuple[str, ...]) -> ExpectationSpec:
    return ExpectationSpec("ExpectColumnValuesToBeInSet", column, {"value_set": list(values)})


def between(column: str, lo: Any, hi: Any) -> ExpectationSpec:
    return ExpectationSpec("ExpectColumnValuesToBeBetween", column,
                           {"min_value": lo, "max_value": hi})


def suite_for(project: Project, source: str, reference: date) -> list[ExpectationSpec]:
    """The expectations for one source's canonical records, from what its mapping holds.

    Dates are compared as datetimes (GX cannot compare pandas timestamps with dates).
    """
    spec = project.sources[source]
    settings = project.validation
    out = [not_null("record_id", 1.0),
           ExpectationSpec("ExpectColumnValuesToBeUnique", "record_id")]
    if spec.held("nhs_number") and spec.nhs_tokens:
        # Tokens: present, one run of token characters, and never an NHS number in clear.
        out += [not_null("nhs_number", settings.mostly_for("nhs_number")),
                regex("nhs_number", TOKEN_REGEX),
                ExpectationSpec("ExpectColumnValuesToNotMatchRegex", "nhs_number",
                                {"regex": NHS_REGEX})]
    elif spec.held("nhs_number"):
        out += [not_null("nhs_number", settings.mostly_for("nhs_number")),
                regex("nhs_number", NHS_REGEX),
                ExpectationSpec("ExpectColumnValuesToBeValidNhsNumber", "nhs_number")]
    for f in R.NAME_FIELDS:
        if spec.held(f):
            out += [not_null(f, settings.mostly_for(f)), regex(f, NAME_REGEX)]
    if spec.held("dob"):
        out += [not_null("dob", settings.mostly_for("dob")),
                between("dob", datetime(*R.EARLIEST_DOB.timetuple()[:3]),
                        datetime(*reference.timetuple()[:3]))]
    if spec.held("sex"):
        out += [not_null("sex", settings.mostly_for("sex")), in_set("sex", R.SEX_CODES)]
    if spec.held("postcode"):
        out += [not_null("postcode", settings.mostly_for("postcode")),
                regex("postcode", R.POSTCODE_REGEX)]
    if spec.held("ethnicity"):
        out += [not_null("ethnicity", settings.mostly_for("ethnicity")),
                in_set("ethnicity", R.ETHNICITY_CODES)]
    if spec.held("lsoa"):
        out += [not_null("lsoa", settings.mostly_for("lsoa")), regex("lsoa", R.LSOA_REGEX)]
    if spec.held("imd_decile"):
        out += [not_null("imd_decile", settings.mostly_for("imd_decile")),
                between("imd_decile", 1, 10)]
    return out
