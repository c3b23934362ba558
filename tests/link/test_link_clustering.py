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
