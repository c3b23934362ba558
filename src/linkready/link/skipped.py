"""What a pair publishes when the label-free estimates are skipped (``linkready link
--no-estimates``, ``TrainingConfig(estimates=False)``).

Skipped: the decoys (the model-free check), the completeness gap, the blank-field
patterns and the bootstrap, so there is no expected match rate with its interval, no
estimate of false links and no blocking-recall estimate. The links and clusters are the
same as with them: the diagnostic sample still runs where adaptive blocking is on, since
it chooses the looser blocking rules.

What is still published costs nothing more: the model's expected match rate among the
candidate pairs (the sum over left records of their best match probability) with its
chance-only interval, the accepted records, and, where the diagnostic sample ran, its
point reading of the blocking recall (no interval, and without the matches lost to
blank fields). Each of the three blocks carries ``estimates: "skipped"``; so do the pair
and the whole ``linkage.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.publish import Count

if TYPE_CHECKING:
    from linkready.link.diagnostic import Diagnostic
    from linkready.link.estimates import ExpectedRate

#: The marker ``estimates`` takes in linkage.json when they were skipped.
SKIPPED = "skipped"
#: What a reader shows in place of a skipped estimate.
NOT_ESTIMATED = "not estimated (--no-estimates)"
#: What to do to get them.
HOW_TO_ESTIMATE = "run `linkready link` without --no-estimates"

#: A pair's verdict without them: not rated (unless a rule already makes it red).
NOT_RATED = ("Not rated: the link ran with --no-estimates, so the label-free estimates a "
             "rating needs (expected match rate, blocking recall, false links) are not "
             "estimated: " + HOW_TO_ESTIMATE + ".")

RATE_NOTE = (
    "Not estimated: the link ran with --no-estimates, which skips the decoys, the "
    "completeness gap, the blank-field patterns and the bootstrap, so there is no "
    "expected match rate with blocking misses and model uncertainty (estimate, lower and "
    "upper are null). among_candidates is the model's expected share of left records "
    "with a match among the candidate pairs only (blocking misses count 0), with its "
    "chance-only interval; it is not a match-rate estimate. To estimate: "
    + HOW_TO_ESTIMATE + ".")
FALSE_NOTE = ("Not estimated (--no-estimates): expected, share, lower and upper are null; "
              "accepted_records is the left records with a link at the threshold. To "
              "estimate: " + HOW_TO_ESTIMATE + ".")
RECALL_NOTE = (
    "Not estimated (--no-estimates): estimate, lower and upper are null. Where the "
    "diagnostic sample ran (it chooses the looser blocking rules), its size and rules are "
    "given; no recall is read from it without the estimates' corrections (blank fields, "
    "the field model, an interval), which a raw reading would overstate. "
    "To estimate: " + HOW_TO_ESTIMATE + ".")


def skipped(block: Any) -> bool:
    """Whether a published block (a pair, ``linkage.json``, or one of a pair's
    estimate blocks) says its estimates were skipped."""
    return isinstance(block, dict) and block.get("estimates") == SKIPPED


def rate_block(expected: ExpectedRate) -> dict[str, Any]:
    """``probabilistic.expected_match_rate`` without the estimates (exact tree)."""
    d = expected.as_dict()
    return {"estimate": None, "lower": None, "upper": None, "estimates": SKIPPED,
            "method": RATE_NOTE, "uncertain_share": d["uncertain_share"],
            "sensitivity": d["sensitivity"], "among_candidates": d["estimate"],
            "chance_only": {"lower": d["lower"], "upper": d["upper"],
                            "method": expected.method}}


def false_block(accepted: int) -> dict[str, Any]:
    """``probabilistic.false_links`` without the estimates (exact tree)."""
    return {"expected": None, "share": None, "lower": None, "upper": None,
            "accepted_records": Count(accepted), "estimates": SKIPPED,
            "method": FALSE_NOTE}


def recall_block(diag: Diagnostic | None) -> dict[str, Any]:
    """``blocking.estimated_recall`` without the estimates (exact tree); ``diag`` None
    where the diagnostic sample did not run (adaptive blocking off)."""
    out: dict[str, Any] = {"estimate": None, "lower": None, "upper": None,
                           "estimates": SKIPPED, "method": RECALL_NOTE}
    if diag is None:
        return out
    return {**out,
            "sample_records": Count(len(diag.sample_ids)),
            "diagnostic_rules": diag.rules,
            "diagnostic_pairs_scored": Count(diag.scored)}
