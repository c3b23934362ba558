"""Which comparison levels' u can be counted exactly, over every pair, without sampling.

u of a level is the share of non-null record pairs (of all left × right pairs, as
random sampling approximates them) that the comparison puts at that level. A level whose
condition requires an equality between a left-side expression and a right-side one
(``given_name_l = given_name_r``; names swapped; a day–month swap; the same postcode
sector), in every branch of an OR, is reached only by pairs that a join on those
equalities finds, so its pairs can be counted exactly: by the join's size when the level
is the comparison's first after the null level and is just the equalities (nothing
earlier can take its pairs), else by evaluating the comparison on the joined pairs.

The rest (similarity thresholds, date distances) still need a sample: their u are
estimated on the sampled pairs that fall outside the exactly-counted levels, scaled to the
share of pairs those levels leave (:func:`linkready.link.u_sampling.estimate_u_exact`).

This module is pure: it reads Splink's level SQL and writes DuckDB SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Side suffixes of a pair's columns in Splink's comparison SQL.
SIDES = ("_l", "_r")


@dataclass(frozen=True)
class ExactLevel:
    """A level counted over every pair: the join conditions of its OR branches (left
    table ``l``, right ``r``) and whether its count is the join's size."""

    value: int  # comparison-vector value
    joins: tuple[str, ...]
    join_size_is_count: bool


@dataclass(frozen=True)
class ComparisonPlan:
    """How a comparison's u are found: its null level as one predicate per side (a pair
    is non-null when neither holds), and the levels counted exactly."""

    name: str
    null_left: str
    null_right: str
    exact: tuple[ExactLevel, ...] = field(default_factory=tuple)


def _side(node: Any) -> str | None:
    """``l`` or ``r`` when every column of ``node`` is of that side, else None."""
    import sqlglot.expressions as exp

    sides = set()
    for col in node.find_all(exp.Column):
        name = col.name
        if col.table or not name.endswith(SIDES):
            return None
        sides.add(name[-1])
    return sides.pop() if len(sides) == 1 else None


def _to_tables(node: Any) -> str:
    """``node``'s SQL with ``x_l`` as ``l."x"`` and ``x_r`` as ``r."x"``."""
    import sqlglot.expressions as exp

    def swap(n: Any) -> Any:
        if isinstance(n, exp.Column) and not n.table and n.name.endswith(SIDES):
            return exp.column(n.name[:-2], table=n.name[-1], quoted=True)
        return n

    return str(node.copy().transform(swap).sql(dialect="duckdb"))


def _unwrap(node: Any) -> Any:
    import sqlglot.expressions as exp

    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _flatten(node: Any, kind: Any) -> list[Any]:
    node = _unwrap(node)
    if isinstance(node, kind):
        return _flatten(node.left, kind) + _flatten(node.right, kind)
    return [node]


def _branch_join(branch: Any) -> tuple[str, bool] | None:
    """The join condition of one AND-branch (its left-side = right-side equalities) and
    whether the branch is nothing but those equalities; None without any."""
    import sqlglot.expressions as exp

    terms = _flatten(branch, exp.And)
    eqs = []
    for t in terms:
        if isinstance(t, exp.EQ) and {_side(t.left), _side(t.right)} == {"l", "r"}:
            eqs.append(t)
    if not eqs:
        return None
    return " AND ".join(f"({_to_tables(e)})" for e in eqs), len(eqs) == len(terms)


def _null_split(sql: str) -> tuple[str, str] | None:
    """A null-level condition as (left predicate, right predicate) when it is an OR of
    one-side terms (``x_l IS NULL OR x_r IS NULL``), each side present; else None."""
    import sqlglot
    import sqlglot.expressions as exp

    by_side: dict[str, list[str]] = {"l": [], "r": []}
    for term in _flatten(sqlglot.parse_one(sql, read="duckdb"), exp.Or):
        side = _side(term)
        if side is None:
            return None
        by_side[side].append(f"({_to_tables(term)})")
    if not by_side["l"] or not by_side["r"]:
        return None
    return " OR ".join(by_side["l"]), " OR ".join(by_side["r"])


def plan(comparison: Any) -> ComparisonPlan | None:
    """The plan for a Splink ``Comparison`` (DuckDB SQL), or None when its u must all be
    sampled: no null level first, or one not split by side, or a level that cannot be
    read."""
    import sqlglot
    import sqlglot.expressions as exp

    levels = list(comparison.comparison_levels)
    if not levels or not levels[0].is_null_level:
        return None
    null = _null_split(levels[0].sql_condition)
    if null is None:
        return None
    exact: list[ExactLevel] = []
    for i, level in enumerate(levels[1:]):
        if level._is_else_level or level.is_null_level:
            continue
        try:
            tree = sqlglot.parse_one(level.sql_condition, read="duckdb")
        except sqlglot.ParseError:
            continue
        branches = [_branch_join(b) for b in _flatten(tree, exp.Or)]
        if not branches or any(b is None for b in branches):
            continue
        joins = tuple(b[0] for b in branches if b is not None)
        whole = len(joins) == 1 and branches[0] is not None and branches[0][1]
        exact.append(ExactLevel(int(level.comparison_vector_value), joins,
                                join_size_is_count=bool(whole and i == 0)))
    return ComparisonPlan(comparison.output_column_name, null[0], null[1], tuple(exact))


def join_size_sql(left: str, right: str, join: str) -> str:
    """Pairs a join condition finds, Σ over keys of left × right counts, without
    listing them: the condition's equalities grouped on each side."""
    import sqlglot
    import sqlglot.expressions as exp

    lefts, rights = [], []
    for term in _flatten(sqlglot.parse_one(join, read="duckdb"), exp.And):
        eq = _unwrap(term)
        a, b = eq.left, eq.right
        if _table_side(a) == "r":
            a, b = b, a
        lefts.append(a.sql(dialect="duckdb"))
        rights.append(b.sql(dialect="duckdb"))
    lk = ", ".join(f"{e} AS k{i}" for i, e in enumerate(lefts))
    rk = ", ".join(f"{e} AS k{i}" for i, e in enumerate(rights))
    keys = ", ".join(f"k{i}" for i in range(len(lefts)))
    on = " AND ".join(f"a.k{i} = b.k{i}" for i in range(len(lefts)))
    return (f"SELECT coalesce(sum(a.n * b.n), 0)::HUGEINT FROM "
            f"(SELECT {keys}, count(*) AS n FROM (SELECT {lk} FROM {left} AS l) GROUP BY ALL) a "
            f"JOIN (SELECT {keys}, count(*) AS n FROM (SELECT {rk} FROM {right} AS r) "
            f"GROUP BY ALL) b ON {on}")


def _table_side(node: Any) -> str | None:
    import sqlglot.expressions as exp

    tables = {c.table for c in node.find_all(exp.Column)}
    return tables.pop() if len(tables) == 1 else None
