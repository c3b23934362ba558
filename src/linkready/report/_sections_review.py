"""The "Checked by clerical review" section, from ``review_estimates.json``.

Only aggregates reach it: estimates with their 95% intervals, and label counts already
under disclosure control (``*`` for 1–7, others rounded to 5). Nothing of the
record-level review files (review.html / .csv / .json) is read by the report.
"""

from __future__ import annotations

from typing import Any

from linkready.report._fmt import DASH, ccell, hcell, interval, pct, source_label, tcell
from linkready.report._inputs import ReportInputs
from linkready.report._model import Block, Cell, Paragraph, Section, Table

TITLE = "Checked by clerical review"


def _rate(m: dict[str, Any]) -> Cell:
    if m.get("estimate") is None:
        return Cell(DASH, "rate")
    return Cell(pct(m["estimate"]), "rate", detail=interval(m["lower"], m["upper"]))


def _needed(n: dict[str, Any]) -> str:
    def one(v: Any) -> str:
        return "every record" if v is None else f"{v:,}"
    return f"±2 points: {one(n.get('0.02'))}; ±5 points: {one(n.get('0.05'))}"


def review_section(inp: ReportInputs, number: int) -> Section:
    """Precision, recall and match rate per pair from the labelled sample."""
    doc = inp.review_estimates or {}
    pairs = doc.get("pairs", [])
    rows = tuple((hcell(f"{source_label(p['left'])} → {source_label(p['right'])}"),
                  ccell(p["labelled"]), ccell(p["unsure"]), _rate(p["precision"]),
                  _rate(p["recall"]), _rate(p["match_rate"]),
                  tcell(_needed(p["labels_needed"]["precision"])),
                  tcell(_needed(p["labels_needed"]["recall"])))
                 for p in pairs)
    blocks: list[Block] = [
        Paragraph("People looked at a stratified sample of each pair's left records — "
                  "linked ones, unlinked ones just below the threshold, and unlinked ones "
                  "with no candidate, shown with their nearest neighbour — and said whether "
                  "the two records are the same person. Each stratum's share of matches is "
                  "applied to all its records. Figures are for left records, as in the "
                  "rest of this report; the small line under each is its 95% interval, "
                  "widened for labels marked unsure."),
        Table("Precision, recall and match rate from the labelled sample",
              ("pair", "labels", "unsure", "precision", "recall", "match rate (true)",
               "labels for precision", "labels for recall"), rows,
              note=f"Labels: {doc.get('labels', DASH)}; sample {doc.get('sample_id', DASH)}. "
                   "Labels needed: total per pair, in the same strata, for a 95% interval "
                   "of the stated half-width (an approximation from the labels so far)."),
    ]
    if any(p["unsure"] not in (0, "0") for p in pairs):
        blocks.append(Paragraph("Unsure labels were counted as half a match in the "
                                "estimate, and the interval covers reading them all as "
                                "matches or all as non-matches."))
    return Section("clerical-review", number, TITLE,
                   "What people who looked at a sample of record pairs found.",
                   tuple(blocks))
