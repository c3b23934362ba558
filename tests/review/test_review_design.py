"""The sampling design: strata cover every left record once, the allocation spends the
labels asked for, and the draw is seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linkready.review._design import (
    allocate,
    assign_strata,
    best_per_left,
    draw,
    strata_for,
)


def _links() -> pd.DataFrame:
    rows = [  # record_id_l, record_id_r, p, linked, deterministic
        ("a", "x", 0.9999, True), ("a", "y", 0.2, False),
        ("b", "y", 0.995, True),
        ("c", "z", 0.95, True),
        ("d", "x", None, True),          # NHS-number link never scored
        ("e", "x", 0.3, True),           # NHS-number link scored low
        ("f", "z", 0.7, False),
        ("g", "z", 0.05, False), ("g", "y", 0.2, False),
    ]
    return pd.DataFrame(rows, columns=["record_id_l", "record_id_r", "match_probability",
                                       "linked"])


def test_every_left_record_in_exactly_one_stratum() -> None:
    """Best link (or candidate) per record decides its stratum; records absent from the
    links fall in the no-candidate stratum."""
    best = best_per_left(pd.Series(list("abcdefgh")), _links())
    strata = dict(zip(best["record_id_l"], assign_strata(best, 0.9), strict=True))
    assert strata == {
        "a": "linked_0.999_1", "b": "linked_0.99_0.999", "c": "linked_0.9_0.99",
        "d": "linked_0.999_1", "e": "linked_nhs_below_threshold",
        "f": "unlinked_0.5_0.9", "g": "unlinked_0.1_0.5", "h": "unlinked_no_candidate"}
    assert best.set_index("record_id_l").loc["g", "record_id_r"] == "y"


@pytest.mark.parametrize("threshold", [0.5, 0.9, 0.95, 0.995, 0.9995])
def test_strata_partition_the_probability_scale(threshold: float) -> None:
    """For any threshold the linked bands start at it and the unlinked bands end at it."""
    defs = strata_for(threshold)
    linked = [s for s in defs if s.kind == "linked" and s.id != "linked_nhs_below_threshold"]
    unlinked = [s for s in defs if s.kind == "unlinked" and s.low is not None]
    assert min(s.low for s in linked) == threshold
    assert max(s.high for s in unlinked) == threshold
    assert len({s.id for s in defs}) == len(defs)


@pytest.mark.parametrize("size", [3, 10, 25, 200, 10_000])
def test_allocation_spends_the_labels(size: int) -> None:
    """Sizes sum to the labels asked for (or every record), never exceed a stratum, and
    every stratum gets a label once there are enough to go round."""
    pops = {"a": 2000, "b": 40, "c": 3, "d": 500, "e": 0}
    guesses = {"a": 0.999, "b": 0.9, "c": 0.5, "d": 0.01, "e": 0.5}
    n = allocate(pops, guesses, size)
    assert sum(n.values()) == min(size, 2543)
    assert all(n[k] <= pops[k] for k in pops) and n["e"] == 0
    if size >= 4:
        assert all(n[k] >= 1 for k in "abcd")


def test_draw_is_seeded_and_within_strata() -> None:
    """The same seed draws the same records; each drawn record belongs to its stratum."""
    best = pd.DataFrame({"record_id_l": [f"r{i:03d}" for i in range(300)]})
    strata = pd.Series(["s1"] * 100 + ["s2"] * 200)
    one = draw(best, strata, {"s1": 10, "s2": 5}, np.random.default_rng(1))
    two = draw(best, strata, {"s1": 10, "s2": 5}, np.random.default_rng(1))
    assert one.equals(two) and len(one) == 15
    ids = dict(zip(best["record_id_l"], strata, strict=True))
    assert all(ids[r] == s for r, s in zip(one["record_id_l"], one["stratum"], strict=True))
