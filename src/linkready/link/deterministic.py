"""The deterministic stage, as NHS pipelines run it: exact valid NHS number, and the
stricter NHS number + DOB rule. SQL built by pure functions; one function runs it.

A pair whose NHS numbers agree but whose **DOB, sex and names all disagree** (each held
on both sides: DOBs differ, sexes are 1 and 2, and neither name equals either name on
the other side) is a *conflict*: most likely a wrong-but-valid NHS number (a household
member's, a mother's on a baby's record, another patient's keyed in error) rather than one
person. Conflicts are counted per pair and, when :data:`CONFLICTS_TO_PROBABILISTIC`, left
to the probabilistic stage, which links them only if the model's probability reaches the
threshold (see ``docs/schemas/linkage.md`` for the measurement behind that choice).
"""

from __future__ import annotations

from typing import Any

#: Rule names, in the order they are reported.
RULES: tuple[str, ...] = ("nhs", "nhs_dob")
#: Leave conflicting NHS-number pairs to the probabilistic stage (True) or keep them as
#: deterministic links (False).
CONFLICTS_TO_PROBABILISTIC = True


def conflict_sql(left: str = "l", right: str = "r") -> str:
    """True when DOB, sex and names all disagree, each held on both sides (exact
    comparisons, so the SQL runs on every backend)."""
    def both(col: str) -> str:
        return f"{left}.{col} IS NOT NULL AND {right}.{col} IS NOT NULL"

    names = ("given_name", "family_name")
    no_name_shared = " AND ".join(f"{left}.{a} <> {right}.{b}" for a in names for b in names)
    return (
        f"({both('dob')} AND {left}.dob <> {right}.dob"
        f" AND {left}.sex IN ('1', '2') AND {right}.sex IN ('1', '2')"
        f" AND {left}.sex <> {right}.sex"
        f" AND {both('given_name')} AND {both('family_name')} AND {no_name_shared})"
    )


def deterministic_pairs_sql(left: str, right: str) -> str:
    """Record pairs whose NHS numbers are equal and valid on both sides; ``nhs_dob`` is
    true when the DOBs also agree, ``conflict`` when DOB, sex and names all disagree."""
    return (
        "SELECT l.record_id AS record_id_l, r.record_id AS record_id_r, "
        "coalesce(l.dob = r.dob, false) AS nhs_dob, "
        f"coalesce({conflict_sql()}, false) AS conflict "
        f"FROM {left} l JOIN {right} r ON l.nhs_number = r.nhs_number "
        "WHERE l.nhs_number_valid AND r.nhs_number_valid"
    )


def deterministic_pairs(con: Any, left: str, right: str) -> Any:
    """The deterministic pairs as an Arrow table."""
    return con.sql(deterministic_pairs_sql(left, right)).to_arrow_table()


def kept_pairs(pairs: Any, to_probabilistic: bool | None = None) -> Any:
    """The pairs the deterministic stage links: all, or all but the conflicts when they
    are left to the probabilistic stage (default :data:`CONFLICTS_TO_PROBABILISTIC`)."""
    import pyarrow.compute as pc

    leave = CONFLICTS_TO_PROBABILISTIC if to_probabilistic is None else to_probabilistic
    return pairs.filter(pc.invert(pairs.column("conflict"))) if leave else pairs


def linked_left_counts(pairs: Any) -> dict[str, int]:
    """Distinct left records linked by each rule, and the conflicting pairs and left
    records among ``pairs`` (pass all pairs, before :func:`kept_pairs`)."""
    import pyarrow.compute as pc

    kept = kept_pairs(pairs)
    ids = kept.column("record_id_l")
    strict = pc.filter(ids, kept.column("nhs_dob"))
    conflict = pairs.column("conflict")
    return {"nhs": len(pc.unique(ids)), "nhs_dob": len(pc.unique(strict)),
            "conflict_pairs": int(pc.sum(conflict).as_py() or 0),
            "conflict_records": len(pc.unique(pc.filter(pairs.column("record_id_l"),
                                                        conflict)))}
