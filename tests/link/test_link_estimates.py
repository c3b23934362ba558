"""Label-free estimates: probabilities from Bayes factors, the refined prior, the
expected match rate and its interval."""

from __future__ import annotations

import numpy as np
import pytest

from linkready.link import estimates


@pytest.mark.parametrize(("log2_bf", "prior", "expected"), [
    pytest.param(0.0, 0.5, 0.5, id="even"),
    pytest.param(10.0, 0.5, 1024 / 1025, id="strong-evidence"),
    pytest.param(0.0, 0.01, 0.01, id="no-evidence-keeps-prior"),
])
def test_probabilities(log2_bf: float, prior: float, expected: float) -> None:
    """p = λ·BF / (λ·BF + 1 − λ)."""
    assert estimates.probabilities(np.array([log2_bf]), prior)[0] == pytest.approx(expected)


def test_refine_prior_is_self_consistent() -> None:
    """The refined λ times all possible pairs equals the sum of match probabilities."""
    bf = np.array([30.0] * 90 + [-5.0] * 1000)
    lam = estimates.refine_prior(bf, 100 * 100, 1e-3)
    total = estimates.probabilities(bf, lam).sum()
    assert lam * 100 * 100 == pytest.approx(total, rel=1e-6)
    assert 90 / 10_000 <= lam < 100 / 10_000


def test_expected_rate_takes_best_candidate_per_record() -> None:
    """Each left record counts once, by its best candidate; no candidate counts zero."""
    ids = np.array(["a", "a", "b", "c"])
    p = np.array([0.9, 0.8, 0.5, 0.0])
    got = estimates.expected_match_rate(ids, p, left_records=5)
    assert got.estimate == pytest.approx((0.9 + 0.5 + 0.0) / 5)
    assert got.lower <= got.estimate <= got.upper
    assert "largest match probability" in got.method
    assert got.uncertain_share == pytest.approx(1 / 5)  # only "b" (0.5) is unsure


def test_expected_rate_interval_shrinks_to_point_when_certain() -> None:
    """With probabilities of 0 and 1 only, the Poisson-binomial interval has no width."""
    got = estimates.expected_match_rate(np.array(["a", "b"]), np.array([1.0, 0.0]), 4)
    assert (got.lower, got.estimate, got.upper) == (0.25, 0.25, 0.25)


def test_rate_at_threshold_counts_distinct_left_records() -> None:
    """A left record with two pairs above the threshold counts once."""
    n, rate = estimates.rate_at_threshold(np.array(["a", "a", "b"]), np.array([0.95, 0.99, 0.2]),
                                          0.9, 4)
    assert (n, rate) == (1, 0.25)


def test_published_expected_rate_hides_small_counts() -> None:
    """uncertain_share is a share of records (``*`` on 1–7 of them); the expected rate is
    ``*`` when the expected number of matched records rounds to 1–7."""
    ids = np.array([f"r{i}" for i in range(100)])
    few = estimates.expected_match_rate(ids, np.array([0.5] * 3 + [0.0] * 97), 100)
    shown = few.as_dict()
    assert few.uncertain_share == pytest.approx(0.03)  # exact, for internal use
    assert shown["uncertain_share"] == "*"
    assert (shown["estimate"], shown["lower"], shown["upper"]) == ("*", "*", "*")
    assert shown["sensitivity"] == {"independent_pairs": "*"}
    many = estimates.expected_match_rate(ids, np.array([0.5] * 40 + [0.99] * 40 + [0.0] * 20),
                                         100).as_dict()
    assert many["uncertain_share"] == 0.4
    assert many["estimate"] == pytest.approx((40 * 0.5 + 40 * 0.99) / 100)
