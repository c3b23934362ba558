"""Clerical review: draw a stratified sample of a link run for people to label, and turn
their labels into precision, recall and match rate with intervals.

``review.html`` / ``review.csv`` / ``review.json`` hold record-level data and stay local;
``review_estimates.json`` holds aggregates only. See docs/review.md.
"""

from linkready.review._estimate import Interval, StratumLabels, estimate, labels_needed
from linkready.review._run import run_sample, run_score

__all__ = ["Interval", "StratumLabels", "estimate", "labels_needed", "run_sample", "run_score"]
