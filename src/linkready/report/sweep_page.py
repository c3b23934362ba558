"""``sweep.html``: the sweep's own page, built from ``sweep.json`` alone.

A sweep regenerates a *synthetic* world for each value of one scenario setting and relinks
it; its pairs are not a project's pairs, so it never becomes a section of a project's
report. For a setting about NHS numbers, the x-axis is the NHS-number completeness
*measured* in each generated world (``left_valid_nhs_share``), not the configured rate.
"""

from __future__ import annotations

from typing import Any

from linkready.report import _charts as C
from linkready.report._answers import Answer
from linkready.report._fmt import count, hcell, pct, rate_value, rcell, source_label, tcell
from linkready.report._glossary import glossary_section
from linkready.report._model import Block, Chart, KeyFigure, Paragraph, Report, Section, Table

SERIES = (("NHS-number match rate", "deterministic_match_rate"),
          ("probabilistic match rate", "probabilistic_match_rate"),
          ("true overlap (coverage)", "truth_overlap_rate"))


def _pair(r: dict[str, Any]) -> str:
    return f"{source_label(r['left'])} → {source_label(r['right'])}"


def key_words(key: str) -> tuple[str, bool]:
    """A swept scenario key in words, and whether it is about NHS numbers."""
    parts = key.split(".")
    if len(parts) >= 4 and parts[0] == "sources" and parts[2] == "errors":
        err, src = parts[3], source_label(parts[1])
        if err == "nhs_missing":
            return f"missing NHS numbers in {src}", True
        return f"the rate of '{err.replace('_', ' ')}' errors in {src}", err.startswith("nhs")
    return f"the scenario setting `{key}`", "nhs" in key


def _x(row: dict[str, Any], nhs: bool) -> float | None:
    """The x of a row: the measured valid-NHS share of the left source for an NHS
    setting (None when not measured, e.g. an older sweep.json), else the value."""
    if nhs:
        return rate_value(row.get("left_valid_nhs_share"))
    v = row["value"]
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def build_sweep_page(doc: dict[str, Any]) -> Report:
    """The sweep page's model (pure)."""
    words, nhs = key_words(doc["key"])
    measured = nhs and any(r.get("left_valid_nhs_share") is not None for r in doc["rows"])
    by_pair: dict[str, list[dict[str, Any]]] = {}
    for r in doc["rows"]:
        by_pair.setdefault(_pair(r), []).append(r)
    chart_rows, table_rows, answers = [], [], []
    for pn, rows in by_pair.items():
        for r in rows:
            x = _x(r, measured)
            table_rows.append((hcell(pn), tcell(str(r["value"])),
                               rcell(r.get("left_valid_nhs_share")),
                               rcell(r["deterministic_match_rate"]),
                               rcell(r["probabilistic_match_rate"]),
                               rcell(r["expected_match_rate"]),
                               rcell(r["truth_overlap_rate"])))
            for label, k in SERIES:
                y = rate_value(r.get(k))
                if x is not None and y is not None:
                    chart_rows.append({"pair": pn, "x": x, "rate": y, "measure": label})
        ordered = sorted(rows, key=lambda r: _x(r, measured) or 0.0)
        lo, hi = ordered[0], ordered[-1]
        left = source_label(lo["left"])
        span = (f"valid NHS numbers in {left} from {pct(lo.get('left_valid_nhs_share'))} "
                f"to {pct(hi.get('left_valid_nhs_share'))} (measured)" if measured
                else f"{words} from {lo['value']} to {hi['value']}")
        answers.append(Answer(pn, "none", (
            f"Moving {span} moves the NHS-number match rate from "
            f"{pct(lo['deterministic_match_rate'])} to {pct(hi['deterministic_match_rate'])} "
            f"and the probabilistic match rate from {pct(lo['probabilistic_match_rate'])} to "
            f"{pct(hi['probabilistic_match_rate'])}; the true overlap (coverage, which no "
            "linkage changes) " + (f"stays at {pct(lo['truth_overlap_rate'])}."
                                   if pct(lo["truth_overlap_rate"]) ==
                                   pct(hi["truth_overlap_rate"]) else
                                   f"is {pct(lo['truth_overlap_rate'])} to "
                                   f"{pct(hi['truth_overlap_rate'])}."))))
    x_title = ("valid NHS number in the left source (measured)" if measured
               else doc["key"].split(".")[-1])
    table = Table(f"Sweep of {words} (scenario {doc['scenario']}), one row per value and pair",
                  ("pair", "setting", "valid NHS number (measured)", "NHS-number match rate",
                   "probabilistic match rate", "expected match rate", "true overlap"),
                  tuple(table_rows),
                  note="Match rates are shares of the left source's records. 'setting' is "
                       "the configured value; 'valid NHS number' is what the generated "
                       "world holds.")
    take = answers[0].text if answers else ""
    blocks: list[Block] = [Paragraph(
        f"The synthetic scenario `{doc['scenario']}` was generated once for each value of "
        f"{words}" + (f", with {count(doc.get('population'))} people" if doc.get("population")
                      else "") + f", and each world was linked (threshold p ≥ "
        f"{doc['threshold']}) and evaluated against its truth.")]
    if chart_rows:
        blocks.append(Chart("Match rates as the setting changes",
                            f"Line charts, one per pair, of match rates against {x_title}. "
                            + take, C.sweep_lines(chart_rows, x_title=x_title,
                                                  measures=[s for s, _ in SERIES],
                                                  x_percent=measured), take, table))
    else:
        blocks.append(table)
    method = Section("how", 2, "How the sweep was made",
                     "Scenario, seed and what was varied.",
                     (Table("Sweep settings", ("setting", "value"), (
                         (hcell("scenario"), tcell(str(doc["scenario"]))),
                         (hcell("key varied"), tcell(str(doc["key"]))),
                         (hcell("values"), tcell(", ".join(str(v) for v in doc["values"]))),
                         (hcell("people per world"), tcell(count(doc.get("population"))
                                                           if doc.get("population") else
                                                           "the scenario's")),
                         (hcell("seed"), tcell(str(doc.get("seed")))),
                         (hcell("threshold"), tcell(f"p ≥ {doc['threshold']}")),
                         (hcell("linkready"), tcell(str(doc.get("tool_version")))))),
                      Paragraph("To ask the same question of your own extracts, use "
                                "`linkready whatif`, which answers from your records.")))
    return Report(
        title=f"Sweep: {words}", project=str(doc.get("project", doc["scenario"])),
        created_at="", synthetic=True,
        key_figures=(KeyFigure("values swept", str(len(doc["values"]))),
                     KeyFigure("pairs", str(len(by_pair)))),
        sections=(Section("sweep", 1, "What changes as the setting changes",
                          "Match rates per pair for each value swept.", tuple(blocks)),
                  method, glossary_section(3)),
        answers=tuple(answers), answers_title="What the sweep shows",
        kind="Sweep on synthetic worlds")


def render_sweep_page(doc: dict[str, Any]) -> str:
    """``sweep.html`` for a ``sweep.json`` document."""
    from linkready.report._render import render_html

    return render_html(build_sweep_page(doc))
