"""How well clusters recover people: split and merge rates, pairwise and B-cubed measures.

Given each record's cluster and true person, with n_ij the records of person j in
cluster i, a_i the size of cluster i and b_j the records of person j (N records):

- **split / merge**: share of people whose records fall in more than one cluster, and
  share of clusters holding records of more than one person;
- **pairwise** (every pair of records): a pair is *linked* when both records are in one
  cluster, *true* when both are one person; precision = Σ C(n_ij, 2) / Σ C(a_i, 2),
  recall = Σ C(n_ij, 2) / Σ C(b_j, 2). Large clusters weigh quadratically;
- **B-cubed** (Bagga & Baldwin 1998; per record, then averaged): precision of a record is
  the share of its cluster that is its person, n_ij / a_i; recall the share of its
  person's records in its cluster, n_ij / b_j; so precision = Σ n_ij² / a_i / N and
  recall = Σ n_ij² / b_j / N. Each record weighs the same.

Pure pandas/numpy; returns an exact tree of :mod:`linkready.publish` figures.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from linkready.publish import F1, Count, Harmonic, Rate, Value


def _pairs(n: Any) -> int:
    n = np.asarray(n, dtype=np.int64)
    return int((n * (n - 1) // 2).sum())


def cluster_quality(cluster_id: pd.Series, person_id: pd.Series) -> dict[str, Any]:
    """Split, merge, pairwise and B-cubed measures of one clustering of records against
    their true persons (the two series are aligned, one row per record)."""
    frame = pd.DataFrame({"c": cluster_id.to_numpy(), "p": person_id.to_numpy()})
    n = len(frame)
    cells = frame.value_counts(["c", "p"]).rename("n").reset_index()
    a = cells["c"].map(frame["c"].value_counts())
    b = cells["p"].map(frame["p"].value_counts())
    per_cluster = cells.groupby("c")["p"].size()
    per_person = cells.groupby("p")["c"].size()
    n_clusters, n_people = len(per_cluster), len(per_person)
    split = int((per_person > 1).sum())
    merged = int((per_cluster > 1).sum())
    # Records in clusters of more than one person (they lower B-cubed precision) and
    # records of people split over clusters (they lower B-cubed recall).
    in_merged = int(frame["c"].isin(per_cluster.index[per_cluster > 1]).sum())
    of_split = int(frame["p"].isin(per_person.index[per_person > 1]).sum())
    linked_pairs = _pairs(frame["c"].value_counts())
    true_pairs = _pairs(frame["p"].value_counts())
    correct_pairs = _pairs(cells["n"])
    nn = cells["n"].to_numpy(dtype=float)
    # fsum: correctly rounded whatever the order, so cluster ids cannot change the figure.
    b3_p = math.fsum(nn * nn / a.to_numpy()) / n if n else None
    b3_r = math.fsum(nn * nn / b.to_numpy()) / n if n else None
    # clusters / people gives away a small difference between them.
    ratio = Value(n_clusters / n_people, (abs(n_clusters - n_people),))
    pairwise = {
        "linked_pairs": Count(linked_pairs),
        "true_pairs": Count(true_pairs),
        "correct_pairs": Count(correct_pairs),
        "precision": Rate(correct_pairs, linked_pairs),
        "recall": Rate(correct_pairs, true_pairs),
        "f1": F1(correct_pairs, linked_pairs - correct_pairs, true_pairs - correct_pairs),
    }
    b3_precision = Value(b3_p, (in_merged, n - in_merged))
    b3_recall = Value(b3_r, (of_split, n - of_split))
    return {
        "records": Count(n),
        "distinct_people": Count(n_clusters),
        "true_distinct_people": Count(n_people),
        "distinct_people_ratio": ratio,
        "people_split": Count(split),
        "people_split_rate": Rate(split, n_people),
        "clusters_merged": Count(merged),
        "clusters_merged_rate": Rate(merged, n_clusters),
        "pairwise": pairwise,
        "bcubed": {"precision": b3_precision, "recall": b3_recall,
                   "f1": Harmonic(b3_precision, b3_recall)},
    }
