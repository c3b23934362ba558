"""The report's accuracy, cluster and bias parts: exact for synthetic truth, the bias
verdict on flagged subgroups only."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from linkready.report._verdict import Thresholds, pair_verdict

if TYPE_CHECKING:
    from conftest import Assessed


def test_generated_world_is_evaluated_exactly(assessed: Assessed) -> None:
    """assess on a generated world: evaluation.json is synthetic and exact, has link-level,
    cluster and bias blocks, and the report shows them."""
    ev = json.loads((assessed.out / "evaluation.json").read_text())
    assert ev["synthetic"] is True and ev["disclosure_control"]["applied"] is False
    hidden = [path for path in _stars(ev) if not path.endswith("expected_match_rate")]
    assert not hidden  # expected_match_rate is linkage.json's, about the extracts
    pair = ev["pairs"][0]
    assert {"links", "gap"} <= set(pair["combined"])
    assert pair["bias"]["combined"]["groups_compared"] > 0
    assert ev["clusters"]["bcubed"]["precision"] <= 1.0
    assert ev["clusters"]["by_source_set"][0]["sources"] == sorted(
        json.loads((assessed.out / "linkage.json").read_text())["clusters"]["sources"])
    for text in ("link precision", "false links", "B-cubed precision", "people split",
                 "95% CI", "Holm"):
        assert text in assessed.html, text
    assert "synthetic data" in assessed.html


def _stars(node: object, path: str = "") -> list[str]:
    """Paths of every value published as "*"."""
    if node == "*":
        return [path]
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _stars(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _stars(v, f"{path}[{i}]")]
    return []


def _pair() -> dict:
    block = {"match_rate": 0.9, "linked_records": 900}
    return {"left": "acute", "right": "gp_register", "deterministic": block,
            "combined": block,
            "probabilistic": {**block, "expected_match_rate": {"estimate": 0.9}}}


def _ev(groups: list[dict]) -> dict:
    c = {"missed_match_rate": 0.05, "false_negatives": 50, "true_positives": 950,
         "false_match_rate": 0.0, "false_positives": 0}
    return {"combined": c, "by_subgroup": {},
            "bias": {"combined": {"groups_compared": len(groups), "groups": groups}}}


def _group(excess: float | str, flagged: bool) -> dict:
    return {"dimension": "ethnic_group", "group": "black", "excess": excess,
            "flagged": flagged}


@pytest.mark.parametrize("groups,rag", [
    pytest.param([_group(0.12, False)], "green", id="large-excess-not-significant"),
    pytest.param([_group(0.05, True)], "amber", id="flagged-5-points"),
    pytest.param([_group(0.12, True), _group(0.04, True)], "red", id="flagged-12-points"),
    pytest.param([_group(0.01, True)], "green", id="flagged-but-small"),
    pytest.param([_group("*", True)], "amber", id="flagged-hidden"),
])
def test_bias_rule_rates_flagged_subgroups_only(groups: list[dict], rag: str) -> None:
    """The worst-subgroup rule reads the largest excess among flagged subgroups: a large
    excess the test does not flag stays green; a flagged hidden one is amber."""
    verdict = pair_verdict(_pair(), _ev(groups), Thresholds())
    rule = next(r for r in verdict.reasons if r.short == "worst subgroup")
    assert rule.rag == rag
