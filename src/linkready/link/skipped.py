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

import numpy as np

from linkready.publish import Count, Value

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
    "Not estimated (--no-estimates): estimate, lower and upper are null. sample_reading, "
    "where the diagnostic sample ran (it chooses the looser blocking rules), is its "
    "point reading: Σ over sampled left records of the best match probability among the "
    "production candidates ÷ the same among all diagnostic candidates. It has no interval "
    "and leaves out the matches lost to blank fields (which lower the recall), so it is "
    "not the estimate. "
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


def sample_recall(diag: Diagnostic, production: list[int], q: np.ndarray) -> float | None:
    """The diagnostic sample's point reading of blocking recall (see
    :data:`RECALL_NOTE`): ``q`` the match probability of each diagnostic pair; None
    where the sample has no expected match."""
    import pandas as pd

    from linkready.link.diagnostic import flags

    left = np.asarray(diag.pairs.column("record_id_l").to_numpy(zero_copy_only=False))
    if not len(left):
        return None
    codes, _ = pd.factorize(left)
    n = int(codes.max()) + 1
    best_all, best_prod = np.zeros(n), np.zeros(n)
    np.maximum.at(best_all, codes, q)
    covered = flags(diag, production)
    np.maximum.at(best_prod, codes[covered], q[covered])
    total = float(best_all.sum())
    return float(best_prod.sum()) / total if total > 0 else None


def recall_block(diag: Diagnostic | None, production: list[int],
                 q: np.ndarray | None) -> dict[str, Any]:
    """``blocking.estimated_recall`` without the estimates (exact tree); ``diag`` None
    where the diagnostic sample did not run (adaptive blocking off)."""
    out: dict[str, Any] = {"estimate": None, "lower": None, "upper": None,
                           "estimates": SKIPPED, "method": RECALL_NOTE}
    if diag is None or q is None:
        return {**out, "sample_reading": None}
    reading = sample_recall(diag, production, q)
    return {**out,
            "sample_reading": Value(reading, (), None),
            "sample_records": Count(len(diag.sample_ids)),
            "diagnostic_rules": diag.rules,
            "diagnostic_pairs_scored": Count(diag.scored)}
