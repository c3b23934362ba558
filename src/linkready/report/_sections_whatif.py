"""The "What if a source recorded more (or less)?" section, from ``whatif.json``.

About the user's own pairs only: a pair is shown only if ``linkage.json`` in the same
results folder links it, and only when both documents come from the same project file
(config hash). Aggregates only, as published.
"""

from __future__ import annotations

from typing import Any

from linkready.report._fmt import DASH, field_label, hcell, pct, source_label, tcell
from linkready.report._inputs import ReportInputs
from linkready.report._model import Block, Bullets, Cell, Paragraph, Section, Table

TITLE = "What if a source recorded more, or less?"


def interval_text(block: dict[str, Any]) -> str:
    """``lo–hi`` to 0.1 point, or ``±<0.1`` when the bounds would print the same."""
    lo, hi = pct(block.get("lower")), pct(block.get("upper"))
    if "*" in (lo, hi) or DASH in (lo, hi):
        return "*" if "*" in (lo, hi) else DASH
    return "±<0.1 points" if lo == hi else f"{lo}–{hi}"


def _rate_cell(block: dict[str, Any]) -> Cell:
    return Cell(pct(block.get("estimate")), "rate", detail=interval_text(block))


def _points(value: Any) -> str:
    if value is None:
        return DASH
    return value if isinstance(value, str) else f"{value:+.1f} points"


def own_pairs(inp: ReportInputs) -> tuple[list[dict[str, Any]], str | None]:
    """The what-if pairs this project links, and why none are shown (or None)."""
    doc, link = inp.whatif or {}, inp.linkage or {}
    if link and doc.get("config_hash") != link.get("config_hash"):
        return [], ("whatif.json and linkage.json were made from different versions of "
                    "the project file; run `linkready assess` (or `link`) and `linkready "
                    "whatif` again on the project file as it is now")
    linked = {(p["left"], p["right"]) for p in inp.link_pairs}
    pairs = [p for p in doc.get("pairs", []) if not link or (p["left"], p["right"]) in linked]
    return pairs, None if pairs else "none of the what-if pairs is linked in this project"


def whatif_section(inp: ReportInputs, number: int) -> Section:
    """Per source the change made; per pair the NHS-number (deterministic) match rate
    now and after, against the expected match rate and its interval."""
    doc = inp.whatif or {}
    pairs, why_not = own_pairs(inp)
    changes = tuple(
        (hcell(f"{source_label(c['source'])}: {field_label(c['field'])}"),
         Cell(pct(c["baseline_share"]), "rate"), Cell(pct(c["target_share"]), "rate"),
         Cell(pct(c["reached_share"]), "rate"), tcell(c["method"]))
        for c in doc.get("changes", []))
    blocks: list[Block] = [
        Paragraph("Measured on your own records, not on a synthetic world: each change "
                  "below was made to a copy of the records and the pairs it touches were "
                  "measured again. The NHS-number match rate is what a deterministic "
                  "pipeline (exact valid NHS number) finds; the expected match rate, with "
                  "its interval, estimates how many left records have a match at all."),
        Table("The change asked for", ("source and field", "now", "asked", "reached", "how"),
              changes, note="For the NHS number, the share of records with a valid one."),
    ]
    if why_not:
        blocks.append(Paragraph(f"No pair is shown: {why_not}."))
    else:
        relinked = bool(doc.get("relink"))
        rows = tuple(
            (hcell(f"{source_label(p['left'])} → {source_label(p['right'])}"),
             Cell(pct(p["baseline"]["deterministic"]["match_rate"]), "rate"),
             Cell(pct(p["whatif"]["deterministic"]["match_rate"]), "rate"),
             tcell(_points(p["deterministic_change_points"])),
             _rate_cell(p["whatif"]["expected_match_rate"]),
             _rate_cell(p["whatif"]["deterministic_share_of_expected"]),
             *((tcell(f"{pct(p['baseline']['combined']['match_rate'])} → "
                      f"{pct(p['whatif']['combined']['match_rate'])}"),) if relinked else ()))
            for p in pairs)
        blocks.append(Table(
            "NHS-number match rate now and after the change",
            ("pair", "NHS-number rate now", "after", "change", "expected match rate",
             "NHS-number share of expected",
             *(("all methods: now → after",) if relinked else ())), rows,
            note="Expected match rate: " + ("re-estimated on the changed records."
                                            if doc.get("relink") else
                                            "carried from the records as they are (who is "
                                            "in both sources does not change).")))
    blocks += [Paragraph("What this assumes:"), Bullets(tuple(doc.get("assumptions", ())))]
    if doc.get("warnings"):
        blocks.append(Bullets(tuple(doc["warnings"])))
    return Section("what-if", number, TITLE,
                   "How the NHS-number match rate of your pairs would move if a source "
                   "held a field for more, or fewer, of its records.", tuple(blocks))
