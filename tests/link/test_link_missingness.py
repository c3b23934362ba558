"""Matches lost to blank blocking fields (linkready.link.missingness), and their place in
the label-free estimates."""

from __future__ import annotations

import numpy as np
import pytest

from linkready.link import estimates, missingness

F = frozenset


def test_requirement_reads_filled_and_blank_fields_of_a_rule() -> None:
    req = missingness.requirement("l.family_name IS NULL AND l.given_name = r.family_name")
    assert req == missingness.Requirement(F({"given_name"}), F({"family_name"}),
                                          F({"family_name"}), F())
    both = missingness.requirement("l.postcode = r.postcode AND year(l.dob) = year(r.dob)")
    assert both.left == both.right == F({"postcode", "dob"})
    assert both.possible(F(), F({"sex"}))
    assert not both.possible(F({"dob"}), F())
    assert not req.possible(F(), F())  # needs the left family name blank
    assert req.possible(F({"family_name"}), F())
    assert missingness.possible_sql([]) == "FALSE"
    assert "l.dob IS NOT NULL" in missingness.possible_sql(
        ["l.dob = r.dob", "l.given_name = r.given_name"])


def test_possible_share_counts_right_records_some_rule_can_meet() -> None:
    rules = ["l.given_name = r.given_name AND l.dob = r.dob", "l.postcode = r.postcode"]
    right = {F(): 60, F({"dob"}): 30, F({"dob", "postcode"}): 10}
    share = missingness.possible_share([F(), F({"dob"}), F({"dob", "postcode"})], right,
                                       rules)
    # Complete left: every right record but the 10 without DOB and postcode; left
    # without DOB: the 90 with a postcode; without either: none.
    assert share.tolist() == pytest.approx([0.9, 0.9, 0.0])


def test_lost_to_missing_scales_found_by_share_and_pools_small_shares() -> None:
    # Pattern 0: 100 records, 72 matches found of 80 (share 0.9); pattern 1: 50
    # records, share 0.2 (too small to scale up): pooled rate 0.8 → 40 matches, 32 lost.
    lost = missingness.lost_to_missing(np.array([72.0, 8.0]), np.array([100.0, 50.0]),
                                       np.array([0.9, 0.2]))
    assert lost == pytest.approx(8.0 + 50 * 0.8 * 0.8)
    assert missingness.lost_to_missing(np.array([5.0]), np.array([10.0]),
                                       np.array([1.0])) == 0.0


def _world(rng: np.random.Generator, n: int = 400) -> tuple[dict, float]:
    """Left records with a match for 70%; those with pattern 1 (a third) can meet only
    half of right, so half their matches are never compared (no candidate)."""
    pattern = (rng.random(n) < 1 / 3).astype(np.int64)
    matched = rng.random(n) < 0.7
    hidden = matched & (pattern == 1) & (rng.random(n) < 0.5)
    codes, p, gam = [], [], []
    for i in range(n):
        codes.append(i)
        p.append(0.002)
        gam.append(np.array([0, 0, 1]))
        if matched[i] and not hidden[i]:
            codes.append(i)
            p.append(0.99)
            gam.append(np.array([2, 2, 2]))
    return dict(left_codes=np.array(codes), p=np.array(p),
                gamma=np.array(gam, dtype=np.int8), left_records=n,
                sample_codes=np.arange(n), diag_sample_pos=np.zeros(0, dtype=np.int64),
                diag_p=np.zeros(0), diag_gamma=np.zeros((0, 3), dtype=np.int8),
                threshold=0.9, replicates=20, seed=1, left_pattern=pattern,
                pattern_share=np.array([1.0, 0.5])), float(matched.mean())


def test_honest_estimates_add_matches_lost_to_blank_fields() -> None:
    w, truth = _world(np.random.default_rng(7))
    with_blanks = estimates.honest_estimates(**w)
    without = estimates.honest_estimates(**{**w, "left_pattern": None,
                                            "pattern_share": None})
    assert without.match_rate.estimate < truth - 0.08  # blind to the lost matches
    assert with_blanks.match_rate.estimate == pytest.approx(truth, abs=0.03)
    assert with_blanks.match_rate.lower <= truth <= with_blanks.match_rate.upper
    lost = with_blanks.missed_by_missing
    assert lost == pytest.approx(with_blanks.match_rate.estimate - without.match_rate.estimate,
                                 abs=1e-9)
    # Blocking recall falls by the lost share of matches; published with its method.
    assert with_blanks.blocking_recall.estimate == pytest.approx(
        1 - lost / with_blanks.match_rate.estimate, abs=0.01)
    assert without.blocking_recall.estimate == pytest.approx(1.0)
    shown = with_blanks.missing_dict()
    assert "blank" in str(shown["method"])


def test_a_pattern_never_has_more_matches_than_records() -> None:
    # 9 of 10 records found at share 0.5 would imply 18 matches: capped at 10.
    lost = missingness.lost_to_missing(np.array([9.0]), np.array([10.0]), np.array([0.5]))
    assert lost == pytest.approx(1.0)


def test_field_model_shares_are_re_read_in_each_replicate() -> None:
    """The field model's shares (``pattern_compared``) come from the diagnostic sample,
    so their uncertainty belongs in the interval: ``compared_by`` re-reads them with
    each replicate's weights of the sampled records. Re-read from a noisy per-record
    reading, blocking recall's interval widens; the point figures do not move."""
    rng = np.random.default_rng(7)
    w, _ = _world(rng)
    w = {**w, "pattern_share": np.array([1.0, 1.0])}  # no loss to blank fields
    # Pattern 1's share of matches compared, as a weighted mean of a per-record reading
    # (each sampled record of pattern 1 votes 0 or 1; the mean is 0.5).
    votes = (rng.random(w["left_records"]) < 0.5).astype(float)
    ones = np.ones(w["left_records"])
    of1 = w["left_pattern"] == 1

    def read(weights: np.ndarray) -> np.ndarray:
        return np.array([1.0, float((weights * votes)[of1].sum() / weights[of1].sum())])

    calls: list[int] = []

    def counted(weights: np.ndarray) -> np.ndarray:
        calls.append(len(weights))
        return read(weights)

    fixed = estimates.honest_estimates(**w, pattern_compared=read(ones))
    re_read = estimates.honest_estimates(**w, pattern_compared=read(ones),
                                         compared_by=counted)
    assert calls == [w["left_records"]] * w["replicates"]
    assert re_read.blocking_recall.estimate == fixed.blocking_recall.estimate
    assert re_read.match_rate.estimate == fixed.match_rate.estimate
    # The upper end reaches the diagnostic reading's recall (1: it sees no misses) in
    # both; the re-read's spread shows below.
    assert re_read.blocking_recall.upper == fixed.blocking_recall.upper == 1.0
    assert re_read.blocking_recall.lower < fixed.blocking_recall.lower - 0.001


def test_the_interval_spans_both_readings_of_the_blocking_misses() -> None:
    """The diagnostic reading sees no loss (every pattern meets all of right); the field
    model reads half of pattern 1's matches never compared, and is used. The interval
    reaches down to the diagnostic reading's figure (the rate among candidates) and
    recall's up to its recall (1); and the matches added for the misses carry their
    chance (Poisson: variance = the expected records added)."""
    w, truth = _world(np.random.default_rng(7))
    w = {**w, "pattern_share": np.array([1.0, 1.0])}
    h = estimates.honest_estimates(**w, pattern_compared=np.array([1.0, 0.5]))
    assert h.field_model_used and h.missed_by_missing == 0.0
    assert h.match_rate.estimate == pytest.approx(truth, abs=0.03)
    assert h.match_rate.estimate > h.blocked_rate + 0.05
    assert h.match_rate.lower <= h.blocked_rate
    assert h.blocking_recall.upper == 1.0 > h.blocking_recall.estimate
    n = w["left_records"]
    added = (h.match_rate.estimate - h.blocked_rate) * n
    assert h.match_rate.chance_upper - h.match_rate.estimate >= (
        estimates.Z95 * np.sqrt(added) / n - 1e-12)
