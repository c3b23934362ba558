"""Duplicates within a source: a pair [S, S] deduplicates S, on a hand-written extract with
no truth whose duplicates can be counted by hand (tests/hand_world.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import linkready
from hand_world import COUNCIL, write_world
from linkready import TrainingConfig
from linkready.link.dedupe import split_pairs

FAST = TrainingConfig(u_max_pairs=2e5, em_max_pairs=2e5, bootstrap_replicates=20)


@pytest.fixture(scope="module")
def deduped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """40 council clients, 10 of them held twice (5 duplicates with the NHS number, 5
    without), linked to the GP register with the pair [council, council] declared."""
    root = tmp_path_factory.mktemp("dedupe")
    project = write_world(root, with_nhs=20, duplicates=10, duplicate_nhs=5, dedupe=True)
    result = linkready.link(project, root / "out", training=FAST)
    return {**result.to_dict(), "_result": result}


def test_split_pairs() -> None:
    """[S, S] pairs are split off as sources to deduplicate, each once, in order."""
    assert split_pairs([("a", "b"), ("a", "a"), ("c", "c"), ("a", "a")]) == (
        [("a", "b")], ["a", "c"])


def test_dedupe_counts_the_hand_made_duplicates(deduped: dict[str, Any]) -> None:
    """10 people held twice among 50 records: 40 people, 20 records in duplicate groups,
    10 duplicate records; the 5 pairs sharing an NHS number are found deterministically."""
    [d] = deduped["dedupe"]
    assert d["source"] == "council"
    assert d["records"] == COUNCIL + 10
    assert d["probable_people"] == COUNCIL
    assert d["duplicate_people"] == 10
    assert d["records_in_duplicate_groups"] == 20
    assert d["duplicate_records"] == 10
    assert d["duplicate_record_share"] == pytest.approx(0.2)
    assert d["deterministic"]["records_with_a_duplicate"] == 10
    exp = d["expected_share_with_duplicate"]
    assert exp["lower"] <= exp["estimate"] <= exp["upper"]
    assert exp["estimate"] == pytest.approx(20 / 50, abs=0.02)
    # Small figures are disclosure-controlled: the largest group (2 records) is a 1–7 count.
    assert d["largest_group"] == "*"


def test_dedupe_leaves_the_pairs_alone(deduped: dict[str, Any]) -> None:
    """The [S, S] pair is not a pair of linkage.json; council → GP is still linked."""
    assert [(p["left"], p["right"]) for p in deduped["pairs"]] == [("council", "gp")]
    # 25 of 50 council records carry an NHS number that is on the GP register.
    assert deduped["pairs"][0]["deterministic"]["match_rate"] == pytest.approx(0.5)


def test_duplicates_are_one_person_in_the_clusters(deduped: dict[str, Any]) -> None:
    """The dedupe links (stage `dedupe`) feed clustering: C00i and D00i share a cluster,
    and the 80 GP patients are the 80 people."""
    result = deduped["_result"]
    links = result.links_df()
    own = links[links["stage"] == "dedupe"]
    assert len(own) == 10 and (own["source_l"] == "council").all()
    assert (own["source_r"] == "council").all()
    assert (own["deterministic_rule"] == "nhs").sum() == 5
    clusters = result.clusters_df()
    cluster = dict(zip(clusters["record_id"], clusters["cluster_id"], strict=True))
    assert all(cluster[f"C{i:03d}"] == cluster[f"D{i:03d}"] for i in range(10))
    assert deduped["clusters"]["distinct_people"] == 80


def test_a_project_may_only_deduplicate(tmp_path: Path) -> None:
    """Pairs [S, S] alone deduplicate S: no pair of two sources, the duplicates found."""
    project = write_world(tmp_path, with_nhs=20, duplicates=10, duplicate_nhs=5)
    doc = linkready.link(project, tmp_path / "out", pairs=[("council", "council")],
                         training=FAST).to_dict()
    assert doc["pairs"] == []
    assert doc["dedupe"][0]["duplicate_people"] == 10
    assert doc["clusters"]["distinct_people"] == COUNCIL


def test_cluster_labels_group_linked_records() -> None:
    """Linked records share a label, chains join, unlinked records stand alone."""
    from linkready.link.dedupe import cluster_labels

    labels = cluster_labels(["a", "b", "c", "d", "e"], ["a", "b"], ["b", "c"])
    assert labels[0] == labels[1] == labels[2]
    assert len({labels[0], labels[3], labels[4]}) == 3


def test_many_unresolved_records_warn_that_duplicates_are_undercounted() -> None:
    """Splink's fake_1000 (names and DOB) had 443 distinct people found against 251 true,
    every linked pair right, with no warning: most missed duplicates sat at intermediate
    probabilities. Σ(1 − q) over best q in [0.05, 0.95) above 5% of records warns."""
    from linkready.link.dedupe import unresolved_warning

    resolved = np.array([0.99] * 60 + [0.0] * 40)  # every record decided
    assert unresolved_warning(resolved, 0.9) == []
    unsure = np.array([0.99] * 60 + [0.5] * 20 + [0.0] * 20)  # Σ(1 − q) = 10 of 100
    [text] = unresolved_warning(unsure, 0.9)
    assert "(20% of records)" in text and "up to 10 points" in text
    assert "p ≥ 0.9 are too few" in text
    few = np.array([0.99] * 90 + [0.2] * 7 + [0.0] * 3)  # 7 records: no figure for them
    [small] = unresolved_warning(few, 0.9)
    assert "% of records)" not in small and "up to 6 points" in small


def test_unreadable_dobs_do_not_make_dob_alone_a_link(tmp_path: Path) -> None:
    """qa9's extract: 8 clients held twice, and 50 DOBs unreadable, the first record of
    every duplicate among them, so no duplicate pair shares a DOB. Each EM session then
    blocks pairs holding no true match with the other fields recorded, and used to learn
    inverted m values (names disagreeing as common among "matches" as among random pairs;
    an exact DOB never seen among them, so Splink's default m): 40 duplicate records,
    pairs linked on DOB alone. Those m values are now dropped, with a plain warning."""
    import pandas as pd

    from hand_world import write_unreadable_dob_world

    project = write_unreadable_dob_world(tmp_path, duplicates=8, unreadable=50)
    result = linkready.link(project, tmp_path / "out", training=FAST).to_dict()
    [d] = result["dedupe"]
    links = pd.read_parquet(tmp_path / "out" / "links.parquet")
    true_pairs = {(f"C{1000 + k}", f"C{2000 + k}") for k in range(8)}
    assert set(zip(links["record_id_l"], links["record_id_r"], strict=True)) <= true_pairs
    assert d["duplicate_records"] in ("*", 0)  # at most the 8 true duplicates
    lost = [w for w in d["warnings"] if w.startswith("could not learn from pairs with")]
    assert any("the same DOB" in w and "given_name" in w for w in lost)
    assert all("EM session" not in w for w in d["warnings"])
