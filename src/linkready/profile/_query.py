"""SQL for profiling one source: a base relation, one row-level aggregate, one grouped pass.

Pure functions returning SQL text. The row-level aggregate counts every registered check
in a single scan; the grouped pass uses GROUPING SETS to compute, in one scan, distinct
values and top-value shares of each identifier, duplicate ids, NHS numbers shared by
records with different DOB or sex, probable duplicate people and subgroup breakdowns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from linkready.ingest import _rules as R
from linkready.ingest._sql import date_lit, lit
from linkready.profile._checks import LINKABLE_PROBABILISTIC, Check

#: Fields whose discriminating power is measured (distinct values, top-value shares).
POWER_FIELDS: tuple[str, ...] = (
    "nhs_number", "given_name", "family_name", "dob", "sex", "postcode", "ethnicity",
)
#: Fields whose values may be named in outputs (code sets).
CODE_SET_FIELDS: tuple[str, ...] = ("sex", "ethnicity")


@dataclass(frozen=True)
class GroupingSet:
    """One grouping set: its kind, its name and the key columns."""

    kind: str  # "field" | "duplicates" | "subgroup"
    name: str
    keys: tuple[str, ...]


def age_band_sql(age: str) -> str:
    whens = " ".join(f"WHEN {age} BETWEEN {lo} AND {hi} THEN {lit(label)}"
                     for label, lo, hi in R.AGE_BANDS)
    return f"CASE {whens} ELSE 'not known' END"


def ethnic_group_sql(col: str) -> str:
    whens = " ".join(f"WHEN {lit(code)} THEN {lit(group)}"
                     for code, group in R.ETHNIC_GROUPS.items())
    return f"CASE {col} {whens} ELSE 'not known' END"


def base_sql(source: str, reference: date) -> str:
    """One source's records with the derived columns checks and subgroups use."""
    age = f"date_sub('year', dob, {date_lit(reference)})"
    return (
        f"SELECT *, {age} AS age, {age_band_sql('age')} AS sg_age_band, "
        f"{ethnic_group_sql('ethnicity')} AS sg_ethnic_group, "
        "coalesce(ethnicity, 'not known') AS sg_ethnicity, "
        "CASE sex WHEN '1' THEN 'male' WHEN '2' THEN 'female' ELSE 'not known' END AS sg_sex, "
        "coalesce(CAST(imd_decile AS VARCHAR), 'not known') AS sg_imd_decile, "
        f"{LINKABLE_PROBABILISTIC} AS linkable_probabilistic "
        f"FROM records WHERE source = {lit(source)}"
    )


def checks_sql(base: str, checks: list[Check]) -> str:
    """Count every check in one aggregate over the base relation."""
    cols = ", ".join(f"count(*) FILTER (WHERE {c.condition})" for c in checks)
    return f"WITH base AS ({base}) SELECT {cols} FROM base"


def grouping_sets(held: frozenset[str]) -> list[GroupingSet]:
    """The grouping sets that apply to a source holding ``held`` fields."""
    sets = [GroupingSet("duplicates", "record_id", ("record_id",))]
    sets += [GroupingSet("field", f, (f,)) for f in POWER_FIELDS if f in held]
    if {"given_name", "family_name", "dob"} <= held:
        sets.append(GroupingSet("duplicates", "name_dob", ("given_name", "family_name", "dob")))
    subgroups = ["sex", "age_band"]
    if "ethnicity" in held:
        subgroups = ["ethnicity", "ethnic_group", *subgroups]
    if "imd_decile" in held:
        subgroups.append("imd_decile")
    sets += [GroupingSet("subgroup", s, (f"sg_{s}",)) for s in subgroups]
    return sets


def grouped_sql(base: str, sets: list[GroupingSet]) -> str:
    """One GROUPING SETS pass, reduced to one row per field/duplicate set and one row per
    subgroup. Columns: set index, group label (subgroups only), then the figures."""
    cols: list[str] = []
    for s in sets:
        for k in s.keys:
            if k not in cols:
                cols.append(k)
    gsets = ", ".join("(" + ", ".join(s.keys) + ")" for s in sets)
    # GROUPING_ID over all key columns identifies which set a row belongs to.
    gid_of = {}
    for i, s in enumerate(sets):
        bits = 0
        for j, c in enumerate(cols):
            if c not in s.keys:
                bits |= 1 << (len(cols) - 1 - j)
        gid_of[bits] = i
    set_idx = "CASE gid " + " ".join(f"WHEN {b} THEN {i}" for b, i in gid_of.items()) + " END"
    null_key = "CASE set_idx " + " ".join(
        f"WHEN {i} THEN " + " OR ".join(f"{k} IS NULL" for k in s.keys)
        for i, s in enumerate(sets)) + " END"
    label = "coalesce(" + ", ".join(f"CAST({c} AS VARCHAR)" for c in cols
                                   if c.startswith("sg_")) + ")" if any(
        c.startswith("sg_") for c in cols) else "NULL"
    subgroup_idx = [i for i, s in enumerate(sets) if s.kind == "subgroup"]
    grouped = (
        f"SELECT {', '.join(cols)}, grouping_id({', '.join(cols)}) AS gid, count(*) AS n, "
        "min(dob) AS dob_min, max(dob) AS dob_max, min(sex) AS sex_min, max(sex) AS sex_max, "
        "count(nhs_number) AS nhs_present, count(*) FILTER (WHERE nhs_number_valid) AS nhs_valid, "
        "count(*) FILTER (WHERE linkable_probabilistic) AS linkable "
        f"FROM base GROUP BY GROUPING SETS ({gsets})"
    )
    keyed = f"SELECT *, {set_idx} AS set_idx FROM g"
    keyed2 = f"SELECT *, {null_key} AS key_null FROM k"
    sub_in = ", ".join(str(i) for i in subgroup_idx) or "-1"
    summary = (
        "SELECT set_idx, NULL AS grp, "
        "count(*) FILTER (WHERE NOT key_null) AS distinct_values, "
        "coalesce(sum(n) FILTER (WHERE NOT key_null), 0) AS non_null, "
        "coalesce(max(n) FILTER (WHERE NOT key_null), 0) AS top1, "
        "coalesce(list_sum(max(n, 10) FILTER (WHERE NOT key_null)), 0) AS top10, "
        "count(*) FILTER (WHERE NOT key_null AND n > 1) AS dup_groups, "
        "coalesce(sum(n) FILTER (WHERE NOT key_null AND n > 1), 0) AS dup_records, "
        "coalesce(sum(n) FILTER (WHERE NOT key_null AND n > 1 AND dob_min <> dob_max), 0) "
        "AS conflict_dob, "
        "coalesce(sum(n) FILTER (WHERE NOT key_null AND n > 1 AND sex_min <> sex_max), 0) "
        "AS conflict_sex "
        f"FROM kk WHERE set_idx NOT IN ({sub_in}) GROUP BY set_idx"
    )
    detail = (
        f"SELECT set_idx, {label} AS grp, n, nhs_present, nhs_valid, linkable, "
        "0, 0, 0, 0 "
        f"FROM kk WHERE set_idx IN ({sub_in})"
    )
    return (f"WITH base AS ({base}), g AS ({grouped}), k AS ({keyed}), kk AS ({keyed2}) "
            f"{summary} UNION ALL {detail}")
