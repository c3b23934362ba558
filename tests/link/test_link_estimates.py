"""Label-free estimates: probabilities from Bayes factors, the refined prior, the
expected match rate and its interval."""

from __future__ import annotations

import numpy as np
import pytest

from linkready.link import estimates
from linkready.publish import controlled


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
    shown = controlled(few.as_dict())
    assert few.uncertain_share == pytest.approx(0.03)  # exact, for internal use
    assert shown["uncertain_share"] == "*"
    assert (shown["estimate"], shown["lower"], shown["upper"]) == ("*", "*", "*")
    assert shown["sensitivity"] == {"independent_pairs": "*"}
    many = controlled(estimates.expected_match_rate(
        ids, np.array([0.5] * 40 + [0.99] * 40 + [0.0] * 20), 100).as_dict())
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


def _decoy_world(rng: np.random.Generator, n: int, matched: float, weak: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Best log2 BF of ``n`` left records and ``n`` decoys: every record's best chance
    candidate from one distribution; a matched record also has its match (strong, or
    weak — below most chance candidates' reach — for a share ``weak`` of matches)."""
    chance = rng.normal(0.0, 4.0, size=(2, n))
    has = rng.random(n) < matched
    strong = np.where(rng.random(n) < weak, rng.normal(9.0, 1.0, n), rng.normal(30, 3, n))
    real = np.where(has, np.maximum(strong, chance[0]), chance[0])
    return real, chance[1]


def test_decoy_check_subtracts_chance_and_sees_weak_matches() -> None:
    """With a fifth of matches weak (their evidence only a little above chance) the model
    can miss them, but the decoys still see them: the check's interval holds the true
    share; reading the real records alone (no chance subtracted) would not."""
    rng = np.random.default_rng(3)
    real, dec = _decoy_world(rng, 4000, matched=0.6, weak=0.2)
    got = estimates.decoy_check(real, dec, left_records=20_000, accept_level=20.0)
    assert got is not None
    assert got.lower <= 0.6 <= got.upper
    assert got.upper - got.lower < 0.06
    assert not (real >= got.level).mean() <= got.upper  # chance alone would overstate
    assert got.false_links == 0.0  # no decoy reaches the acceptance level


def test_decoy_check_without_matches_is_near_zero_and_counts_false_links() -> None:
    """Left records with no match at all look like decoys: the share is near 0, and
    decoys that reach the acceptance level stand for false links among the unmatched."""
    rng = np.random.default_rng(4)
    real, dec = _decoy_world(rng, 3000, matched=0.0, weak=0.0)
    got = estimates.decoy_check(real, dec, left_records=3000, accept_level=6.0)
    assert got is not None and got.lower < 0.005 and got.upper < 0.03
    share = (dec >= 6.0).mean()
    assert got.false_links == pytest.approx(3000 * (1 - got.estimate) * share)
    assert got.false_lower <= got.false_links <= got.false_upper


def test_decoy_check_of_a_whole_source_has_no_sampling_spread() -> None:
    """Every left record sampled: the check's interval keeps only the spread of which
    unmatched records reach the level by chance and of the decoys' share, so it is
    narrower than for the same records drawn from a source 50 times larger, and still
    holds the true share (the finite-population correction of r's spread)."""
    rng = np.random.default_rng(7)
    real, dec = _decoy_world(rng, 2000, matched=0.9, weak=0.1)
    whole = estimates.decoy_check(real, dec, left_records=2000, accept_level=20.0)
    part = estimates.decoy_check(real, dec, left_records=100_000, accept_level=20.0)
    assert whole is not None and part is not None
    assert whole.level == part.level or whole.upper - whole.lower < part.upper - part.lower
    assert whole.upper - whole.lower < 0.6 * (part.upper - part.lower)
    truth = 0.9
    assert whole.lower - 0.02 <= truth <= whole.upper + 0.02


def test_check_variance_drops_the_sampling_term_only_for_a_whole_source() -> None:
    v_part = estimates.check_variance(0.9, 0.05, 0.05, 1000, 1000, 10**9)
    v_whole = estimates.check_variance(0.9, 0.05, 0.05, 1000, 1000, 1000)
    decoys = 0.05 * 0.95 / 1000 * 0.1 ** 2 / 0.95 ** 4
    sampling = 0.9 * 0.1 / 1000 / 0.95 ** 2
    unmatched = 1 - (0.9 - 0.05) / 0.95
    chance = unmatched * 0.05 * 0.95 / 1000 / 0.95 ** 2
    assert v_part == pytest.approx(sampling + decoys, rel=1e-4)
    assert v_whole == pytest.approx(chance + decoys, rel=1e-9)


def test_every_record_with_a_clear_match_reads_one() -> None:
    """Every sampled record has a clear match and no decoy comes close: the check reads
    1 with no spread (it can reach 100%, where the model's probabilities cannot)."""
    real = np.full(500, 40.0)  # every record has a clear match
    dec = np.full(500, -30.0)
    got = estimates.decoy_check(real, dec, left_records=500, accept_level=10.0)
    assert got is not None and got.estimate == 1.0 and got.lower == pytest.approx(1.0)


def test_widen_only_when_the_check_disagrees() -> None:
    iv = estimates.Interval(0.68, 0.66, 0.70, 0.69, 0.67, 0.69)
    same, moved = estimates.widen(iv, 0.60, 0.75, 0.69)
    assert same == iv and not moved
    wide, moved = estimates.widen(iv, 0.70, 0.76, 0.73)
    assert moved and wide.lower == 0.66 and wide.upper == 0.76 and wide.estimate == 0.68


def test_a_noisy_check_just_outside_a_narrow_interval_widens_nothing() -> None:
    """The check reads 0.71, outside [0.66, 0.70], but its own interval is ±0.05: the
    gap to the estimate (0.03) is within the two half-widths in quadrature (√(0.02² +
    0.05²) ≈ 0.054). The same reading from a precise check (±0.005) widens; so does a
    disagreement below the interval."""
    iv = estimates.Interval(0.68, 0.66, 0.70, 0.68, 0.67, 0.69)
    same, moved = estimates.widen(iv, 0.66, 0.76, 0.71)
    assert same == iv and not moved
    wide, moved = estimates.widen(iv, 0.705, 0.715, 0.71)
    assert moved and wide.upper == 0.715 and wide.lower == 0.66
    low, moved = estimates.widen(iv, 0.60, 0.62, 0.61)
    assert moved and low.lower == 0.60 and low.upper == 0.70


def test_completeness_gap_flags_incomplete_records_that_do_not_link() -> None:
    """A group lacking the postcode that links far less than complete records adds about
    its shortfall; a group that links as well adds nothing."""
    n_ok, n_bad, n_fine = 4000, 200, 300
    missing = [""] * n_ok + ["postcode"] * n_bad + ["given_name"] * n_fine
    q = np.r_[np.full(n_ok, 0.7), np.zeros(n_bad), np.full(n_fine, 0.7)]
    got = estimates.completeness_gap(np.array(missing, dtype=object), q, "right")
    shortfall = n_bad * 0.7
    assert shortfall * 0.85 < got.records < shortfall
    assert [g[0] for g in got.groups] == ["postcode"]
    none = estimates.completeness_gap(np.array([""] * 100, dtype=object), np.full(100, .5),
                                      "left")
    assert none.records == 0.0


def test_completeness_gap_of_left_records_leaves_out_the_grey_zones_worst_case() -> None:
    """A left group whose shortfall is all unresolved records (0.05 ≤ q < 0.95, which the
    grey zone already adds as matched to the upper end) adds no gap: the two worst cases
    are joined, not summed. The same records on the right side (right records are not
    the grey zone's) still give a gap; a shortfall below the band still counts."""
    missing = np.array([""] * 2000 + ["sex"] * 200, dtype=object)
    grey = np.r_[np.full(2000, 0.99), np.full(200, 0.5)]
    assert estimates.completeness_gap(missing, grey, "left").records == 0.0
    assert estimates.completeness_gap(missing, grey, "right").records > 80
    below = np.r_[np.full(2000, 0.99), np.full(100, 0.5), np.full(100, 0.01)]
    assert estimates.completeness_gap(missing, below, "left").records > 80


def test_completeness_gap_raises_only_the_upper_end() -> None:
    """honest_estimates adds the gap (per left record) to the upper end only."""
    kw = _honest_inputs()
    base = estimates.honest_estimates(**kw)
    gap = estimates.CompletenessGap(3.0, "right", [("postcode", 30, 0.0)], 0.7)
    got = estimates.honest_estimates(**kw, gap=gap)
    assert got.match_rate.lower == base.match_rate.lower
    assert got.match_rate.upper == pytest.approx(
        min(1.0, base.match_rate.upper + 3.0 / kw["left_records"]))
    assert controlled(got.rate_dict(estimates.expected_match_rate(["a"], [0.5], 100)))[
        "completeness_gap"]["side"] == "right"


def test_grey_zone_counts_unresolved_records_at_their_worst_case() -> None:
    """Only best candidates with 0.05 ≤ q < 0.95 count, each adding 1 − q."""
    q = np.array([0.0, 0.04, 0.05, 0.5, 0.9, 0.95, 1.0, 0.2])
    got = estimates.grey_zone(q)
    assert got.unresolved == 4
    assert got.records == pytest.approx(0.95 + 0.5 + 0.1 + 0.8)
    assert got.share == pytest.approx(got.records / 8)
    assert estimates.grey_zone(np.array([0.0, 0.01, 0.99, 1.0])).records == 0.0
    assert estimates.grey_zone(np.zeros(0)).share == 0.0


def test_grey_zone_widens_both_ends_the_gap_only_the_upper() -> None:
    """honest_estimates adds the grey zone of the linked model's best candidates to the
    upper end (Σ(1 − q): all have their match), on top of the completeness gap, takes it
    off the lower end (Σq: none has), and publishes both."""
    kw = _honest_inputs()
    n = kw["left_records"]
    strong = np.flatnonzero(kw["p"] == 0.99)
    kw["p"] = kw["p"].copy()
    kw["p"][strong[::4]] = 0.4  # a quarter of the true pairs scored in the grey zone
    q0 = np.zeros(n)
    np.maximum.at(q0, kw["left_codes"], kw["p"])
    grey = estimates.grey_zone(q0)
    assert grey.unresolved == len(strong[::4]) and grey.records == pytest.approx(
        0.6 * grey.unresolved)
    assert grey.records_down == pytest.approx(0.4 * grey.unresolved)
    got = estimates.honest_estimates(**kw)  # no model-free check: nothing widens
    assert got.grey == grey
    assert got.match_rate.upper == pytest.approx(
        min(1.0, got.model_interval[1] + grey.records / n))
    assert got.match_rate.lower == pytest.approx(
        max(0.0, got.model_interval[0] - grey.records_down / n))
    gap = estimates.CompletenessGap(2.0, "left", [("dob", 30, 0.0)], 0.7)
    both = estimates.honest_estimates(**kw, gap=gap)
    assert both.match_rate.lower == got.match_rate.lower
    assert both.match_rate.upper == pytest.approx(min(1.0, got.match_rate.upper + 2.0 / n))
    tree = controlled(got.rate_dict(estimates.expected_match_rate(["a"], [0.5], n)))
    assert tree["grey_zone"]["band"] == [0.05, 0.95]
    assert round(grey.records_down) == 6  # 1–7 records: hidden under control
    assert tree["grey_zone"]["records_without_match"] == "*"
    assert tree["grey_zone"]["share_of_left_without_match"] == "*"
    assert "grey zone" in tree["interval"]


def _honest_inputs() -> dict:
    w = _world(np.random.default_rng(6), n=100)
    w.pop("truth"), w.pop("recall")
    return w


def test_best_per_decoy_drops_its_own_donors() -> None:
    """A decoy's pair with a record it took fields from is not a chance comparison."""
    import pyarrow as pa

    from linkready.link import diagnostic

    donors = pa.table({"record_id": ["decoy-1", "decoy-2"], "donor_0": ["r1", "r2"],
                       "donor_1": ["r3", "r1"]})
    scored = pa.table({"record_id_l": ["decoy-1", "decoy-1", "decoy-2", "decoy-2"],
                       "record_id_r": ["r1", "r2", "r1", "r2"],
                       "log2_bf": [30.0, -2.0, 25.0, 40.0]})
    best = diagnostic.best_per_decoy(donors, scored)
    assert list(best) == [-2.0, -np.inf]  # decoy-2's pairs are both with its donors


def _check(lo: float, hi: float) -> estimates.DecoyCheck:
    return estimates.DecoyCheck((lo + hi) / 2, lo, hi, 10.0, 0.01, 400, 400, 0, 0, 0)


@pytest.mark.parametrize(("linked", "refit", "aside"), [
    pytest.param(0.94, 0.76, True, id="check-sides-with-linked"),
    pytest.param(0.95, 0.948, False, id="both-inside"),
    pytest.param(0.94, 0.95, False, id="refit-inside"),
    pytest.param(0.76, 0.94, False, id="check-sides-with-refit"),
    pytest.param(0.80, 0.70, True, id="both-outside-refit-further"),
    pytest.param(0.93, 0.935, False, id="both-outside-refit-nearer"),
])
def test_refit_is_set_aside_only_when_the_check_contradicts_it_alone(
        linked: float, refit: float, aside: bool) -> None:
    assert estimates.refit_contradicted(linked, refit, _check(0.945, 0.955)) is aside


def test_point_check_names_each_signal_beyond_the_tolerance() -> None:
    """The point estimate is unreliable where any label-free signal puts it more than the
    tolerance from where the truth may lie; the reasons name those signals, largest
    first, and the published distances are * where they stand for 1–7 records."""
    grey = estimates.GreyZone(records=120.0, unresolved=300, left_records=1000)
    check = estimates.DecoyCheck(0.83, 0.81, 0.85, 5.0, 0.1, 1000, 1000, 0.0, 0.0, 0.0)
    got = estimates.point_check(0.75, decoy=check, refit_rate=0.76, grey=grey,
                                gap_records=3.0, left_records=1000)
    assert not got.reliable
    assert got.reasons == ["grey_zone", "model_free_check"]
    assert got.largest == pytest.approx(0.12)
    assert got.signals["refit"] == pytest.approx(0.01)
    tree = controlled(got.as_dict())
    assert tree["reliable"] is False and tree["distances"]["completeness_gap"] == "*"
    calm = estimates.point_check(0.80, decoy=check, refit_rate=None,
                                 grey=estimates.GreyZone(10.0, 40, 1000), gap_records=0.0,
                                 left_records=1000)
    assert calm.reliable and calm.reasons == [] and "refit" not in calm.signals


def test_honest_estimates_publish_the_point_check() -> None:
    """honest_estimates reads the point check from its own figures: a quarter of the true
    pairs in the grey zone makes the estimate unreliable, none leaves it reliable."""
    kw = _honest_inputs()
    n = kw["left_records"]
    calm = estimates.honest_estimates(**kw)
    assert calm.point is not None and calm.point.signals["grey_zone"] == calm.grey.share
    strong = np.flatnonzero(kw["p"] == 0.99)
    kw["p"] = kw["p"].copy()
    kw["p"][strong[::4]] = 0.4
    got = estimates.honest_estimates(**kw)
    assert got.grey.share > estimates.POINT_TOLERANCE
    assert not got.point.reliable and "grey_zone" in got.point.reasons
    tree = controlled(got.rate_dict(estimates.expected_match_rate(["a"], [0.5], n)))
    assert tree["point_estimate"]["reliable"] is False


def test_point_check_counts_the_model_free_check_only_where_it_widened() -> None:
    """A check 10 points away but within its own wide interval (a tiny source) is chance,
    not a signal; the same check with a narrow interval widens the interval and flags the
    point estimate."""
    kw = _honest_inputs()
    base = estimates.honest_estimates(**kw).match_rate.estimate
    far = min(base + 0.10, 1.0) if base < 0.9 else base - 0.10
    noisy = estimates.DecoyCheck(far, 0.0, 1.0, 5.0, 0.1, 100, 100, 0.0, 0.0, 0.0)
    got = estimates.honest_estimates(**kw, decoy=noisy)
    assert not got.widened_rate and "model_free_check" not in got.point.signals
    sharp = estimates.DecoyCheck(far, far - 0.01, far + 0.01, 5.0, 0.1, 100, 100, 0.0, 0.0,
                                 0.0)
    got = estimates.honest_estimates(**kw, decoy=sharp)
    assert got.widened_rate and not got.point.reliable
    assert got.point.signals["model_free_check"] == pytest.approx(abs(far - base))


def test_a_set_aside_refit_does_not_lend_its_recall_spread_to_the_linked_model() -> None:
    """The linked model reads no blocking misses (it scores the diagnostic pairs ~0);
    the refit, on patterns alone, reads them as matches (recall about 0.9). Kept, its
    figure widens recall's interval down to it; set aside by a check that sides with the
    linked model, recall's replicates are read on the linked model and its interval
    stays at 1 (the refit's spread, moved to 1, would have reached well below)."""
    w = _world(np.random.default_rng(8), missed_by_blocking=0.1)
    w.pop("truth"), w.pop("recall")
    w["diag_p"] = np.full(len(w["diag_p"]), 1e-9)
    kept = estimates.honest_estimates(**w)
    assert kept.blocking_recall.estimate == pytest.approx(1.0)
    assert kept.blocking_recall.refit < 0.95 and not kept.refit_set_aside
    assert kept.blocking_recall.lower < 0.95
    rate = kept.match_rate.estimate
    aside = estimates.honest_estimates(**w, decoy=_check(rate - 0.002, rate + 0.002))
    assert aside.refit_set_aside
    assert aside.blocking_recall.lower > 0.999 and aside.blocking_recall.upper == 1.0


def test_recall_says_whether_its_matches_are_enough_to_read_it() -> None:
    """estimated_recall publishes the expected matches M it is a share of and the lower
    end a blocking missing none of them would read from chance, 0.025^(1/M): 36 matches
    reach 90%, 35 do not. A source sharing almost nobody (about 3 of 200 left records
    matched) publishes both as * (1–7 records); one with 70% overlap reads about 0.97."""
    assert estimates.perfect_blocking_lower(36) >= 0.90 > estimates.perfect_blocking_lower(35)
    assert estimates.perfect_blocking_lower(0.0) == 0.0
    for overlap, seed in ((0.015, 3), (0.7, 3)):
        w = _world(np.random.default_rng(seed), n=200, overlap=overlap)
        w.pop("truth"), w.pop("recall")
        w["replicates"] = 5
        h = estimates.honest_estimates(**w)
        m = h.match_rate.estimate * 200
        tree = controlled(h.recall_dict(["1 = 1"], 0))
        if overlap < 0.1:
            assert 1 <= round(m) <= 7
            assert tree["expected_matches"] == tree["perfect_blocking_lower"] == "*"
        else:
            assert tree["expected_matches"] == 5 * round(m / 5) > 100
            assert tree["perfect_blocking_lower"] == pytest.approx(0.025 ** (1 / m))


def test_replicates_read_the_extract_in_hand_not_a_resample_of_it() -> None:
    """The interval is about this extract (a finite population): with a model the
    refit cannot move (matches agree on every field, non-matches on none, q 0 or 1)
    and no chance (Σq(1 − q) = 0), nothing is uncertain, so the interval is the point.
    Reading each replicate's rate as a weighted mean over Poisson-resampled records
    spread it by √(p(1 − p)/n) ≈ 2.3 points each way here (the sampling of which records
    are in the extract)."""
    rng = np.random.default_rng(11)
    n = 400
    matched = rng.random(n) < 0.6
    codes, p, gam = [], [], []
    for i in range(n):
        codes.append(i), p.append(0.0), gam.append([0, 0, 0])
        if matched[i]:
            codes.append(i), p.append(1.0), gam.append([1, 1, 1])
    h = estimates.honest_estimates(
        left_codes=np.array(codes), p=np.array(p), gamma=np.array(gam, dtype=np.int8),
        left_records=n, sample_codes=np.arange(n),
        diag_sample_pos=np.zeros(0, dtype=np.int64), diag_p=np.zeros(0),
        diag_gamma=np.zeros((0, 3), dtype=np.int8), threshold=0.9, replicates=20, seed=3)
    assert h.match_rate.estimate == pytest.approx(matched.mean())
    assert h.model_interval[1] - h.model_interval[0] < 1e-6
    assert h.match_rate.upper - h.match_rate.lower < 1e-6
    assert h.false_share.upper - h.false_share.lower < 1e-6


def _settled_and_grey(rng: np.random.Generator, n: int = 400) -> dict:
    """Left records whose best candidate is certain (q 0 or 1: agree on all three
    fields, or on none) and a tenth whose only candidate agrees on two of three fields,
    scored q = 0.4 by the linked model: the grey zone."""
    codes, p, gam = [], [], []
    matched = rng.random(n) < 0.6
    grey = rng.random(n) < 0.1
    for i in range(n):
        codes.append(i), p.append(0.0), gam.append([0, 0, 0])
        if grey[i]:
            codes.append(i), p.append(0.4), gam.append([1, 1, 0])
        elif matched[i]:
            codes.append(i), p.append(1.0), gam.append([1, 1, 1])
    return dict(left_codes=np.array(codes), p=np.array(p),
                gamma=np.array(gam, dtype=np.int8), left_records=n,
                sample_codes=np.arange(n), diag_sample_pos=np.zeros(0, dtype=np.int64),
                diag_p=np.zeros(0), diag_gamma=np.zeros((0, 3), dtype=np.int8),
                threshold=0.9, replicates=30, seed=3)


def test_unresolved_records_count_once_at_their_worst_case() -> None:
    """The grey zone's worst cases bound what its records can do: the interval is
    [estimate − Σq, estimate + Σ(1 − q)] over them (÷ left records), nothing more,
    since every other record is certain. Before, their chance spread (Σq(1 − q)) and
    the refit's reading of their q (it scores the two-field pattern otherwise) were
    added as well: about 1.5 points more on each side here."""
    kw = _settled_and_grey(np.random.default_rng(21))
    n = kw["left_records"]
    h = estimates.honest_estimates(**kw)
    g = h.grey
    assert g.unresolved > 20 and g.records_down == pytest.approx(0.4 * g.unresolved)
    assert h.model_interval[1] - h.model_interval[0] < 1e-6
    assert h.match_rate.lower == pytest.approx(h.match_rate.estimate - g.records_down / n,
                                               abs=1e-6)
    assert h.match_rate.upper == pytest.approx(h.match_rate.estimate + g.records / n,
                                               abs=1e-6)


def test_a_set_aside_refit_lends_no_spread_to_records_the_linked_model_is_sure_of(
        ) -> None:
    """One candidate per left record, half of them true; three fields agree in 85% of
    matches and 20% of non-matches. The linked model is sure of every pair (q 0 or 1, as
    where term frequencies settle it); the refit, on the agreement patterns alone, is
    not, and each replicate reads a different rate. Set aside by a check that sides
    with the linked model, the replicates are read on the linked model (its log-odds
    moved by the refit's change): certain records stay certain, so the model interval
    is the point. Moving the refit's own spread there gave about ±4.5 points."""
    rng = np.random.default_rng(12)
    n = 400
    match = rng.random(n) < 0.5
    gamma = np.where(match[:, None], rng.random((n, 3)) < 0.85,
                     rng.random((n, 3)) < 0.2).astype(np.int8)
    w = dict(left_codes=np.arange(n), p=match.astype(float), gamma=gamma, left_records=n,
             sample_codes=np.arange(n), diag_sample_pos=np.zeros(0, dtype=np.int64),
             diag_p=np.zeros(0), diag_gamma=np.zeros((0, 3), dtype=np.int8),
             threshold=0.9, replicates=30, seed=3)
    kept = estimates.honest_estimates(**w)
    assert not kept.refit_set_aside and kept.model_interval[1] - kept.model_interval[0] > 0.05
    rate = kept.match_rate.estimate
    aside = estimates.honest_estimates(**w, decoy=_check(rate - 0.002, rate + 0.002))
    assert aside.refit_set_aside
    assert aside.model_interval[1] - aside.model_interval[0] < 1e-6
