"""Threshold sensitivity: how the match rate (and, where the truth is known, precision and
recall) move as the match-probability threshold changes.

Read from ``linkage.json`` (``probabilistic.by_threshold``, label-free) and
``evaluation.json`` (``pr_curve``, against the truth). Figures published as ``*`` are left
out of the chart and shown as ``*`` in its table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linkready.report import _charts as C
from linkready.report._fmt import hcell, pct, rate_value, source_label
from linkready.report._inputs import ReportInputs
from linkready.report._model import Block, Cell, Chart, Paragraph, Table

MEASURES = ("match rate", "precision", "recall")


def _pair(p: Mapping[str, Any]) -> str:
    return f"{source_label(p['left'])} → {source_label(p['right'])}"


def _curves(inp: ReportInputs) -> dict[str, dict[float, dict[str, Any]]]:
    """{pair: {threshold: {measure: published value}}}."""
    out: dict[str, dict[float, dict[str, Any]]] = {}
    for p in inp.link_pairs:
        for row in p["probabilistic"].get("by_threshold", []):
            out.setdefault(_pair(p), {}).setdefault(float(row["threshold"]), {})[
                "match rate"] = row["match_rate"]
    for e in inp.eval_pairs:
        for row in e.get("pr_curve", []):
            cell = out.setdefault(_pair(e), {}).setdefault(float(row["threshold"]), {})
            cell.setdefault("match rate", row.get("match_rate"))
            cell["precision"] = row.get("precision")
            cell["recall"] = row.get("recall")
    return out


def threshold_blocks(inp: ReportInputs) -> list[Block]:
    """The threshold-sensitivity chart with its table, or a note saying why there is none."""
    curves = _curves(inp)
    current = (inp.linkage or {}).get("threshold")
    if not curves:
        return [Paragraph("Threshold sensitivity is not shown: these outputs hold no match "
                          "rates by threshold (re-run `linkready assess` with this version).")]
    truth = bool(inp.evaluation)
    measures = [m for m in MEASURES if truth or m == "match rate"]
    rows: list[dict[str, Any]] = []
    for pair, by_t in curves.items():
        for t in sorted(by_t):
            for m in measures:
                v = rate_value(by_t[t].get(m))
                if v is not None:
                    rows.append({"pair": pair, "threshold": f"{t:g}", "t": t,
                                 "measure": m, "rate": v})
    pairs = list(curves)
    # One row per threshold, one column per pair: the match rate, with precision and
    # recall under it where the truth is known.
    table_rows = []
    for t in sorted({t for by_t in curves.values() for t in by_t}):
        cells = [hcell(f"p ≥ {t:g}")]
        for pair in pairs:
            vals = curves[pair].get(t, {})
            detail = (f"precision {pct(vals.get('precision'))}, recall "
                      f"{pct(vals.get('recall'))}" if truth else "")
            cells.append(Cell(pct(vals.get("match rate")), "rate", detail=detail))
        table_rows.append(tuple(cells))
    if not rows:
        return [Paragraph("Threshold sensitivity is not shown: every figure by threshold "
                          "rests on fewer than 8 records and is hidden.")]
    order = [f"{t:g}" for t in sorted({r["t"] for r in rows})]
    swings = []
    for pair, by_t in curves.items():
        rates = [rate_value(v.get("match rate")) for _, v in sorted(by_t.items())]
        known = [r for r in rates if r is not None]
        if len(known) >= 2:
            swings.append((max(known) - min(known), pair, min(known), max(known)))
    take = ""
    if swings:
        _, pair, lo, hi = max(swings)
        take = (f"The match rate is most sensitive to the threshold for {pair}: from "
                f"{pct(lo)} to {pct(hi)} between the strictest and the loosest threshold"
                + (f" (this report links at p ≥ {current})." if current is not None
                   else "."))
    table = Table("Match rate" + (", precision and recall" if truth else "")
                  + " by threshold (probabilistic stage)", ("threshold", *pairs),
                  tuple(table_rows),
                  note=("Match rate: share of the left records whose best compared pair "
                        "reaches the threshold (probabilistic stage only, without exact "
                        "NHS-number links). " + ("Precision and recall against the known "
                                                 "truth." if truth else
                                                 "Precision and recall need known answers "
                                                 "(synthetic truth or a clerical review) "
                                                 "and are not shown.")))
    spec = C.threshold_lines(rows, measures=measures, order=order,
                             current=f"{current:g}" if isinstance(current, float | int)
                             else None)
    lead = Paragraph(
        "The threshold is the match probability at or above which a pair is linked. A lower "
        "threshold links more records, and more wrong ones; a higher one links fewer, and "
        "misses more. The chart shows how much the figures above depend on that choice"
        + ("; precision and recall are measured against the known truth." if truth else
           "; without known answers only the match rate can be shown."))
    return [lead, Chart("Threshold sensitivity", "Line charts, one per pair, of "
                        + ", ".join(measures) + " against the match-probability threshold. "
                        + take, spec, take, table)]
