"""linkready.publish: exact trees published once, primary and secondary suppression, on
hand-made tables."""

from __future__ import annotations

from typing import Any

from linkready import publish
from linkready.publish import F1, RELATIONS, Chain, Count, Line, Rate, cell


def _table(counts: list[int], total: int | None = None) -> dict[str, Any]:
    """A column of counts that add up to ``total`` (their sum by default)."""
    cells = [Count(n) for n in counts]
    whole = Count(sum(counts) if total is None else total)
    return {"rows": cells, "total": whole,
            RELATIONS: [Line(tuple(cell(c) for c in cells), cell(whole))]}


def test_exact_and_controlled_views_of_one_tree() -> None:
    """The exact view shows every figure as counted; the controlled view rounds counts to
    5, hides 1–7 and rounds shares to 4 decimals. Relations are never published."""
    tree = {"n": Count(1234), "small": Count(3), "share": Rate(617, 1234),
            "f1": F1(50, 10, 20), "zero": Count(0), "note": "text"}
    assert publish.exact(tree) == {"n": 1234, "small": 3, "share": 0.5,
                                   "f1": 100 / 130, "zero": 0, "note": "text"}
    assert publish.controlled(tree) == {"n": 1235, "small": "*", "share": 0.5,
                                        "f1": round(100 / 130, 4), "zero": 0,
                                        "note": "text"}
    assert RELATIONS not in publish.exact(_table([3, 40]))
    assert RELATIONS not in publish.controlled(_table([3, 40]))


def test_one_rule_for_shares() -> None:
    """A share is "*" when its numerator or its remainder is 1–7, None when the
    denominator is 0, else the exact share to 4 decimals."""
    assert publish.controlled([Rate(3, 100), Rate(97, 100), Rate(50, 100), Rate(0, 0)]) \
        == ["*", "*", 0.5, None]


def test_a_lone_suppressed_cell_gets_a_complement() -> None:
    """Counts 3, 40, 12, 100 with their total: without a second hidden cell, total minus
    the others would give 3 back; the next-smallest (12) is hidden with it."""
    got = publish.controlled(_table([3, 40, 12, 100]))
    assert got["rows"] == ["*", 40, "*", 100]
    assert got["total"] == 155


def test_two_small_cells_whose_sum_is_small_take_a_third() -> None:
    """2 and 4 hidden together still give away their sum (6) by subtraction, so the
    next-smallest (9) joins them."""
    got = publish.controlled(_table([2, 4, 9, 30, 50]))
    assert got["rows"] == ["*", "*", "*", 30, 50]


def test_two_small_cells_whose_sum_is_safe_stop_there() -> None:
    """5 and 6 (sum 11, not a count of 1–7) protect each other."""
    assert publish.controlled(_table([5, 6, 30, 50]))["rows"] == ["*", "*", 30, 50]


def test_nothing_to_complement_hides_the_total() -> None:
    """A lone non-zero cell among zeros: the total would give it away, so it is hidden."""
    got = publish.controlled(_table([0, 4, 0]))
    assert got["rows"] == [0, "*", 0] and got["total"] == "*"


def test_no_small_cell_no_secondary_suppression() -> None:
    assert publish.controlled(_table([10, 40, 12]))["rows"] == [10, 40, 10]


def test_rows_and_columns_are_protected_together() -> None:
    """A 2x3 table with row and column totals: the complement chosen in a row can expose
    a column, which then takes its own complement, until nothing changes."""
    grid = [[Count(3), Count(20), Count(30)], [Count(25), Count(10), Count(40)]]
    rels = [Line(tuple(cell(c) for c in row)) for row in grid]
    rels += [Line((cell(grid[0][j]), cell(grid[1][j]))) for j in range(3)]
    got = publish.controlled({"grid": grid, RELATIONS: rels})["grid"]
    hidden = {(i, j) for i in range(2) for j in range(3) if got[i][j] == "*"}
    # Every row and column with a hidden cell has at least two.
    for i in range(2):
        assert len({j for j in range(3) if (i, j) in hidden}) in (0, 2, 3)
    for j in range(3):
        assert len({i for i in range(2) if (i, j) in hidden}) in (0, 2)
    assert (0, 0) in hidden and (0, 1) in hidden and (1, 0) in hidden and (1, 1) in hidden


def test_neighbouring_thresholds_that_differ_by_a_small_count_are_hidden() -> None:
    """Records linked at thresholds 0.5, 0.6, 0.7, 0.8: 500, 497, 450, 448. The rows at
    0.6 and 0.8 differ from the last shown row by 3 and 2 (a small band of records), so
    they are hidden; 0.7 differs from 0.5 by 50 and is shown."""
    rows = [{"match_rate": Rate(k, 1000)} for k in (500, 497, 450, 448)]
    tree = {"curve": rows, RELATIONS: [Chain(tuple(cell(r["match_rate"]) for r in rows))]}
    assert [r["match_rate"] for r in publish.controlled(tree)["curve"]] == \
        [0.5, "*", 0.45, "*"]
    assert [r["match_rate"] for r in publish.exact(tree)["curve"]] == \
        [0.5, 0.497, 0.45, 0.448]


def test_secondary_suppression_is_off_in_the_exact_view() -> None:
    assert publish.exact(_table([3, 40, 12]))["rows"] == [3, 40, 12]


def test_count_only_cells_ignore_a_share_starred_for_its_rest() -> None:
    """A part whose share is * only because the rest of its records is 1–7 (24 of 25
    linked) is not a suppressed part when the cell is count_only: nothing is hidden.
    By default any * in a cell makes it a suppressed part, here forcing the total."""
    from linkready.publish import secondary

    def run(count_only: bool) -> set[Any]:
        part, share, total = Count(25), Rate(24, 25), Count(25)
        return secondary([Line((cell(part, share, count_only=count_only),),
                               cell(total))])

    assert run(True) == set()
    assert len(run(False)) == 3  # the part (count and share) and the total
