"""The edge between linkage and the DuckDB workspace: open it, check the sources, stage
each source's records as an in-memory table for Splink.

The workspace file is attached read-only to an in-memory connection, so Splink's many
intermediate tables never touch (or lock) the workspace other stages read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkready.errors import ConfigError, InputError
from linkready.link.settings import IDENTIFYING_FIELDS, MODEL_FIELDS, blocking_rules
from linkready.progress import ProgressCallback, no_progress
from linkready.project import Project
from linkready.sql import lit


def default_workspace(project: Project) -> Path:
    """``linkready-results/linkready.duckdb`` beside ``project.yaml`` (ingest's default)."""
    from linkready.ingest import default_workspace as ingest_default

    return ingest_default(project)


def ensure_workspace(project: Project, workspace: Path | None,
                     progress: ProgressCallback = no_progress,
                     sources: Collection[str] | None = None,
                     previous: Path | None = None) -> Path:
    """The workspace path, ingesting first when it is missing or out of date.

    An existing workspace is checked against the extracts (ingest's fingerprints:
    mapping, file size and time) and rebuilt if they changed. When the extracts
    themselves are not at hand (only the workspace was shared), it is used as it is.
    With ``sources`` (the sources a link pairs), only those need to be in it and
    current: the missing ones are ingested into it, the others it holds are kept.
    ``previous``: another workspace whose current sources are copied rather than read
    (see :func:`linkready.ingest.ingest_project`).
    """
    from linkready.ingest import ingest_project

    path = Path(workspace) if workspace else default_workspace(project)
    needed = [n for n in project.sources if sources is None or n in sources]
    extracts_present = all(project.source_path(n).is_file() for n in needed)
    if path.exists() and not extracts_present:
        return path
    # Ingest reports one step per source; the link progress bar counts this as one.
    result = ingest_project(project, workspace=path, progress=no_progress, reuse=True,
                            sources=sources, previous=previous)
    progress("ingest", 0)
    written = Path(getattr(result, "workspace", path))
    if not written.exists():
        raise InputError(f"{written}: ingest did not create the workspace")
    return written


def connect(workspace: Path) -> Any:
    """An in-memory DuckDB connection with the workspace attached read-only as ``ws``."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH {lit(workspace)} AS ws (READ_ONLY)")
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'ws'"
    ).fetchall()}
    if "records" not in tables:
        con.close()
        raise InputError(f"{workspace}: no `records` table; run ingest to build the workspace")
    return con


@dataclass(frozen=True)
class SourceStats:
    """What a source holds: its size and which model fields have any values."""

    name: str
    records: int
    filled: dict[str, int]
    #: Distinct record ids (fewer than ``records`` means ids repeat).
    distinct_ids: int = -1
    #: Records with a postcode as a normalised string, UK-formatted or not.
    postcode_text: int = 0
    #: Per model field (not the postcode, which is compared as text instead): records
    #: whose value failed its format at ingest and was set to NULL.
    unreadable: dict[str, int] = field(default_factory=dict)

    def postcode_mostly_invalid(self) -> bool:
        """Most postcodes held fail the UK format (e.g. another country's)."""
        return self.postcode_text > 0 and self.filled.get("postcode", 0) < 0.5 * \
            self.postcode_text

    @property
    def usable(self) -> set[str]:
        """Model fields with at least one non-null value."""
        return {f for f, n in self.filled.items() if n > 0}


def source_stats_sql() -> str:
    """Per source: record count and non-null count of every model field."""
    counts = ", ".join(f"count({f}) AS {f}" for f in MODEL_FIELDS)
    return (f"SELECT source, count(*) AS n, count(DISTINCT record_id) AS ids, {counts}, "
            "count(postcode_text) FROM ws.records GROUP BY source")


#: Standardisation-log actions that mean "the value failed its format and is NULL", per
#: model field (the postcode is compared as a normalised string instead).
UNREADABLE_ACTIONS: dict[str, tuple[str, ...]] = {
    "nhs_number": ("set_null:non_numeric", "set_null:wrong_length"),
    "given_name": ("set_null:non_alphabetic",),
    "family_name": ("set_null:non_alphabetic",),
    "dob": ("set_null:unparseable",),
    "uprn": ("set_null:invalid",),
}


def unreadable_sql() -> str:
    """Per source and model field: values set to NULL for failing their format."""
    cond = " OR ".join(f"(field = {lit(f)} AND action IN ({', '.join(map(lit, acts))}))"
                       for f, acts in UNREADABLE_ACTIONS.items())
    return (f"SELECT source, field, sum(count) FROM ws.standardisation_log WHERE {cond} "
            "GROUP BY source, field")


def source_stats(con: Any) -> dict[str, SourceStats]:
    """Stats for every source in the workspace."""
    rows = con.execute(source_stats_sql()).fetchall()
    bad: dict[str, dict[str, int]] = {}
    logged = con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                         "table_catalog = 'ws' AND table_name = 'standardisation_log'"
                         ).fetchall()[0][0]  # fetchone() would leave the result open
    for source, f, n in con.execute(unreadable_sql()).fetchall() if logged else []:
        bad.setdefault(source, {})[f] = int(n)
    return {r[0]: SourceStats(r[0], int(r[1]),
                              dict(zip(MODEL_FIELDS, map(int, r[3:-1]), strict=True)),
                              int(r[2]), int(r[-1]), bad.get(r[0], {}))
            for r in rows}


def unreadable_warnings(s: SourceStats) -> list[str]:
    """One warning per model field whose values failed their format (and were set to
    NULL) in more than half of the source's records: the field is not dropped silently.
    The share is ``*`` where it would give a count of 1–7 away."""
    from linkready.privacy import safe_rate

    out = []
    for f, n in sorted(s.unreadable.items()):
        if n <= 0.5 * s.records:
            continue
        share = safe_rate(n, s.records)
        shown = f"{100 * share:.0f}%" if isinstance(share, float) else "most"
        out.append(f"`{f}` of {s.name} fails its format in {shown} of the records; those "
                   "values are NULL and not compared (see the profile's alerts for the fix)")
    return out


def check_pairs(pairs: list[tuple[str, str]], project: Project,
                stats: dict[str, SourceStats]) -> None:
    """Raise one error listing every pair that names an unknown, empty or unusable source."""
    problems: list[str] = []
    for left, right in pairs:
        for name in (left, right):
            if name not in project.sources:
                problems.append(f"pair {left}:{right}: `{name}` is not a source in the "
                                f"project; use one of {sorted(project.sources)}")
            elif name not in stats or stats[name].records == 0:
                problems.append(f"pair {left}:{right}: source `{name}` has no records in "
                                "the workspace; check its extract and re-run ingest")
            elif 0 <= stats[name].distinct_ids < stats[name].records:
                problems.append(f"pair {left}:{right}: `record_id` repeats in source "
                                f"`{name}`; map record_id to a column that is unique per row")
            elif not stats[name].usable & set(IDENTIFYING_FIELDS):
                problems.append(f"pair {left}:{right}: source `{name}` has no usable "
                                "identifiers (NHS number, names, DOB all empty); map them "
                                "in project.yaml")
        if (left in stats and right in stats and stats[left].usable & set(IDENTIFYING_FIELDS)
                and stats[right].usable & set(IDENTIFYING_FIELDS)
                and not blocking_rules(stats[left].usable & stats[right].usable)):
            shared = sorted(stats[left].usable & stats[right].usable)
            problems.append(f"pair {left}:{right}: the sources share too few identifiers to "
                            f"link ({', '.join(shared) or 'none'}); map the NHS number, or "
                            "names and DOB, in project.yaml")
    problems = list(dict.fromkeys(problems))
    if problems:
        kind = InputError if all("is not a source" not in p for p in problems) else ConfigError
        raise kind(problems[0] if len(problems) == 1 else
                   f"{len(problems)} problems with the pairs to link", problems)


def source_select_sql(source: str, postcode_text: bool = False) -> str:
    """One source's model fields from the workspace, ready for Splink; with
    ``postcode_text``, the postcode as a normalised string (non-UK postcodes kept)."""
    fields = [("postcode_text AS postcode" if f == "postcode" and postcode_text else f)
              for f in MODEL_FIELDS]
    cols = ", ".join(("record_id", *fields, "nhs_number_valid"))
    return (f"SELECT {cols} FROM ws.records WHERE source = {lit(source)} "
            "ORDER BY record_id")


def stage_source_sql(table: str, source: str) -> str:
    """An in-memory table of one source's model fields, ready for Splink."""
    return f"CREATE OR REPLACE TABLE {table} AS {source_select_sql(source)}"


def stage_source(backend: Any, table: str, source: str, postcode_text: bool = False) -> str:
    """Stage one source as ``table`` on ``backend`` (a
    :class:`linkready.link.backends.Backend`); return the table name."""
    return str(backend.stage(table, source_select_sql(source, postcode_text)))


def parse_pairs(text: str | None) -> list[tuple[str, str]] | None:
    """``A:B,C:D`` → ``[(A, B), (C, D)]``; ``None`` when not given."""
    if not text:
        return None
    pairs = []
    for item in text.split(","):
        parts = [p.strip() for p in item.split(":")]
        if len(parts) != 2 or not all(parts):
            raise ConfigError(f"--pairs: `{item}` is not LEFT:RIGHT; write e.g. acute:gp_register")
        pairs.append((parts[0], parts[1]))
    return pairs
