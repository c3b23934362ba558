"""Profile the canonical records of a workspace: exact figures, before disclosure control."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from linkready.ingest import _rules as R
from linkready.profile._checks import TOKEN_ACTION, all_checks, token_check
from linkready.profile._dqmi import ItemScore, composite, item_score
from linkready.profile._query import (
    SUBGROUP_DIMENSIONS,
    KeySet,
    checks_sql,
    combos_sql,
    grouped_sql,
    key_sets,
    postcode_as_text_sql,
    subgroups_sql,
)
from linkready.progress import ProgressCallback, no_progress

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class CheckResult:
    """One check's exact count: (check, field, category, count)."""

    check: str
    field: str
    category: str
    count: int


@dataclass(frozen=True)
class Power:
    """Discriminating power of one identifier (exact counts)."""

    field: str
    distinct: int
    non_null: int
    top1: int
    top10: int


@dataclass(frozen=True)
class Subgroup:
    """Records in one subgroup and how many carry usable identifiers."""

    dimension: str
    group: str
    records: int
    nhs_present: int
    nhs_valid: int
    linkable_probabilistic: int


@dataclass
class SourceProfile:
    """Everything measured for one source, with exact counts."""

    source: str
    records: int
    held: list[str]
    checks: list[CheckResult] = field(default_factory=list)
    power: list[Power] = field(default_factory=list)
    subgroups: list[Subgroup] = field(default_factory=list)
    dqmi: list[ItemScore] = field(default_factory=list)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    #: Values detected as local defaults: (field, value, records). Only dates of birth,
    #: and only when far more common than any real birthday could be.
    defaults: list[tuple[str, str, int]] = field(default_factory=list)
    #: The NHS number column holds pseudonymised tokens (``pseudonymised: [nhs_number]``).
    nhs_tokens: bool = False

    def count(self, check: str, field: str, category: str) -> int:
        """The count of one check (0 when it was not run)."""
        for r in self.checks:
            if (r.check, r.field, r.category) == (check, field, category):
                return r.count
        return 0

    def vodim(self, field: str) -> dict[str, int] | None:
        if field not in self.held:
            return None
        return {r.category: r.count for r in self.checks
                if r.check == "vodim" and r.field == field}

    def scores(self) -> dict[str, float]:
        return composite(self.dqmi)


@dataclass
class ProjectProfile:
    """Profiles of every source of a workspace, and the reference date used."""

    reference_date: date
    sources: dict[str, SourceProfile]


#: A date of birth is a suspected local default when at least this many records hold it …
DEFAULT_MIN_RECORDS = 20
#: … and it is this many times as common as the average date of birth.
DEFAULT_MIN_RATIO = 20


def suspected_default(top1: int, non_null: int, distinct: int) -> bool:
    """Whether the most common date of birth is far too common to be real birthdays."""
    if top1 < DEFAULT_MIN_RECORDS or distinct == 0:
        return False
    return top1 >= DEFAULT_MIN_RATIO * non_null / distinct


def read_grouped(
    sets: list[KeySet], rows: list[tuple[Any, ...]]
) -> tuple[list[CheckResult], list[Power], list[tuple[str, str, int]]]:
    """Turn the grouped pass's rows into check results, discriminating power and detected
    default values."""
    results: list[CheckResult] = []
    power: list[Power] = []
    defaults: list[tuple[str, str, int]] = []
    for (idx, distinct, non_null, top1, top10, dup_keys, dup_records, c_dob, c_sex,
         top_value) in sorted(rows):
        s = sets[idx]
        if s.kind == "field":
            power.append(Power(s.name, int(distinct), int(non_null), int(top1), int(top10)))
        if s.name == "dob":
            hit = suspected_default(int(top1), int(non_null), int(distinct))
            results.append(CheckResult("dob", "dob", "suspected_default", int(top1) if hit else 0))
            if hit:
                defaults.append(("dob", str(top_value), int(top1)))
        elif s.name == "record_id":
            results += [
                CheckResult("uniqueness", "record_id", "duplicate_records", int(dup_records)),
                CheckResult("uniqueness", "record_id", "duplicated_ids", int(dup_keys)),
            ]
        elif s.name == "nhs_number":
            results += [
                CheckResult("uniqueness", "nhs_number", "shared_number", int(dup_records)),
                CheckResult("nhs_number", "nhs_number", "same_number_different_dob", int(c_dob)),
                CheckResult("nhs_number", "nhs_number", "same_number_different_sex", int(c_sex)),
            ]
        elif s.name == "name_dob":
            results.append(CheckResult("uniqueness", "person", "probable_duplicates",
                                       int(dup_records)))
    return results, power, defaults


def profile_source(
    con: duckdb.DuckDBPyConnection, source: str, held: frozenset[str], reference: date
) -> SourceProfile:
    """Profile one source: one aggregate pass for the checks and subgroups, one grouped
    pass for distinct values and duplicates. Returns exact counts."""
    log = [(str(f), str(a), int(n)) for f, a, n in con.execute(
        "SELECT field, action, count FROM standardisation_log WHERE source = ? "
        "ORDER BY rowid", [source]).fetchall()]
    tokens = any(f == "nhs_number" and a == TOKEN_ACTION for f, a, _ in log)
    as_text = bool(con.execute(postcode_as_text_sql(source)).fetchall()[0][0])
    combos = con.sql(combos_sql(source, reference, tokens=tokens,
                                postcode_as_text=as_text)).to_arrow_table()
    view = f"_combos_{abs(hash(source))}"
    con.register(view, combos)
    try:
        checks = [c for c in all_checks(held) if not tokens or token_check(c)]
        row = con.execute(checks_sql(view, checks)).fetchall()[0]
        dims = [d for d in SUBGROUP_DIMENSIONS
                if d in ("sex", "age_band") or (d == "imd_decile" and d in held)
                or (d in ("ethnicity", "ethnic_group") and "ethnicity" in held)]
        sub_rows = con.execute(subgroups_sql(view, dims)).fetchall()
    finally:
        con.unregister(view)
    results = [CheckResult(c.check, c.field, c.category, int(n))
               for c, n in zip(checks, row, strict=True)]
    subgroups = [Subgroup(str(d), str(g), int(a), int(b), int(c), int(e))
                 for d, g, a, b, c, e in sub_rows]
    subgroups.sort(key=lambda g: (dims.index(g.dimension), g.group))
    sets = key_sets(held)
    grouped = con.execute(grouped_sql(source, sets)).fetchall()
    more, power, defaults = read_grouped(sets, grouped)
    results += more
    prof = SourceProfile(source, results[0].count, sorted(held), results, power, subgroups,
                         defaults=defaults, nhs_tokens=tokens)
    prof.dqmi = [item_score(f, prof.vodim(f)) for f in R.CLASSIFIED_FIELDS]
    prof.log = log
    return prof


def profile_workspace(
    con: duckdb.DuckDBPyConnection, progress: ProgressCallback = no_progress
) -> ProjectProfile:
    """Profile every source in an ingested workspace."""
    rows = con.execute("SELECT source, held_fields FROM sources ORDER BY rowid").fetchall()
    reference = age_reference(con)
    out: dict[str, SourceProfile] = {}
    for source, held in rows:
        out[source] = profile_source(con, source, frozenset(held), reference)
        progress(f"profiled {source}")
    return ProjectProfile(reference, out)


def age_reference(con: duckdb.DuckDBPyConnection) -> date:
    """The date ages are measured at: the project's ``reference_date`` if it declares one;
    else the first of the month after the latest sensible date of birth in the workspace
    (future and sentinel dates were already set to NULL), which stands for the extract
    date and keeps the profile the same whatever day it is run without being anyone's
    date of birth; else the ingest date."""
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection.
    declared, ingest_ref = con.execute(
        "SELECT bool_or(reference_declared), min(reference_date) FROM sources").fetchall()[0]
    if declared:
        return ingest_ref  # type: ignore[no-any-return]
    latest = con.execute("SELECT max(dob) FROM records").fetchall()[0][0]
    if latest is not None:
        # The first of the next month: profile.json writes this date, and the latest
        # date of birth itself is a person's (the youngest record's).
        return date(latest.year + latest.month // 12, latest.month % 12 + 1, 1)
    return ingest_ref or date.today()  # type: ignore[no-any-return]
