"""GUILD measures with left records as the unit, on hand-built links and truth."""

from __future__ import annotations

import pandas as pd
import pytest

from linkready.link import evaluate

TRUTH = pd.DataFrame({
    "source": ["L"] * 5 + ["R"] * 4,
    "record_id": ["l1", "l2", "l3", "l4", "l5", "r1", "r2", "r3", "r3b"],
    "person_id": [1, 2, 3, 4, 9, 1, 2, 3, 4],
})
POP = pd.DataFrame({"person_id": [1, 2, 3, 4, 9], "sex": ["1", "1", "2", "2", "2"]})


def _links(rows: list[tuple[str, str, float | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame([{"source_l": "L", "record_id_l": a, "source_r": "R", "record_id_r": b,
                          "match_probability": p, "deterministic_rule": d}
                         for a, b, p, d in rows])


LINKS = _links([
    ("l1", "r1", 0.99, "nhs"),   # correct, both stages
    ("l2", "r3", 0.95, None),    # wrong person: FP and FN
    ("l3", "r3", 0.5, None),     # below threshold: missed
    ("l5", "r2", 0.2, None),     # l5 not in R; below threshold
])


def test_measures_per_left_record() -> None:
    """TP = correct best link; a wrong link is an FP and an FN; l4 unlinked is an FN."""
    got = evaluate.evaluate_pair(LINKS, TRUTH, POP, "L", "R", threshold=0.9)
    assert got["truth"]["overlap_rate"] == pytest.approx(4 / 5)
    prob = got["probabilistic"]
    assert prob["precision"] == pytest.approx(1 / 2)
    assert prob["recall"] == pytest.approx(1 / 4)
    assert prob["f1"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 3))
    assert prob["missed_match_rate"] == pytest.approx(3 / 4)
    det = got["deterministic"]
    assert (det["precision"], det["recall"]) == (1.0, 0.25)


def test_best_link_decides_correctness() -> None:
    """With two links above the threshold, the more probable one is judged."""
    links = _links([("l1", "r2", 0.91, None), ("l1", "r1", 0.97, None)])
    out = evaluate.left_outcomes(TRUTH[TRUTH.source == "L"], TRUTH[TRUTH.source == "R"].person_id,
                                 TRUTH[TRUTH.source == "R"], links)
    assert out.set_index("record_id").loc["l1", "correct"]


def test_gap_splits_coverage_from_linkage_error() -> None:
    """Unlinked left records split into not-in-right (coverage) and missed."""
    got = evaluate.evaluate_pair(LINKS, TRUTH, POP, "L", "R", threshold=0.9)["probabilistic"]
    assert got["gap"]["coverage"] == pytest.approx(1 / 5)
    assert got["gap"]["linkage_error"] == pytest.approx(2 / 5)


def test_pr_curve_and_subgroups() -> None:
    """Recall never rises with the threshold; subgroup counts are suppressed."""
    got = evaluate.evaluate_pair(LINKS, TRUTH, POP, "L", "R", threshold=0.9)
    recalls = [row["recall"] for row in got["pr_curve"]]
    assert recalls == sorted(recalls, reverse=True)
    rows = got["by_subgroup"]["sex"]
    assert {r["group"] for r in rows} == {"1", "2"}
    assert all(r["left_records"] in ("*", 0) for r in rows)


def test_empty_links_give_zero_recall_not_an_error() -> None:
    """A stage that links nothing has recall 0 and precision undefined (None)."""
    got = evaluate.evaluate_pair(_links([]).reindex(columns=LINKS.columns), TRUTH, None,
                                 "L", "R", 0.9)
    assert got["probabilistic"]["recall"] == 0.0
    assert got["probabilistic"]["precision"] is None
