"""The probabilistic stage cut at each threshold without truth (linkage.json's
``probabilistic.by_threshold``)."""

from __future__ import annotations

import pytest

from linkready.link.thresholds import by_threshold
from linkready.publish import controlled, exact


def test_best_pair_per_left_record_counts_once() -> None:
    """Each left record counts at a threshold when its best pair reaches it; the expected
    false-link share is Σ(1 − best q) over those records."""
    ids = ["a", "a", "b", "c"] + [f"r{i}" for i in range(20)]
    p = [0.95, 0.30, 0.60, 0.05] + [0.99] * 20
    tree = by_threshold(ids, p, 100, thresholds=(0.5, 0.9))
    rows = {r["threshold"]: r for r in controlled(tree)}
    assert rows[0.5]["linked_records"] == 20  # 22 records, rounded to 5
    assert rows[0.5]["match_rate"] == 0.22
    assert rows[0.9]["match_rate"] == 0.21
    share = (0.05 + 0.40 + 20 * 0.01) / 22
    assert rows[0.5]["expected_false_link_share"] == round(share, 6)
    measured = {r["threshold"]: r for r in exact(tree)}  # the exact tree, unrounded
    assert measured[0.5]["linked_records"] == 22
    assert measured[0.5]["expected_false_link_share"] == pytest.approx(share, abs=1e-12)


def test_small_counts_hidden_and_empty_thresholds_null() -> None:
    """Over 1–7 accepted records the rate and the share are *; over none the share is
    null."""
    rows = controlled(by_threshold(["a", "b", "c"], [0.95, 0.5, 0.2], 100,
                                   thresholds=(0.9, 0.999)))
    assert rows[0]["linked_records"] == "*" and rows[0]["match_rate"] == "*"
    assert rows[0]["expected_false_link_share"] == "*"
    assert rows[1]["linked_records"] == 0 and rows[1]["expected_false_link_share"] is None


def test_neighbouring_thresholds_get_secondary_suppression() -> None:
    """Rows are nested (records linked at 0.9 are among those at 0.5): a row that differs
    from the row before by 1–7 records is hidden, count, rate and false-link share, or
    the difference would give those records away; a difference of 8 or more is not."""
    from linkready.link.thresholds import threshold_relations
    from linkready.publish import RELATIONS

    ids = [f"r{i}" for i in range(40)]
    p = [0.95] * 27 + [0.6] * 3 + [0.3] * 10  # 40 reach 0.2, 30 reach 0.5, 27 reach 0.9
    rows = by_threshold(ids, p, 100, thresholds=(0.2, 0.5, 0.9))
    shown = controlled({"rows": rows, RELATIONS: threshold_relations(rows)})["rows"]
    assert [r["linked_records"] for r in shown] == [40, 30, "*"]
    assert shown[2]["match_rate"] == "*" and shown[2]["expected_false_link_share"] == "*"
    assert shown[1]["match_rate"] == 0.3  # 40 → 30: ten records, not a small count
    assert controlled(rows)[2]["linked_records"] == 25  # primary rule alone: shown
    assert exact({"rows": rows, RELATIONS: threshold_relations(rows)})["rows"][2][
        "linked_records"] == 27
