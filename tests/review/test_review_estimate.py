"""The estimator: exact when every record is labelled, unsure labels widen the interval,
labels-needed behaves, and intervals cover the truth in a stylised simulation."""

from __future__ import annotations

import time

import numpy as np
import pytest

from linkready.review._estimate import (
    LINKED,
    UNLINKED,
    StratumLabels,
    estimate,
    labels_needed,
    srs_labels_needed,
)
from linkready.review._simulate import coverage


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def test_census_is_exact() -> None:
    """Every record labelled: the interval collapses onto the true figures."""
    strata = [StratumLabels("a", LINKED, 50, match=45, non_match=5),
              StratumLabels("b", UNLINKED, 30, match=5, non_match=25)]
    est = estimate(strata, _rng())
    assert est["precision"].estimate == pytest.approx(0.9)
    assert est["precision"].lower == pytest.approx(0.9)
    assert est["precision"].upper == pytest.approx(0.9)
    assert est["recall"].estimate == pytest.approx(45 / 50)
    assert est["match_rate"].estimate == pytest.approx(50 / 80)


def test_point_estimate_weights_strata_by_population() -> None:
    """Each stratum's share is applied to its population (weights N_h / n_h)."""
    strata = [StratumLabels("top", LINKED, 1000, match=10, non_match=0),
              StratumLabels("low", LINKED, 100, match=5, non_match=5),
              StratumLabels("miss", UNLINKED, 400, match=2, non_match=8)]
    est = estimate(strata, _rng())
    tp = 1000 + 50
    assert est["precision"].estimate == pytest.approx(tp / 1100)
    assert est["recall"].estimate == pytest.approx(tp / (tp + 80))
    assert est["precision"].lower < est["precision"].estimate < est["precision"].upper


def test_unsure_widens_both_ways() -> None:
    """Turning two sure labels into unsure ones widens the interval on both sides."""
    sure = [StratumLabels("l", LINKED, 500, match=38, non_match=2),
            StratumLabels("u", UNLINKED, 500, match=2, non_match=38)]
    unsure = [StratumLabels("l", LINKED, 500, match=37, non_match=1, unsure=2),
              StratumLabels("u", UNLINKED, 500, match=1, non_match=37, unsure=2)]
    a, b = estimate(sure, _rng()), estimate(unsure, _rng())
    for m in ("precision", "recall"):
        assert b[m].lower < a[m].lower and b[m].upper > a[m].upper, m


def test_no_linked_records_has_no_precision() -> None:
    """A pair that linked nothing has no precision (None), but a match rate."""
    est = estimate([StratumLabels("u", UNLINKED, 100, match=1, non_match=9)], _rng())
    assert est["precision"].estimate is None
    assert est["match_rate"].estimate == pytest.approx(0.1)


def test_labels_needed_grows_as_target_narrows() -> None:
    """Narrowing the target half-width needs more labels, about as 1/h²; a zero
    half-width needs every record labelled."""
    strata = [StratumLabels("l", LINKED, 5000, match=90, non_match=10),
              StratumLabels("u", UNLINKED, 5000, match=5, non_match=95)]
    alloc = [0.5, 0.5]
    n5 = labels_needed(strata, alloc, "precision", 0.05)
    n2 = labels_needed(strata, alloc, "precision", 0.02)
    assert n5 is not None and n2 is not None and n2 > 4 * n5 * 0.8
    assert labels_needed(strata, alloc, "precision", 0.0) == 10_000
    assert srs_labels_needed(0.5, 0.05) == 385


def test_interval_covers_truth_in_simulation() -> None:
    """Seeded simulation, 100 repetitions of 100 labels on stylised worlds with true
    precision and recall in 0.80–0.97: the 95% interval covers the truth ≥ 90% of the
    time for both, within 60 s."""
    start = time.perf_counter()
    result = coverage(100, 100, seed=13, draws=1000)
    elapsed = time.perf_counter() - start
    assert result["precision"]["coverage"] >= 0.90, result
    assert result["recall"]["coverage"] >= 0.90, result
    assert result["precision"]["median_half_width"] < 0.15
    assert elapsed < 60
