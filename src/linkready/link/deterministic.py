"""The deterministic stage, as NHS pipelines run it: exact valid NHS number, and the
stricter NHS number + DOB rule. SQL built by pure functions; one function runs it."""

from __future__ import annotations

from typing import Any

#: Rule names, in the order they are reported.
RULES: tuple[str, ...] = ("nhs", "nhs_dob")


def deterministic_pairs_sql(left: str, right: str) -> str:
    """Record pairs whose NHS numbers are equal and valid on both sides; ``nhs_dob`` is
    true when the DOBs also agree."""
    return (
        "SELECT l.record_id AS record_id_l, r.record_id AS record_id_r, "
        "coalesce(l.dob = r.dob, false) AS nhs_dob "
        f"FROM {left} l JOIN {right} r ON l.nhs_number = r.nhs_number "
        "WHERE l.nhs_number_valid AND r.nhs_number_valid"
    )


def deterministic_pairs(con: Any, left: str, right: str) -> Any:
    """The deterministic pairs as an Arrow table."""
    return con.sql(deterministic_pairs_sql(left, right)).to_arrow_table()


def linked_left_counts(pairs: Any) -> dict[str, int]:
    """Distinct left records linked by each rule."""
    import pyarrow.compute as pc

    ids = pairs.column("record_id_l")
    strict = pc.filter(ids, pairs.column("nhs_dob"))
    return {"nhs": len(pc.unique(ids)), "nhs_dob": len(pc.unique(strict))}
