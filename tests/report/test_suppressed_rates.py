"""Rates published as "*" (they rest on a count of 1–7, ``linkready.privacy.safe_rate``)
are shown as * and never break the report: not in tables, charts, verdicts or sorting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from linkready.documents import linkage_digest
from linkready.report import build_report, read_outputs, render_html
from linkready.report._fmt import link_rate, pct, rate_rank, rate_value, small_complement, wilson
from linkready.report._model import Chart, Table
from linkready.report._verdict import Thresholds, pair_verdict

if TYPE_CHECKING:
    from conftest import Assessed

#: Keys whose values are rates in linkage.json / evaluation.json / sweep.json.
RATE_KEYS = {"match_rate", "precision", "recall", "f1", "false_match_rate",
             "missed_match_rate", "overlap_rate", "unlinked", "coverage", "linkage_error",
             "linked_to_wrong_person", "estimate", "lower", "upper", "uncertain_share",
             "independent_pairs", "people_split_rate", "clusters_merged_rate",
             "distinct_people_ratio", "expected_match_rate"}


def _star(node: Any) -> Any:
    """Every rate in a JSON document replaced by "*"."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in RATE_KEYS and isinstance(v, float | int) and not isinstance(v, bool):
                out[k] = "*"
            elif k == "overlap_share":
                out[k] = {a: {b: "*" for b in row} for a, row in v.items()}
            else:
                out[k] = _star(v)
        return out
    if isinstance(node, list):
        return [_star(v) for v in node]
    return node


def test_helpers_treat_star_as_hidden() -> None:
    """pct shows *, intervals and comparisons leave it out."""
    assert pct("*") == "*"
    assert rate_value("*") is None and rate_value(0.25) == 0.25 and rate_value(None) is None
    assert wilson("*", 100) is None
    assert not small_complement("*", 100)
    assert link_rate({"match_rate": "*", "linked_records": 10}, 100) == "*"
    assert rate_rank({"match_rate": "*", "linked_records": "*"}) == 0.0  # 1–7 linked
    assert rate_rank({"match_rate": "*", "linked_records": 995}) == 1.0  # 1–7 unlinked
    assert rate_rank({"match_rate": 0.4, "linked_records": 400}) == 0.4


def _pair(det: Any, det_n: Any, comb: Any, comb_n: Any, prob: Any, expected: Any) -> dict:
    return {"left": "acute", "right": "gp_register", "left_records": 1000,
            "deterministic": {"match_rate": det, "linked_records": det_n},
            "combined": {"match_rate": comb, "linked_records": comb_n},
            "probabilistic": {"match_rate": prob, "linked_records": comb_n,
                              "expected_match_rate": {"estimate": expected}}}


def test_pair_verdict_with_star_rates() -> None:
    """A * rate is rated at the worst value its published counts allow and shown as *;
    the model-agreement rule, which needs both rates, is left out."""
    link = _pair(0.9, 900, "*", 995, "*", 0.99)
    ev = {"combined": {"missed_match_rate": "*", "false_negatives": "*",
                       "true_positives": 990, "false_match_rate": 0.0,
                       "false_positives": 0}, "by_subgroup": {}}
    v = pair_verdict(link, ev, Thresholds())
    reasons = {r.short: r for r in v.reasons}
    assert "missed (estimated, worst case)" not in reasons
    assert reasons["found by NHS number"].value == pct(900 / 995)
    missed = reasons["missed matches"]
    assert missed.value == "* (1–7 records)" and missed.rag == "green"  # ≤ 7 of ~995
    assert reasons["false matches"].rag == "green"
    small = pair_verdict(link, {**ev, "combined": {**ev["combined"], "true_positives": 40}},
                         Thresholds())
    # up to 7 missed of 45 true matches: the worst case (over 10%) is red
    assert {r.short: r for r in small.reasons}["missed matches"].rag == "red"


def test_report_with_every_rate_hidden(assessed: Assessed, tmp_path: Path) -> None:
    """With every rate in linkage.json and evaluation.json published as *, the report
    builds and renders, and shows * where the rates were."""
    docs = {}
    for name in ("profile.json", "validation.json", "linkage.json", "evaluation.json"):
        doc = json.loads((assessed.out / name).read_text())
        docs[name] = _star(doc) if name in ("linkage.json", "evaluation.json") else doc
    # The evaluation measured this (starred) linkage: its digest follows the edit.
    docs["evaluation.json"]["linkage_sha256"] = linkage_digest(docs["linkage.json"])
    for name, doc in docs.items():
        (tmp_path / name).write_text(json.dumps(doc))
    inputs = read_outputs(tmp_path)
    report = build_report(inputs)
    html = render_html(report)
    assert "%" in html  # profile shares are still shown
    section = next(s for s in report.sections if s.id == "match-rates")
    table = next(b.table if isinstance(b, Chart) else b for b in section.blocks
                 if isinstance(b, Chart | Table))
    assert all(c.text.startswith("*") for row in table.rows for c in row[2:6])
    figures = {k.label: k.value for k in report.key_figures}
    assert figures["lowest coverage"] == "*"
    assert figures["largest linkage error"] == "*"


@pytest.mark.parametrize("name", ["linkage.json", "evaluation.json"])
def test_published_rates_do_not_sit_beside_small_counts(assessed: Assessed,
                                                        name: str) -> None:
    """In the assessed world's outputs, a match rate whose linked records are * is *."""
    doc = json.loads((assessed.out / name).read_text())
    blocks = []
    for p in doc["pairs"]:
        blocks += [p[s] for s in ("deterministic", "probabilistic", "combined")]
    for b in blocks:
        if b.get("linked_records") == "*":
            assert b["match_rate"] == "*"
        if b.get("true_positives") == "*":
            assert b["precision"] in ("*", None) and b["recall"] in ("*", None)
        if b.get("false_negatives") == "*":
            assert b["missed_match_rate"] in ("*", None)
        if b.get("false_positives") == "*":
            assert b["false_match_rate"] in ("*", None)
