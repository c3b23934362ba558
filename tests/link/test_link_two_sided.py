"""Splink's link-only self-join of the stacked inputs, run one input against the other:
the same rows, and only where the inputs' names make it so."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from link_world import staged_first_pair

from linkready.link import training
from linkready.link.two_sided import split_self_join

CONCAT = """WITH __splink__df_concat as (
    select
    '{a}' as source_dataset, "record_id", "dob" from t1
    UNION ALL
    select
    '{b}' as source_dataset, "record_id", "dob" from t2
)
select l."record_id" as a, r."record_id" as b
from __splink__df_concat as l
inner join __splink__df_concat as r
on
(l.dob = r.dob)
{where}"""
LINK_ONLY = ('where l."source_dataset" || \'-__-\' || l."record_id" < '
             'r."source_dataset" || \'-__-\' || r."record_id" '
             'and l."source_dataset" != r."source_dataset"')


def test_rewrites_only_the_link_only_self_join() -> None:
    sql = CONCAT.format(a="left", b="right", where=LINK_ONLY)
    out = split_self_join(sql)
    assert "(SELECT * FROM __splink__df_concat WHERE \"source_dataset\" = 'left') as l" in out
    assert "(SELECT * FROM __splink__df_concat WHERE \"source_dataset\" = 'right') as r" in out
    assert out.endswith(LINK_ONLY)  # the WHERE clause is kept
    # names in either order: l is always the one first in string order
    swapped = split_self_join(CONCAT.format(a="right", b="left", where=LINK_ONLY))
    assert "= 'left') as l" in swapped
    # a dedupe's WHERE (no source condition), or names one a prefix of the other: as is
    dedupe = CONCAT.format(a="left", b="right",
                           where='where l."record_id" < r."record_id"')
    assert split_self_join(dedupe) == dedupe
    prefix = CONCAT.format(a="left", b="left2", where=LINK_ONLY)
    assert split_self_join(prefix) == prefix


def _rows(con: Any, sql: str) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(r) for r in con.execute(sql).fetchall())


@pytest.mark.parametrize("em_max_pairs", [None, 200.0])
def test_em_blocking_gives_the_same_pairs(world_project: Path, em_max_pairs: float | None
                                          ) -> None:
    """The SQL Splink runs for an EM session's blocked pairs (sampled or not) and its
    probe count give the same rows rewritten as Splink's own."""
    with staged_first_pair(world_project) as sp:
        linker, _ = training.build_linker(sp.backend, sp.left_table, sp.right_table,
                                          sp.fields)
        con = sp.backend.workspace
        seen: list[str] = []
        api = linker._db_api
        run = api._execute_sql_against_backend

        def spy(sql: str) -> Any:
            seen.append(sql)
            return run(sql)

        api._execute_sql_against_backend = spy
        with training.quiet_splink():
            linker.training.estimate_parameters_using_expectation_maximisation(
                "l.dob = r.dob", max_pairs=em_max_pairs)
        blocking = [s for s in seen if "__splink__df_concat as l" in s.lower()]
        assert len(blocking) == (2 if em_max_pairs else 1)  # probe, then the pairs
        for sql in blocking:
            # Splink runs ``CREATE TABLE <name> AS\n<query>``: the query alone here.
            assert sql.startswith("CREATE TABLE ")
            select = sql.split("\n", 1)[1]
            ours = split_self_join(select)
            assert ours != select
            theirs = _rows(con, select)
            assert sum(theirs.values()) > 0
            assert _rows(con, ours) == theirs
