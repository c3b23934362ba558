"""Pair verdicts on the label-free estimates: GREEN only when the interval, blocking
recall and expected false links all allow it."""

from __future__ import annotations

from typing import Any

import pytest

from linkready.report._verdict import Thresholds, missed_worst_case, pair_verdict


def _pair(linked: float, lower: float, upper: float, recall_lo: float = 0.995,
          false_hi: float = 0.002) -> dict[str, Any]:
    return {"left": "acute", "right": "gp_register", "left_records": 10_000,
            "deterministic": {"match_rate": linked, "linked_records": int(linked * 10_000)},
            "combined": {"match_rate": linked, "linked_records": int(linked * 10_000)},
            "probabilistic": {
                "match_rate": linked, "linked_records": int(linked * 10_000),
                "expected_match_rate": {"estimate": (lower + upper) / 2, "lower": lower,
                                        "upper": upper},
                "false_links": {"upper": false_hi, "accepted_records": int(linked * 10_000)},
                "blocking": {"estimated_recall": {"lower": recall_lo}}}}


def test_green_needs_tight_interval_recall_and_few_false_links() -> None:
    v = pair_verdict(_pair(0.90, 0.895, 0.905), None, Thresholds())
    assert v.rag == "green"


def test_worst_case_missed_share_uses_the_upper_end_and_false_links() -> None:
    """Linked 80%, 1% of links false at most, expected rate up to 90%: up to
    1 − (0.80 − 0.008) / 0.90 of true matches missed."""
    p = _pair(0.80, 0.85, 0.90, false_hi=0.01)
    assert missed_worst_case(p) == pytest.approx(1 - (0.80 - 0.008) / 0.90)
    v = pair_verdict(p, None, Thresholds())
    assert v.rag == "red" and v.reason("missed (estimated, worst case)").rag == "red"


def test_low_blocking_recall_is_not_green_even_when_rates_agree() -> None:
    v = pair_verdict(_pair(0.90, 0.895, 0.905, recall_lo=0.93), None, Thresholds())
    assert v.rag == "amber" and v.reason("blocking recall (lower)").rag == "amber"


def test_wide_interval_cannot_tell_without_review() -> None:
    """The same linked share with an interval 30 points wide: no verdict but 'review'."""
    v = pair_verdict(_pair(0.60, 0.45, 0.60), None, Thresholds())
    assert v.rag == "amber" and v.headline.startswith("Cannot tell without a review sample")


def test_worst_case_from_a_too_wide_interval_is_cannot_tell_not_red() -> None:
    """Linked 93%, interval 87–100%, up to 7% of links false: the worst case (13% missed)
    comes from the width alone, so the verdict is 'cannot tell' (amber), not red."""
    p = _pair(0.93, 0.87, 1.0, false_hi=0.07)
    assert missed_worst_case(p) > Thresholds().missed_estimate.amber
    v = pair_verdict(p, None, Thresholds())
    assert v.rag == "amber" and v.headline.startswith("Cannot tell without a review sample")
    assert v.reason("missed (estimated, worst case)").rag == "amber"


def test_material_grey_zone_is_cannot_tell_not_red() -> None:
    """Linked 70%, interval 68–78% (8 points, not too wide), of which 6 points are the
    grey-zone worst case: the worst case (10.3% missed) would be red, but it rests on
    records the model leaves unresolved, so 'cannot tell' (amber). The same pair with a
    grey zone under the threshold stays red."""
    p = _pair(0.70, 0.68, 0.78)
    p["probabilistic"]["expected_match_rate"]["grey_zone"] = {"share_of_left": 0.06}
    v = pair_verdict(p, None, Thresholds())
    assert v.rag == "amber" and v.headline.startswith("Cannot tell without a review sample")
    assert v.reason("unresolved by the model, up to").value == "6.0%"
    assert v.reason("missed (estimated, worst case)").rag == "amber"
    p["probabilistic"]["expected_match_rate"]["grey_zone"] = {"share_of_left": 0.01}
    assert pair_verdict(p, None, Thresholds()).rag == "red"


def test_unreliable_point_estimate_is_cannot_tell_with_its_reasons() -> None:
    """A pair whose interval and grey zone would pass, but whose point estimate the
    label-free signals put 12 points from the model-free check: 'cannot tell', the
    headline naming the signals (no column of its own); reliable → green."""
    p = _pair(0.90, 0.895, 0.905)
    p["probabilistic"]["expected_match_rate"]["point_estimate"] = {
        "reliable": False, "tolerance": 0.05, "largest_distance": 0.12,
        "reasons": ["model_free_check", "grey_zone"]}
    v = pair_verdict(p, None, Thresholds())
    assert v.rag == "amber" and v.headline.startswith(
        "Cannot tell without a review sample: the point estimate is unreliable, off by up "
        "to 12 points (the model-free check disagrees, records the model leaves unresolved)")
    p["probabilistic"]["expected_match_rate"]["point_estimate"]["reliable"] = True
    v = pair_verdict(p, None, Thresholds())
    assert v.rag == "green"
    assert v.reason("the point estimate is unreliable, off by up to") is None
    p["probabilistic"]["expected_match_rate"]["grey_zone"] = {"share_of_left": 0.06}
    p["probabilistic"]["expected_match_rate"]["point_estimate"]["reliable"] = False
    v = pair_verdict(p, None, Thresholds())  # named before the grey zone
    assert "the point estimate is unreliable" in v.headline
    assert v.reason("unresolved by the model, up to").value == "6.0%"


def _few(p: dict[str, Any], matches: float) -> dict[str, Any]:
    """Give ``p`` the published readability of its blocking recall on ``matches``
    expected matches (as ``HonestEstimates.recall_dict`` writes it)."""
    from linkready.link.estimates import perfect_blocking_lower

    p["probabilistic"]["blocking"]["estimated_recall"].update(
        expected_matches=round(matches), perfect_blocking_lower=(
            "*" if 1 <= round(matches) <= 7 else perfect_blocking_lower(matches)))
    return p


def test_pair_sharing_almost_nobody_is_not_red_on_blocking_recall() -> None:
    """qa8: two sources that share nobody, nothing linked, expected 1.4% [0–7.7%] of
    1,000 left records, blocking recall read at 30% from a handful of weak pairs. On 14
    expected matches even a blocking that misses none reads a lower end of 0.025^(1/14)
    = 77% (red), so recall cannot be read: no rating rests on it, the worst-case missed
    share (100%, a share of the same few matches) is at worst amber, and the headline
    says the finding is coverage. Without the published readability (an older file) the
    pair stays red on recall, as before."""
    p = _pair(0.0, 0.0, 0.077, recall_lo=0.30)
    p["left_records"] = 1000
    p["probabilistic"]["expected_match_rate"]["estimate"] = 0.014
    assert pair_verdict(p, None, Thresholds()).reason("blocking recall (lower)").rag == "red"
    v = pair_verdict(_few(p, 14), None, Thresholds())
    assert v.rag == "amber", v
    r = v.reason("blocking recall (lower)")
    assert r.rag == "none" and r.value == (
        "cannot be read: the model expects 15 (at most 75) of 1,000 Acute records to have "
        "a match") and r.threshold.startswith("read from 36 expected matches")
    assert v.reason("missed (estimated, worst case)").rag == "amber"
    assert v.headline.startswith("Shares almost nobody: the model expects 15 (at most 75)")
    assert "coverage" in v.headline
    # Nothing else against it (nothing linked, so no worst case either): still amber, not
    # green, since how well it links cannot be measured on so few matches.
    p["probabilistic"]["expected_match_rate"]["upper"] = "*"
    v = pair_verdict(_few(p, 14), None, Thresholds())
    assert v.rag == "amber" and v.headline.startswith("Shares almost nobody")
    assert all(r.rag in ("green", "none") for r in v.reasons), v.reasons
    # 1–7 expected matches: published as *, cannot be read either.
    assert pair_verdict(_few(p, 3), None, Thresholds()).reason(
        "blocking recall (lower)").value.startswith("cannot be read: the model expects *")


def test_low_overlap_with_enough_matches_keeps_its_recall_reading() -> None:
    """FEBRL 2-like: 10.7% of 4,000 left records (428 expected matches): recall is read,
    and a poor one is still red; from 36 matches (0.025^(1/36) ≥ 0.90) it is read, below
    it not."""
    p = _pair(0.10, 0.10, 0.11, recall_lo=0.80)
    v = pair_verdict(_few(p, 428), None, Thresholds())
    assert v.rag == "red" and v.reason("blocking recall (lower)").value == "80.0%"
    assert pair_verdict(_few(p, 36), None, Thresholds()).reason(
        "blocking recall (lower)").rag == "red"
    assert pair_verdict(_few(p, 35), None, Thresholds()).reason(
        "blocking recall (lower)").rag == "none"


def test_linkage_error_tile_is_not_read_on_too_few_matches() -> None:
    """The first screen's 'largest linkage error' read '100.0% of true matches missed'
    for the same pair (a worst case on at most 75 expected matches, 14 at the estimate):
    it is now not read, and says the finding is coverage; with enough matches the
    worst case is shown as before."""
    from linkready.report._answers import key_figures
    from linkready.report._inputs import ReportInputs

    p = _few(_pair(0.0, 0.0, 0.0767, recall_lo=0.30), 14)
    p["left_records"] = 1000
    tiles = {k.label: k for k in key_figures(ReportInputs(linkage={"pairs": [p]}), [], [])}
    tile = tiles["largest linkage error"]
    assert tile.value == "–" and "too few matches" in tile.detail
    assert "coverage, not linkage error" in tile.detail
    tiles = {k.label: k for k in key_figures(
        ReportInputs(linkage={"pairs": [_few(p, 77)]}), [], [])}
    assert tiles["largest linkage error"].value == "100.0%"
