"""The registry of row-level checks: small pure functions returning SQL conditions.

A :class:`Check` is data — a name, the field it is about, a category and a boolean SQL
condition. Conditions are written over the *combinations* relation of
:mod:`linkready.profile._query` (one row per distinct combination of issue codes, flags
and subgroup keys, with its record count ``n``), so every check is counted from the one
aggregate pass over a source: ``sum(n) FILTER (WHERE condition)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from linkready.ingest import _rules as R
from linkready.ingest._sql import in_list

#: NHS number ranges that are issued (England/Wales/IoM, Scotland CHI, Northern Ireland).
ISSUED_RANGES: tuple[tuple[str, str], ...] = (
    ("0100000000", "3119999999"),
    ("3200000000", "3999999999"),
    ("4000000000", "4999999999"),
    ("6000000000", "7999999999"),
)


def has(field: str) -> str:
    """SQL: the canonical column of ``field`` holds a value (valid, or flagged but kept)."""
    kept = tuple(c for c in R.KEPT_ISSUES if c in R.FIELD_ISSUES[field])
    return (f"({field}_issue IS NULL OR {field}_issue IN {in_list(kept)})" if kept
            else f"({field}_issue IS NULL)")


#: The combos column saying the record's postcode can be compared: a UK postcode, or,
#: in a source whose postcodes mostly fail the UK format (another country's, as in
#: FEBRL), any postcode, since linkage then compares them as normalised strings.
POSTCODE_LINKABLE = "postcode_linkable"
LINKABLE_PROBABILISTIC = (
    f"({has('given_name')} AND {has('family_name')} AND {has('dob')} "
    f"AND ({POSTCODE_LINKABLE} OR {has('sex')}))"
)
#: A valid NHS number: Modulus 11 passes and not a placeholder.
LINKABLE_DETERMINISTIC = "(nhs_number_issue IS NULL)"


@dataclass(frozen=True)
class Check:
    """One countable condition; its result is a record (check, field, category, count)."""

    check: str
    field: str
    category: str
    condition: str


CheckFactory = Callable[[frozenset[str]], Iterable[Check]]
REGISTRY: dict[str, CheckFactory] = {}


def register(name: str) -> Callable[[CheckFactory], CheckFactory]:
    """Add a check factory (held fields → checks) to the registry under ``name``."""

    def deco(fn: CheckFactory) -> CheckFactory:
        REGISTRY[name] = fn
        return fn

    return deco


def vodim_condition(field: str, klass: str) -> str:
    """SQL: the field's VODIM class is ``klass`` (NULL issue = valid)."""
    if klass == "valid":
        return f"{field}_issue IS NULL"
    codes = tuple(c for c, k in R.ISSUE_CLASS.items() if k == klass and c in R.FIELD_ISSUES[field])
    return f"{field}_issue IN {in_list(codes)}" if codes else "false"


@register("records")
def records_checks(held: frozenset[str]) -> Iterable[Check]:
    yield Check("records", "record", "all", "true")
    yield Check("completeness", "record_id", "missing", "record_id_missing")


@register("vodim")
def vodim_checks(held: frozenset[str]) -> Iterable[Check]:
    for f in R.CLASSIFIED_FIELDS:
        if f in held:
            for klass in R.VODIM_CLASSES:
                yield Check("vodim", f, klass, vodim_condition(f, klass))


@register("issues")
def issue_checks(held: frozenset[str]) -> Iterable[Check]:
    for f in R.CLASSIFIED_FIELDS:
        if f in held:
            for code in R.FIELD_ISSUES[f]:
                yield Check("issue", f, code, f"{f}_issue = '{code}'")


@register("nhs_number")
def nhs_number_checks(held: frozenset[str]) -> Iterable[Check]:
    if "nhs_number" not in held:
        return
    yield Check("nhs_number", "nhs_number", "present", has("nhs_number"))
    yield Check("nhs_number", "nhs_number", "valid", LINKABLE_DETERMINISTIC)
    yield Check("nhs_number", "nhs_number", "outside_issued_ranges", "nhs_outside_issued")
    yield Check("nhs_number", "nhs_number", "test_range", "nhs_test_range")


@register("dob")
def dob_checks(held: frozenset[str]) -> Iterable[Check]:
    if "dob" in held:
        yield Check("dob", "dob", "implausible_age", "implausible_age")


@register("extras")
def extra_checks(held: frozenset[str]) -> Iterable[Check]:
    for f in ("imd_decile", "lsoa", "middle_names", "address_line", "local_id", "uprn"):
        if f in held:
            yield Check("completeness", f, "missing", f"{f}_missing")


@register("readiness")
def readiness_checks(held: frozenset[str]) -> Iterable[Check]:
    yield Check("readiness", "record", "deterministic", LINKABLE_DETERMINISTIC)
    yield Check("readiness", "record", "probabilistic", LINKABLE_PROBABILISTIC)
    yield Check("readiness", "record", "either",
                f"{LINKABLE_DETERMINISTIC} OR {LINKABLE_PROBABILISTIC}")
    yield Check("readiness", "record", "neither",
                f"NOT ({LINKABLE_DETERMINISTIC} OR {LINKABLE_PROBABILISTIC})")


def issued_range_sql() -> str:
    """SQL over records: a valid NHS number outside every issued range."""
    issued = " OR ".join(f"nhs_number BETWEEN '{lo}' AND '{hi}'" for lo, hi in ISSUED_RANGES)
    return f"coalesce(nhs_number_valid AND NOT ({issued}), false)"


#: The standardisation-log action that marks a source's NHS numbers as tokens.
TOKEN_ACTION = "pseudonymised"
#: The NHS-number issues a token can have (no digits, length or checksum to test).
TOKEN_ISSUES = ("missing", "placeholder")


def token_check(c: Check) -> bool:
    """Whether check ``c`` applies to a source whose NHS numbers are tokens: not the
    digit, checksum and issued-range checks."""
    if c.field != "nhs_number":
        return True
    if c.check == "issue":
        return c.category in TOKEN_ISSUES
    return c.category not in ("outside_issued_ranges", "test_range")


def all_checks(held: frozenset[str]) -> list[Check]:
    """Every registered check that applies to a source holding ``held`` fields."""
    return [c for factory in REGISTRY.values() for c in factory(held)]
