"""GUILD measures with left records as the unit, on hand-built links and truth."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from linkready import publish
from linkready.link import evaluate


def _pair(*args: Any, exact: bool = False, **kw: Any) -> Any:
    """evaluate_pair published: exactly, or under disclosure control."""
    return publish.publish(evaluate.evaluate_pair(*args, **kw), control=not exact)


def _clusters(*args: Any, exact: bool = False, **kw: Any) -> Any:
    return publish.publish(evaluate.evaluate_clusters(*args, **kw), control=not exact)


def _grouped(*args: Any, exact: bool = False, **kw: Any) -> Any:
    return publish.publish(evaluate.grouped_missed_rate(*args, **kw), control=not exact)

#: The hand-built world is repeated COPIES times (copy k: ids suffixed ``_k``, persons
#: offset by 100·k), so that every count the measures rest on is 8 or more and the rates
#: are published (a rate resting on a count of 1–7 is shown as "*", see
#: test_rates_resting_on_small_counts_are_hidden).
COPIES = 10


def _copy(k: int, record_id: str) -> str:
    return record_id if k == 0 else f"{record_id}_{k}"


_BASE = {"source": ["L"] * 5 + ["R"] * 4,
         "record_id": ["l1", "l2", "l3", "l4", "l5", "r1", "r2", "r3", "r3b"],
         "person_id": [1, 2, 3, 4, 9, 1, 2, 3, 4]}
TRUTH = pd.DataFrame({
    "source": _BASE["source"] * COPIES,
    "record_id": [_copy(k, r) for k in range(COPIES) for r in _BASE["record_id"]],
    "person_id": [p + 100 * k for k in range(COPIES) for p in _BASE["person_id"]],
})
#: Person 9 of the first copy alone has sex "9": a subgroup of one record.
POP = pd.DataFrame({"person_id": [p + 100 * k for k in range(COPIES) for p in (1, 2, 3, 4, 9)],
                    "sex": ["1", "1", "2", "2", "2"] * COPIES}).assign(
    sex=lambda f: f["sex"].where(f["person_id"] != 9, "9"))


def _links(rows: list[tuple[str, str, float | None, str | None]],
           copies: int = 1) -> pd.DataFrame:
    return pd.DataFrame([{"source_l": "L", "record_id_l": _copy(k, a), "source_r": "R",
                          "record_id_r": _copy(k, b), "match_probability": p,
                          "deterministic_rule": d}
                         for k in range(copies) for a, b, p, d in rows])


LINKS = _links([
    ("l1", "r1", 0.99, "nhs"),   # correct, both stages
    ("l2", "r3", 0.95, None),    # wrong person: FP and FN
    ("l3", "r3", 0.5, None),     # below threshold: missed
    ("l5", "r2", 0.2, None),     # l5 not in R; below threshold
], COPIES)


def test_measures_per_left_record() -> None:
    """TP = correct best link; a wrong link is an FP and an FN; l4 unlinked is an FN."""
    got = _pair(LINKS, TRUTH, POP, "L", "R", threshold=0.9)
    assert got["truth"]["overlap_rate"] == pytest.approx(4 / 5)
    prob = got["probabilistic"]
    assert prob["precision"] == pytest.approx(1 / 2)
    assert prob["recall"] == pytest.approx(1 / 4)
    assert prob["f1"] == round(2 * 1 / (2 * 1 + 1 + 3), 4)  # rates are rounded to 4 dp
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
    got = _pair(LINKS, TRUTH, POP, "L", "R", threshold=0.9)["probabilistic"]
    assert got["gap"]["coverage"] == pytest.approx(1 / 5)
    assert got["gap"]["linkage_error"] == pytest.approx(2 / 5)


def test_pr_curve_and_subgroups() -> None:
    """Recall never rises with the threshold; subgroup counts are suppressed, and so
    are the rates of a subgroup of one record."""
    got = _pair(LINKS, TRUTH, POP, "L", "R", threshold=0.9)
    recalls = [row["recall"] for row in got["pr_curve"]]
    assert recalls == sorted(recalls, reverse=True)
    rows = {r["group"]: r for r in got["by_subgroup"]["sex"]}
    assert set(rows) == {"1", "2", "9"}
    # Group 9's one record is "*"; the groups add up to the pair's 50, so the next-smallest
    # group (20 records) is hidden too (secondary suppression) and 29 shows as 30.
    assert (rows["1"]["left_records"], rows["2"]["left_records"]) == ("*", 30)
    assert rows["1"]["combined"]["left_records"] == "*"  # the same figure, everywhere
    one = rows["9"]  # person 9 of the first copy: one record, not in R, unlinked
    assert one["left_records"] == "*"
    # 0 of 1 record: "0%" beside a suppressed count would say the group has 1–7 records
    # none of whom is in R, so the remainder (1) hides it.
    assert one["overlap_rate"] == "*" and one["combined"]["match_rate"] == "*"
    assert one["combined"]["recall"] is None  # no true matches: undefined, not hidden


def test_empty_links_give_zero_recall_not_an_error() -> None:
    """A stage that links nothing has recall 0 and precision undefined (None)."""
    got = _pair(_links([]).reindex(columns=LINKS.columns), TRUTH, None,
                                 "L", "R", 0.9)
    assert got["probabilistic"]["recall"] == 0.0
    assert got["probabilistic"]["precision"] is None


def _world(n_left: int, missed: int, wrong: int, absent: int) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    """Truth and links for ``n_left`` left records: ``absent`` whose person is not in R,
    ``missed`` true matches left unlinked, ``wrong`` linked to another person, the rest
    linked correctly (probability 0.99)."""
    truth, links = [], []
    for i in range(n_left):
        truth.append(("L", f"l{i}", i))
        if i >= absent:
            truth.append(("R", f"r{i}", i))
    for i in range(absent, n_left):
        if i < absent + missed:
            continue
        target = f"r{i + 1 if i + 1 < n_left else absent}" if i < absent + missed + wrong \
            else f"r{i}"
        links.append((f"l{i}", target, 0.99, None))
    frame = pd.DataFrame(truth, columns=["source", "record_id", "person_id"])
    return frame, _links(links)


def test_rates_resting_on_small_counts_are_hidden() -> None:
    """3 missed matches among 100 true ones: false_negatives is "*" and so are the rates
    that would give it away (recall, missed-match rate, F1, the match rate, the unlinked
    shares); precision, resting on 97 correct and 0 wrong links, is shown."""
    truth, links = _world(n_left=100, missed=3, wrong=0, absent=0)
    got = _pair(links, truth, None, "L", "R", threshold=0.9)
    prob = got["probabilistic"]
    assert prob["false_negatives"] == "*"
    assert prob["missed_match_rate"] == "*" and prob["recall"] == "*"
    assert prob["f1"] == "*"
    assert prob["match_rate"] == "*"  # 97 of 100: the 3 unlinked are the remainder
    assert prob["precision"] == 1.0 and prob["false_match_rate"] == 0.0
    assert prob["gap"]["unlinked"] == "*" and prob["gap"]["linkage_error"] == "*"
    # 0: a zero part cannot hide another (it adds nothing to the hidden sum), so it shows.
    assert prob["gap"]["coverage"] == 0.0
    assert got["truth"]["overlap_rate"] == 1.0
    assert {p["recall"] for p in got["pr_curve"] if p["threshold"] <= 0.99} == {"*"}


def test_small_false_positives_hide_precision_and_f1() -> None:
    """5 wrong links among 200: precision, false-match rate and F1 are "*"; recall is
    hidden too (a wrong link is also a missed match: FN = 5 + 0)."""
    truth, links = _world(n_left=200, missed=0, wrong=5, absent=20)
    got = _pair(links, truth, None, "L", "R", threshold=0.9)["combined"]
    assert got["false_positives"] == "*" and got["false_negatives"] == "*"
    for key in ("precision", "false_match_rate", "recall", "missed_match_rate", "f1"):
        assert got[key] == "*", key
    assert got["match_rate"] == 0.9  # 180 of 200 linked: shown
    assert got["gap"]["linked_to_wrong_person"] == "*"
    assert got["gap"]["unlinked"] == 0.1  # the 20 absent: shown
    assert got["gap"]["coverage"] == 0.1 and got["gap"]["linkage_error"] == 0.0


def test_published_rates_match_exact_rates_when_safe() -> None:
    """Rates that are shown are the exact rates rounded to 4 decimals; exact=True gives
    the unrounded, unsuppressed figures (for internal use)."""
    truth, links = _world(n_left=300, missed=30, wrong=12, absent=40)
    shown = _pair(links, truth, None, "L", "R", threshold=0.9)
    exact = _pair(links, truth, None, "L", "R", threshold=0.9, exact=True)
    for stage in ("probabilistic", "combined"):
        for key in ("match_rate", "precision", "recall", "f1", "false_match_rate",
                    "missed_match_rate"):
            assert isinstance(exact[stage][key], float)
            assert shown[stage][key] == round(exact[stage][key], 4), (stage, key)
    assert exact["deterministic"]["recall"] == 0.0
    small = _world(n_left=100, missed=3, wrong=0, absent=0)
    got = _pair(small[1], small[0], None, "L", "R", 0.9, exact=True)
    assert got["probabilistic"]["missed_match_rate"] == pytest.approx(3 / 100)


def test_grouped_missed_rate_and_clusters_are_protected() -> None:
    """grouped_missed_rate and the cluster rates go through safe_rate as well."""
    truth, links = _world(n_left=100, missed=3, wrong=0, absent=0)
    left, right = truth[truth.source == "L"], truth[truth.source == "R"]
    outcomes = evaluate.left_outcomes(left, right["person_id"], right,
                                      evaluate.stage_links(links, "combined", 0.9))
    pop = pd.DataFrame({"person_id": range(100), "sex": ["1"] * 50 + ["2"] * 50})
    assert _grouped(outcomes, pop, "sex", {"all": ["1", "2"]}) == \
        {"all": "*"}
    assert _grouped(outcomes, pop, "sex", {"all": ["1", "2"]},
                                        exact=True) == {"all": pytest.approx(0.03)}
    # 100 people, 103 clusters: 3 people split in two.
    clusters = pd.DataFrame({"source": ["L"] * 100 + ["R"] * 100,
                             "record_id": [f"l{i}" for i in range(100)]
                             + [f"r{i}" for i in range(100)],
                             "cluster_id": list(range(100))
                             + [1000 + i if i < 3 else i for i in range(100)]})
    got = _clusters(clusters, truth)
    assert got["distinct_people_ratio"] == "*" and got["people_split_rate"] == "*"
    assert got["clusters_merged_rate"] == 0.0
    exact = _clusters(clusters, truth, exact=True)
    assert exact["distinct_people_ratio"] == pytest.approx(1.03)


def test_link_level_counts_every_link_not_only_the_best() -> None:
    """l1 links to r1 (its person) and r2 (another): record-level precision counts only the
    best link (correct), link-level precision counts both (1 of 2), one false link."""
    links = _links([("l1", "r1", 0.99, "nhs"), ("l1", "r2", 0.95, None),
                    ("l2", "r2", 0.97, None), ("l3", "r3", 0.5, None)], COPIES)
    got = _pair(links, TRUTH, None, "L", "R", 0.9, exact=True)["combined"]
    assert got["precision"] == 1.0  # l1 and l2: best links both right
    link = got["links"]
    assert (link["links"], link["true_links"], link["false_links"]) == (30, 20, 10)
    assert link["precision"] == pytest.approx(2 / 3)
    assert link["left_records_with_a_false_link"] == 10
    # True pairs: persons 1, 2, 3, 4 each have one L and one R record.
    assert link["true_pairs"] == 40 and link["recall"] == pytest.approx(20 / 40)
    shown = _pair(links, TRUTH, None, "L", "R", 0.9)["combined"]["links"]
    assert shown["false_links"] == 10 and shown["precision"] == 0.6667


def test_link_level_hides_a_small_number_of_false_links() -> None:
    """Under disclosure control, 3 false links hide the link precision (it would give them
    away); exact figures show them."""
    truth, links = _world(n_left=100, missed=0, wrong=0, absent=0)
    extra = _links([("l0", "r1", 0.95, None), ("l1", "r2", 0.95, None),
                    ("l2", "r3", 0.95, None)])
    links = pd.concat([links, extra], ignore_index=True)
    shown = _pair(links, truth, None, "L", "R", 0.9)["combined"]["links"]
    assert shown["false_links"] == "*" and shown["precision"] == "*"
    exact = _pair(links, truth, None, "L", "R", 0.9,
                                   exact=True)["combined"]["links"]
    assert exact["false_links"] == 3 and exact["precision"] == pytest.approx(100 / 103)


#: A clustering built by hand, not by linkready: person A has records a1–a3, B has b1–b2,
#: C has c1; clusters {a1, a2}, {a3, b1}, {b2}, {c1}. By hand:
#: pairwise precision 1/2 (linked pairs a1a2 ✓, a3b1 ✗), recall 1/4 (true pairs a1a2 ✓,
#: a1a3, a2a3, b1b2 missed); B-cubed precision (1 + 1 + ½ + ½ + 1 + 1)/6 = 5/6, recall
#: (⅔ + ⅔ + ⅓ + ½ + ½ + 1)/6 = 11/18; A and B split (2 of 3 people); 1 of 4 clusters
#: merged.
HAND = pd.DataFrame({"source": ["S"] * 6, "record_id": ["a1", "a2", "a3", "b1", "b2", "c1"],
                     "person_id": ["A", "A", "A", "B", "B", "C"],
                     "cluster_id": [1, 1, 2, 2, 3, 4]})


def test_cluster_measures_on_a_hand_built_clustering() -> None:
    """Pairwise, B-cubed, split and merge rates equal the figures worked out by hand."""
    got = _clusters(HAND[["source", "record_id", "cluster_id"]],
                                     HAND[["source", "record_id", "person_id"]], exact=True)
    assert got["pairwise"]["precision"] == pytest.approx(1 / 2)
    assert got["pairwise"]["recall"] == pytest.approx(1 / 4)
    assert got["pairwise"]["f1"] == pytest.approx(1 / 3)
    assert got["bcubed"]["precision"] == pytest.approx(5 / 6)
    assert got["bcubed"]["recall"] == pytest.approx(11 / 18)
    assert got["bcubed"]["f1"] == pytest.approx(2 * (5 / 6) * (11 / 18) / (5 / 6 + 11 / 18))
    assert got["people_split_rate"] == pytest.approx(2 / 3)
    assert got["clusters_merged_rate"] == pytest.approx(1 / 4)
    assert (got["distinct_people"], got["true_distinct_people"]) == (4, 3)


def _brute_force(cluster: list[int], person: list[int]) -> dict[str, float]:
    """Pairwise and B-cubed by looping over every pair of records (independent of the
    contingency-table formulas under test)."""
    n = len(cluster)
    linked = true = both = 0
    for i in range(n):
        for j in range(i + 1, n):
            same_c, same_p = cluster[i] == cluster[j], person[i] == person[j]
            linked += same_c
            true += same_p
            both += same_c and same_p
    b3p = sum(sum(cluster[j] == cluster[i] and person[j] == person[i] for j in range(n))
              / sum(cluster[j] == cluster[i] for j in range(n)) for i in range(n)) / n
    b3r = sum(sum(cluster[j] == cluster[i] and person[j] == person[i] for j in range(n))
              / sum(person[j] == person[i] for j in range(n)) for i in range(n)) / n
    return {"pp": both / linked, "pr": both / true, "bp": b3p, "br": b3r}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cluster_measures_match_a_brute_force_count(seed: int) -> None:
    """On random clusterings of 60 records, the measures equal a pair-by-pair count."""
    rng = np.random.default_rng(seed)
    person = rng.integers(0, 20, 60).tolist()
    cluster = [p if rng.random() < 0.7 else int(rng.integers(0, 25)) for p in person]
    frame = pd.DataFrame({"source": "S", "record_id": [f"r{i}" for i in range(60)],
                          "person_id": person, "cluster_id": cluster})
    got = _clusters(frame[["source", "record_id", "cluster_id"]],
                                     frame[["source", "record_id", "person_id"]], exact=True)
    want = _brute_force(cluster, person)
    assert got["pairwise"]["precision"] == pytest.approx(want["pp"])
    assert got["pairwise"]["recall"] == pytest.approx(want["pr"])
    assert got["bcubed"]["precision"] == pytest.approx(want["bp"])
    assert got["bcubed"]["recall"] == pytest.approx(want["br"])


def test_cluster_measures_per_source_set() -> None:
    """Per source set, the records of those sources only, clusters as made over all: a
    merge across sources S and T is invisible within S alone."""
    clusters = pd.DataFrame({"source": ["S", "S", "T", "T"], "record_id": ["s1", "s2", "t1",
                                                                         "t2"],
                             "cluster_id": [1, 2, 1, 2]})
    truth = pd.DataFrame({"source": ["S", "S", "T", "T"], "record_id": ["s1", "s2", "t1",
                                                                      "t2"],
                          "person_id": [1, 2, 1, 3]})
    got = _clusters(clusters, truth, exact=True,
                                     source_sets=[["S", "T"], ["S"]])
    both, s_only = got["by_source_set"]
    assert both["sources"] == ["S", "T"] and both["clusters_merged_rate"] == 0.5
    assert s_only["clusters_merged_rate"] == 0.0 and s_only["pairwise"]["precision"] is None
    assert s_only["bcubed"]["precision"] == 1.0
