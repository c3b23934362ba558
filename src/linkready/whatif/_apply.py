"""Change a copy of the user's records: blank values at random, or trace them from
confident links. Works on ``ws.records`` of an in-memory copy (:func:`copy_workspace`);
the workspace file itself is only read."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from linkready.sql import in_list, lit
from linkready.whatif._changes import Change

#: Columns cleared (or set) with each field: what depends on it in the canonical record.
_COMPANIONS = {"nhs_number": ("nhs_number_valid",), "postcode": ("postcode_text",)}
#: Fields with an ``<field>_issue`` column in the workspace (docs/workspace.md).
_ISSUE_FIELDS = ("nhs_number", "given_name", "family_name", "dob", "sex", "postcode")


def copy_workspace(workspace: Path, sources: list[str]) -> Any:
    """An in-memory DuckDB connection whose ``ws.records`` is a copy of the workspace's
    records of ``sources`` (the file is attached read-only and detached again)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH {lit(workspace)} AS lr_base (READ_ONLY)")
    con.execute("ATTACH ':memory:' AS ws")
    con.execute("CREATE TABLE ws.records AS SELECT * FROM lr_base.records "
                f"WHERE source IN {in_list(sources)}")
    con.execute("DETACH lr_base")
    return con


def records_for(share: float, records: int) -> int:
    """Records that hold a field at ``share`` of ``records`` (halves round up)."""
    return math.floor(share * records + 0.5)


def holds_sql(field: str, alias: str = "") -> str:
    """True where a record holds ``field`` as a deterministic pipeline could use it (a
    valid NHS number; any value of another field)."""
    a = f"{alias}." if alias else ""
    if field == "nhs_number":
        return f"coalesce({a}nhs_number_valid, false)"
    return f"{a}{field} IS NOT NULL"


def completeness(con: Any, source: str, field: str) -> tuple[int, int]:
    """Records of ``source`` holding ``field`` (:func:`holds_sql`), and all its records."""
    held, n = con.execute(
        f"SELECT count(*) FILTER (WHERE {holds_sql(field)}), count(*) FROM ws.records "
        f"WHERE source = {lit(source)}").fetchall()[0]
    return int(held), int(n)


@dataclass(frozen=True)
class Applied:
    """What one change did to the copy (exact counts; published through privacy)."""

    change: Change
    records: int
    held_before: int
    held_after: int
    #: Records blanked (less) or traced (more).
    changed: int
    #: Records that could have been traced (more only): no value, a confident link to a
    #: record that holds one.
    candidates: int = 0

    @property
    def direction(self) -> str:
        return "less" if self.held_after < self.held_before else \
            "more" if self.held_after > self.held_before else "same"

    @property
    def wanted(self) -> int:
        """Records that would hold the field at the requested share."""
        return records_for(self.change.share, self.records)


def blank(con: Any, change: Change, rng: np.random.Generator) -> Applied:
    """Blank ``field`` in a seeded random choice of the records that hold it, until
    ``share`` of the source's records hold it (missing at random)."""
    held, n = completeness(con, change.source, change.field)
    drop = max(0, held - records_for(change.share, n))
    if drop:
        ids = [r[0] for r in con.execute(
            f"SELECT record_id FROM ws.records WHERE source = {lit(change.source)} "
            f"AND {holds_sql(change.field)} ORDER BY record_id").fetchall()]
        chosen = sorted(rng.choice(len(ids), size=drop, replace=False).tolist())
        _set_null(con, change, [ids[i] for i in chosen])
    return Applied(change, n, held, held - drop, drop)


def _set_null(con: Any, change: Change, ids: list[str]) -> None:
    import pyarrow as pa

    sets = [f"{c} = NULL" for c in (change.field, *_COMPANIONS.get(change.field, ()))]
    if change.field in _ISSUE_FIELDS:
        sets.append(f"{change.field}_issue = 'missing'")
    con.register("__lr_ids", pa.table({"record_id": pa.array(ids, pa.string())}))
    con.execute(f"UPDATE ws.records SET {', '.join(sets)} "
                f"WHERE source = {lit(change.source)} "
                "AND record_id IN (SELECT record_id FROM __lr_ids)")
    con.unregister("__lr_ids")


def trace(con: Any, change: Change, links: Any) -> Applied:
    """Copy ``field`` from the linked record into records that lack it, most confident
    link first, until ``share`` of the source's records hold it (or the confident links
    run out).

    ``links``: an Arrow table (record_id, partner_source, partner_id, p) of this source's
    confident links (p at or above the tracing threshold), from the baseline run.
    """
    held, n = completeness(con, change.source, change.field)
    add = max(0, records_for(change.share, n) - held)
    f = change.field
    con.register("__lr_trace", links)
    # Each record lacking the field: its best confident partner that holds it.
    best = f"""
        SELECT t.record_id, p.{f} AS value,
               row_number() OVER (PARTITION BY t.record_id
                                  ORDER BY t.p DESC, t.partner_source, t.partner_id) AS k,
               t.p
        FROM __lr_trace t
        JOIN ws.records p ON p.source = t.partner_source AND p.record_id = t.partner_id
        JOIN ws.records s ON s.source = {lit(change.source)} AND s.record_id = t.record_id
        WHERE {holds_sql(f, 'p')} AND NOT {holds_sql(f, 's')}
    """
    rows = con.execute(f"SELECT record_id, value FROM ({best}) WHERE k = 1 "
                       "ORDER BY p DESC, record_id").fetchall()
    chosen = rows[:add]
    if chosen:
        import pyarrow as pa

        con.register("__lr_values", pa.table({
            "record_id": pa.array([r[0] for r in chosen], pa.string()),
            "value": pa.array([r[1] for r in chosen])}))
        sets = [f"{f} = v.value"]
        if f == "nhs_number":
            sets.append("nhs_number_valid = true")
        if f == "postcode":
            sets.append("postcode_text = replace(v.value, ' ', '')")
        if f in _ISSUE_FIELDS:
            sets.append(f"{f}_issue = NULL")
        con.execute(f"UPDATE ws.records SET {', '.join(sets)} FROM __lr_values v "
                    f"WHERE ws.records.source = {lit(change.source)} "
                    "AND ws.records.record_id = v.record_id")
        con.unregister("__lr_values")
    con.unregister("__lr_trace")
    return Applied(change, n, held, held + len(chosen), len(chosen), len(rows))
