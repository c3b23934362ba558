"""Connected components and the source-overlap matrix."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from linkready.link import clustering
from linkready.publish import controlled, exact


@pytest.mark.parametrize(("n", "edges", "expected"), [
    pytest.param(3, [], [0, 1, 2], id="no-edges"),
    pytest.param(4, [(0, 1), (2, 3)], [0, 0, 2, 2], id="two-pairs"),
    pytest.param(5, [(4, 3), (3, 2), (2, 1), (1, 0)], [0] * 5, id="chain"),
    pytest.param(4, [(3, 0), (1, 2)], [0, 1, 1, 0], id="crossed"),
])
def test_connected_components(n: int, edges: list[tuple[int, int]], expected: list[int]) -> None:
    """Every node gets the smallest index in its component."""
    src = np.array([e[0] for e in edges], dtype=np.int64)
    dst = np.array([e[1] for e in edges], dtype=np.int64)
    assert clustering.connected_components(n, src, dst).tolist() == expected


def test_cluster_and_overlap() -> None:
    """Linked records share a cluster; overlap is the share of a source's people in another."""
    nodes = pa.table({"source": ["a", "a", "b", "b"], "record_id": ["1", "2", "1", "2"]})
    links = pa.table({"source_l": ["a", "a"], "record_id_l": ["1", "2"],
                      "source_r": ["b", "b"], "record_id_r": ["1", "2"],
                      "linked": [True, False]})
    clusters = clustering.cluster(nodes, links)
    assert clusters.column("cluster_id").to_pylist() == [1, 2, 1, 3]
    ov = controlled(clustering.overlap(clusters, ["a", "b"]))
    assert exact(clustering.overlap(clusters, ["a", "b"]))["overlap_people"]["a"]["b"] == 1
    assert ov["overlap_people"]["a"]["b"] == "*"  # one person: suppressed
    assert ov["overlap_share"]["a"]["b"] == "*"  # ... and so is the share resting on it


def test_overlap_share() -> None:
    """The overlap share is the share of a source's people also in another: 10 of 20."""
    ids = [str(i) for i in range(20)]
    nodes = pa.table({"source": ["a"] * 20 + ["b"] * 20, "record_id": ids + ids})
    links = pa.table({"source_l": ["a"] * 20, "record_id_l": ids,
                      "source_r": ["b"] * 20, "record_id_r": ids,
                      "linked": [i < 10 for i in range(20)]})
    ov = controlled(clustering.overlap(clustering.cluster(nodes, links), ["a", "b"]))
    assert ov["overlap_share"]["a"]["b"] == 0.5
    assert ov["overlap_share"]["a"]["a"] == 1.0
    assert ov["overlap_people"]["a"]["b"] == 10


def _cluster_by_hand(nodes: pa.Table, links: pa.Table) -> list[int]:
    """Union-find over the linked pairs; ids 1, 2, … by each cluster's first node."""
    keys = list(zip(nodes.column("source").to_pylist(), nodes.column("record_id").to_pylist(),
                    strict=True))
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    at = {k: i for i, k in enumerate(keys)}
    for row in links.to_pylist():
        if row["linked"]:
            a, b = root(at[(row["source_l"], row["record_id_l"])]), \
                root(at[(row["source_r"], row["record_id_r"])])
            parent[max(a, b)] = min(a, b)
    ids: dict[int, int] = {}
    return [ids.setdefault(root(i), len(ids) + 1) for i in range(len(keys))]


@pytest.mark.parametrize("seed", range(6))
def test_cluster_ids_are_components_numbered_by_first_appearance(seed: int) -> None:
    """Random records (shuffled, so ids are not in component order) and random links,
    some not linked: the cluster ids are the components, numbered 1, 2, … in the order
    their first record appears."""
    rng = np.random.default_rng(seed)
    n = 60
    nodes = pa.table({"source": [f"s{i % 3}" for i in rng.permutation(n)],
                      "record_id": [f"r{i}" for i in rng.permutation(n)]})
    ends = rng.integers(0, n, size=(40, 2))
    col = nodes.to_pylist()
    links = pa.table({"source_l": [col[a]["source"] for a, _ in ends],
                      "record_id_l": [col[a]["record_id"] for a, _ in ends],
                      "source_r": [col[b]["source"] for _, b in ends],
                      "record_id_r": [col[b]["record_id"] for _, b in ends],
                      "linked": (rng.random(40) < 0.7).tolist()})
    got = clustering.cluster(nodes, links)
    assert got.column("cluster_id").to_pylist() == _cluster_by_hand(nodes, links)
    assert got.select(["source", "record_id"]).equals(nodes)


def test_a_link_to_a_record_not_clustered_is_an_error() -> None:
    nodes = pa.table({"source": ["a"], "record_id": ["1"]})
    links = pa.table({"source_l": ["a"], "record_id_l": ["1"], "source_r": ["b"],
                      "record_id_r": ["9"], "linked": [True]})
    with pytest.raises(KeyError):
        clustering.cluster(nodes, links)
