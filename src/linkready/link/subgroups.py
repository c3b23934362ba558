"""Who is missed, without truth (GUILD: compare linked and unlinked records): the linked
share of left records in each subgroup the source records, with a Wilson interval, beside
the share the model expects to have a match (Σq / records of the group).

A subgroup whose linked share falls short of its expected share by more than the pair's
does is missed more often; one whose expected share is itself low is less covered (or
less linkable) — the two can only be told apart with a review sample or truth.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from linkready.link.members import is_member
from linkready.publish import Cell, Count, Line, Rate, Value, cell, records_rest

Z95 = 1.959963984540054
DIMENSIONS: tuple[str, ...] = ("ethnic_group", "age_band", "sex", "imd_decile")


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval for k successes in n."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    d = 1 + Z95 ** 2 / n
    c = (p + Z95 ** 2 / (2 * n)) / d
    h = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def subgroup_sql(source: str, reference: date) -> str:
    """Each record of ``source`` with its subgroup keys, as the profile groups them."""
    from linkready.profile._query import age_band_sql, ethnic_group_sql
    from linkready.sql import date_lit, lit

    age = f"date_sub('year', dob, {date_lit(reference)})"
    return (f"SELECT record_id, {ethnic_group_sql('ethnicity')} AS ethnic_group, "
            f"{age_band_sql(age)} AS age_band, coalesce(sex, 'not known') AS sex, "
            "coalesce(CAST(imd_decile AS VARCHAR), 'not known') AS imd_decile "
            f"FROM ws.records WHERE source = {lit(source)}")


def table(groups: pd.DataFrame, linked: set[Any], q: pd.Series
          ) -> dict[str, list[dict[str, Any]]]:
    """Per dimension the source records (not all 'not known'): one row per group, as
    exact figures (:mod:`linkready.publish`; under control the interval is ``*`` where
    the group, its linked or its unlinked records are 1–7, the expected rate where the
    group or the records it expects matched (or not) are)."""
    frame = groups.assign(linked=is_member(groups["record_id"], linked),
                          q=groups["record_id"].map(q).fillna(0.0).astype(float))
    out: dict[str, list[dict[str, Any]]] = {}
    for dim in DIMENSIONS:
        if (frame[dim] == "not known").all():
            continue
        rows = []
        for g, part in frame.groupby(dim, sort=True):
            n, k = len(part), int(part["linked"].sum())
            lo, hi = wilson(k, n)
            expected = float(part["q"].sum())
            rows.append({"group": str(g), "left_records": Count(n),
                         "linked_records": Count(k), "linked_share": Rate(k, n),
                         "lower": Value(lo, (n, k, n - k), None),
                         "upper": Value(hi, (n, k, n - k), None),
                         "expected_rate": Value(expected / n,
                                                (n, *records_rest(expected, n)), None)})
        out[dim] = rows
    return out


def linked_by_subgroup(con: Any, source: str, linked_ids: Any, left_ids: Any,
                       p: np.ndarray, reference: date) -> dict[str, Any]:
    """The published block: method and per-dimension rows (see :func:`table`)."""
    groups = con.sql(subgroup_sql(source, reference)).df()
    q = pd.DataFrame({"id": np.asarray(left_ids), "p": p}).groupby("id")["p"].max()
    return {"method": ("linked share of left records (combined: deterministic or "
                       "probabilistic at the threshold) per subgroup the source records, "
                       "95% Wilson interval; expected_rate = Σq / records of the group "
                       "(candidate pairs only)"),
            "by": table(groups, set(linked_ids), q)}


def subgroup_relations(block: dict[str, Any], records: Cell, linked: Cell) -> list[Line]:
    """Each dimension's groups partition the left records ('not known' is a group), so
    their ``left_records`` add up to the pair's (``records``) and their
    ``linked_records`` to the combined stage's (``linked``): a
    :class:`~linkready.publish.Line` each, a group's share, interval and expected rate
    hidden with its count."""
    lines = []
    for rows in block["by"].values():
        lines.append(Line(tuple(cell(r["left_records"], r["linked_share"], r["lower"],
                                     r["upper"], r["expected_rate"], count_only=True)
                                for r in rows), records))
        lines.append(Line(tuple(cell(r["linked_records"], r["linked_share"], r["lower"],
                                     r["upper"], count_only=True) for r in rows), linked))
    return lines
