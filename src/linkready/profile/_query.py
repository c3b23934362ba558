"""SQL for profiling one source, built by small pure functions returning SQL text.

Two scans of a source's records:

1. ``combos_sql`` — one aggregate pass grouping the records by their issue codes, a few
   flags and the subgroup keys. Every registered check and every subgroup breakdown is
   then counted from that small relation (``sum(n) FILTER (WHERE …)``), not from the
   records again.
2. ``grouped_sql`` — one statement of per-key group-bys (hashed keys where only
   equality matters) for what needs groups of records: distinct values and top-value
   shares, duplicate ids, NHS numbers shared by records with different DOB or sex, and
   probable duplicate people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from linkready.ingest import _rules as R
from linkready.ingest._sql import date_lit, lit
from linkready.profile._checks import (
    LINKABLE_DETERMINISTIC,
    LINKABLE_PROBABILISTIC,
    POSTCODE_LINKABLE,
    Check,
    has,
    issued_range_sql,
)

#: Fields whose discriminating power is measured (distinct values, top-value shares).
POWER_FIELDS: tuple[str, ...] = (
    "nhs_number", "given_name", "family_name", "dob", "sex", "postcode", "ethnicity",
)
EXTRAS = ("imd_decile", "lsoa", "middle_names", "address_line", "local_id", "uprn")
#: Subgroup dimensions and the combos column each is read from.
SUBGROUP_DIMENSIONS: tuple[str, ...] = ("ethnicity", "ethnic_group", "sex", "age_band",
                                        "imd_decile")


@dataclass(frozen=True)
class KeySet:
    """One group-by of the grouped pass: its name, key expression, filter and kind."""

    name: str
    key: str
    where: str
    kind: str  # "field" | "duplicates"


def age_band_sql(age: str) -> str:
    whens = " ".join(f"WHEN {age} BETWEEN {lo} AND {hi} THEN {lit(label)}"
                     for label, lo, hi in R.AGE_BANDS)
    return f"CASE {whens} ELSE 'not known' END"


def ethnic_group_sql(col: str) -> str:
    whens = " ".join(f"WHEN {lit(code)} THEN {lit(group)}"
                     for code, group in R.ETHNIC_GROUPS.items())
    return f"CASE {col} {whens} ELSE 'not known' END"


def records_sql(source: str) -> str:
    return f"SELECT * FROM records WHERE source = {lit(source)}"


def postcode_as_text_sql(source: str) -> str:
    """Whether most postcodes the source holds fail the UK format, so that linkage
    compares them as normalised strings (the rule of
    ``linkready.link.workspace.SourceStats.postcode_mostly_invalid``)."""
    return ("SELECT count(postcode_text) > 0 AND count(postcode) < 0.5 * "
            f"count(postcode_text) FROM ({records_sql(source)})")


def combos_sql(source: str, reference: date, *, tokens: bool = False,
               postcode_as_text: bool = False) -> str:
    """Group one source's records by issue codes, check flags and subgroup keys. With
    ``tokens`` (pseudonymised NHS numbers) the issued-range checks do not apply; with
    ``postcode_as_text`` a postcode failing the UK format still counts as comparable."""
    age = f"date_sub('year', dob, {date_lit(reference)})"
    usable = (f"({has('postcode')} OR postcode_issue = 'invalid_format')"
              if postcode_as_text else has("postcode"))
    keys = [f"{f}_issue" for f in R.CLASSIFIED_FIELDS] + [
        f"{usable} AS {POSTCODE_LINKABLE}",
        "record_id IS NULL AS record_id_missing",
        f"{'false' if tokens else issued_range_sql()} AS nhs_outside_issued",
        ("false" if tokens else
         "coalesce(nhs_number_valid AND nhs_number >= '9990000000', false)")
        + " AS nhs_test_range",
        f"coalesce({age} > {R.IMPLAUSIBLE_AGE}, false) AS implausible_age",
        *(f"{f} IS NULL AS {f}_missing" for f in EXTRAS),
        "coalesce(ethnicity, 'not known') AS sg_ethnicity",
        "CASE sex WHEN '1' THEN 'male' WHEN '2' THEN 'female' ELSE 'not known' END AS sg_sex",
        f"{age_band_sql(age)} AS sg_age_band",
        "coalesce(CAST(imd_decile AS VARCHAR), 'not known') AS sg_imd_decile",
    ]
    return (f"SELECT {', '.join(keys)}, count(*) AS n FROM ({records_sql(source)}) "
            "GROUP BY ALL")


def checks_sql(combos: str, checks: list[Check]) -> str:
    """Count every check from the combinations relation named ``combos``."""
    cols = ", ".join(f"coalesce(sum(n) FILTER (WHERE {c.condition}), 0)" for c in checks)
    return f"SELECT {cols} FROM {combos}"


def subgroups_sql(combos: str, dimensions: list[str]) -> str:
    """Records, NHS numbers present and valid, and records linkable probabilistically, by
    subgroup, for each dimension (from the combinations relation)."""
    figures = (f"sum(n), coalesce(sum(n) FILTER (WHERE {has('nhs_number')}), 0), "
               f"coalesce(sum(n) FILTER (WHERE {LINKABLE_DETERMINISTIC}), 0), "
               f"coalesce(sum(n) FILTER (WHERE {LINKABLE_PROBABILISTIC}), 0)")
    parts = []
    for dim in dimensions:
        col = ethnic_group_sql("sg_ethnicity") if dim == "ethnic_group" else f"sg_{dim}"
        parts.append(f"SELECT {lit(dim)} AS dimension, {col} AS grp, {figures} "
                     f"FROM {combos} GROUP BY grp")
    return " UNION ALL ".join(parts)


def key_sets(held: frozenset[str]) -> list[KeySet]:
    """The group-bys of the grouped pass that apply to a source holding ``held``."""
    sets = [KeySet("record_id", "hash(record_id)", "record_id IS NOT NULL", "duplicates")]
    for f in POWER_FIELDS:
        if f in held:
            # Equality is all that matters, so long text keys are hashed (64-bit; a
            # collision among 10M values has odds of about 1 in 300,000).
            key = f if f in ("dob", "sex", "ethnicity") else f"hash({f})"
            sets.append(KeySet(f, key, f"{f} IS NOT NULL", "field"))
    if {"given_name", "family_name", "dob"} <= held:
        sets.append(KeySet("name_dob", "hash(given_name, family_name, dob)",
                           "given_name IS NOT NULL AND family_name IS NOT NULL "
                           "AND dob IS NOT NULL", "duplicates"))
    return sets


def grouped_sql(source: str, sets: list[KeySet]) -> str:
    """One statement: per key set, distinct keys, records, top-1 and top-10 group sizes,
    duplicated keys and their records, (NHS number) records in groups whose DOB or sex
    differ, and (DOB only) the most common value, to test it for a local default."""
    parts = []
    for i, s in enumerate(sets):
        conflicts = s.name == "nhs_number"
        inner_aggs = "count(*) AS n" + (
            ", min(dob) AS d0, max(dob) AS d1, min(sex) AS s0, max(sex) AS s1"
            if conflicts else "")
        conflict_cols = (
            "coalesce(sum(n) FILTER (WHERE n > 1 AND d0 <> d1), 0), "
            "coalesce(sum(n) FILTER (WHERE n > 1 AND s0 <> s1), 0)"
            if conflicts else "0, 0")
        parts.append(
            f"SELECT {i} AS set_idx, count(*), coalesce(sum(n), 0), coalesce(max(n), 0), "
            "coalesce(list_sum(max(n, 10)), 0), count(*) FILTER (WHERE n > 1), "
            f"coalesce(sum(n) FILTER (WHERE n > 1), 0), {conflict_cols}, "
            f"{'CAST(arg_max(k, n) AS VARCHAR)' if s.name == 'dob' else 'NULL'} "
            f"FROM (SELECT {s.key} AS k, {inner_aggs} FROM base WHERE {s.where} GROUP BY k)"
        )
    return f"WITH base AS ({records_sql(source)}) " + " UNION ALL ".join(parts)
