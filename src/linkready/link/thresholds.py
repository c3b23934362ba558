"""The probabilistic stage cut at a range of thresholds, without truth: how many left
records each threshold links, and the false-link share the model expects among them.

Feeds the report's threshold-sensitivity chart when no truth is known (with truth,
``evaluation.json``'s ``pr_curve`` adds precision and recall).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from linkready.publish import Chain, Count, Figure, Rate, Value, cell

#: The thresholds reported; the same grid as ``evaluation.json``'s ``pr_curve``.
THRESHOLDS: tuple[float, ...] = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
                                 0.95, 0.99, 0.999)


def by_threshold(left_ids: npt.ArrayLike, p: npt.ArrayLike, left_records: int,
                 thresholds: tuple[float, ...] = THRESHOLDS) -> list[dict[str, Any]]:
    """Per threshold, as exact figures (:mod:`linkready.publish` publishes them): left
    records whose best pair reaches it, their share of the left records, and the
    expected false-link share among them, Σ(1 − q) / accepted (None when none is
    accepted; under control ``*`` over 1–7 accepted records, else to 6 decimals)."""
    ids = np.asarray(left_ids)
    q = np.asarray(p, dtype=float)
    if len(ids) == 0:
        best = np.zeros(0)
    else:
        _, inverse = np.unique(ids, return_inverse=True)
        best = np.zeros(int(inverse.max()) + 1)
        np.maximum.at(best, inverse, q)
    out = []
    for t in thresholds:
        accepted = best[best >= t]
        n = len(accepted)
        out.append({"threshold": t, "linked_records": Count(n),
                    "match_rate": Rate(n, left_records),
                    # Over 1–7 accepted records the share would describe a handful of
                    # people: hidden like the count.
                    "expected_false_link_share": None if n == 0 else Value(
                        float((1 - accepted).sum() / n), (n,), 6)})
    return out


def threshold_relations(rows: list[dict[str, Any]]) -> list[Chain]:
    """Neighbouring thresholds (ascending): the left records linked at a higher threshold
    are among those linked at a lower one, so a row whose count differs from the last
    shown row's by 1–7 is hidden — its count, share and expected false-link share
    (:class:`~linkready.publish.Chain`)."""
    keys = ("linked_records", "match_rate", "expected_false_link_share")
    return [Chain(tuple(cell(*(r[k] for k in keys if isinstance(r[k], Figure)),
                             count_only=True) for r in rows))]
