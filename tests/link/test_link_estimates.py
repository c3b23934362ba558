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


def _world(rng: np.random.Generator, n: int = 400, overlap: float = 0.7,
           missed_by_blocking: float = 0.0) -> dict:
    """Scored pairs for ``n`` left records: a true pair (high weight) for a share
    ``overlap``, some of which blocking never compared (found only by the diagnostic);
    every record also has weak candidates. Three comparisons, codes 0..2."""
    codes, p, gam = [], [], []
    diag_pos, diag_p, diag_g = [], [], []
    matched = rng.random(n) < overlap
    hidden = matched & (rng.random(n) < missed_by_blocking)
    for i in range(n):
        for _ in range(3):  # non-matches: mostly disagree
            g = rng.choice([0, 0, 0, 1], size=3)
            codes.append(i)
            p.append(0.001 * (1 + g.sum()))
            gam.append(g)
        if matched[i] and not hidden[i]:
            codes.append(i)
            p.append(0.99)
            gam.append(np.array([2, 2, rng.choice([1, 2])]))
        if hidden[i]:
            diag_pos.append(i)
            diag_p.append(0.99)
            diag_g.append(np.array([2, 2, 2]))
    order = np.argsort(codes, kind="stable")
    return dict(left_codes=np.array(codes)[order], p=np.array(p)[order],
                gamma=np.array(gam, dtype=np.int8)[order], left_records=n,
                sample_codes=np.arange(n), diag_sample_pos=np.array(diag_pos, dtype=np.int64),
                diag_p=np.array(diag_p), diag_gamma=np.array(diag_g, dtype=np.int8).reshape(
                    -1, 3), threshold=0.9, replicates=30, seed=1,
                truth=matched.mean(), recall=(matched & ~hidden).sum() / matched.sum())


def test_blocking_misses_found_by_the_diagnostic_raise_the_estimate() -> None:
    """A fifth of true pairs never compared by blocking: the estimate includes them and
    blocking recall is estimated near 0.8."""
    w = _world(np.random.default_rng(3), missed_by_blocking=0.2)
    truth, recall = w.pop("truth"), w.pop("recall")
    h = estimates.honest_estimates(**w)
    assert h.match_rate.estimate == pytest.approx(truth, abs=0.02)
    assert h.match_rate.lower <= truth <= h.match_rate.upper
    assert h.blocking_recall.estimate == pytest.approx(recall, abs=0.02)
    assert h.blocked_rate < h.match_rate.estimate - 0.1
    assert h.replicates == 30 and h.match_rate.lower < h.match_rate.upper


def test_false_links_are_sum_of_one_minus_q_over_accepted() -> None:
    w = _world(np.random.default_rng(4))
    w.pop("truth"), w.pop("recall")
    h = estimates.honest_estimates(**w)
    assert h.false_links == pytest.approx(h.accepted * 0.01, rel=1e-6)
    assert h.false_share.lower <= 0.01 <= h.false_share.upper


def test_bootstrap_is_seeded() -> None:
    w = _world(np.random.default_rng(5))
    w.pop("truth"), w.pop("recall")
    a, b = estimates.honest_estimates(**w), estimates.honest_estimates(**w)
    assert a == b
