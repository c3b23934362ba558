"""Who gets exact figures, cluster evaluation without clusters.parquet, and disclosure
control of the new blocks (link level, clusters, bias). What evaluation.json shows is
read through `linkready.evaluate` (the session's `evaluated`); the synthetic rule and
the clusters rebuilt from links (as assess evaluates) are branches of evaluate_outputs,
tested on the module."""

from __future__ import annotations

import pytest

import linkready
from linkready.link import evaluate_run
from linkready.link.evaluate_run import evaluate_outputs, evaluation_document


@pytest.fixture(scope="module")
def real(evaluated: linkready.EvaluationResult) -> dict:
    """The session's world evaluated and published: real data (it has truth but no
    manifest), under disclosure control."""
    return evaluated.to_dict()


def test_real_gold_standard_keeps_disclosure_control(real: dict) -> None:
    """A project with `truth:` but without a matching manifest is real data."""
    assert real["synthetic"] is False
    assert real["disclosure_control"]["applied"] is True
    assert real["disclosure_control"]["rule"] == evaluate_run.CONTROLLED_RULE


def test_synthetic_project_is_published_exactly(linked: dict, real: dict,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """When is_synthetic says so, the same evaluation is published with exact counts and
    unrounded rates: no "*" anywhere."""
    monkeypatch.setattr(evaluate_run, "is_synthetic", lambda project: True)
    got = evaluation_document(evaluate_outputs(
        linked["project"], linked["run"].links.to_pandas(), linked["summary"]))
    assert got["synthetic"] is True and got["disclosure_control"]["applied"] is False
    text = repr(got)
    assert "'*'" not in text and "'*'" in repr(real)
    pair = got["pairs"][0]["combined"]
    assert pair["true_positives"] + pair["false_negatives"] == round(
        pair["true_positives"] / pair["recall"])


def test_clusters_rebuilt_from_links_match_clusters_parquet(
        linked: dict, real: dict, evaluated: linkready.EvaluationResult) -> None:
    """Without clusters (as assess calls it), the clusters rebuilt from the linked pairs
    score the same as clusters.parquet's."""
    given = evaluated.exact()  # with clusters.parquet, as `linkready.evaluate` reads it
    rebuilt = evaluate_outputs(linked["project"], linked["run"].links.to_pandas(),
                               linked["summary"]).exact()
    assert rebuilt["clusters"] == given["clusters"]
    assert real["clusters"]["by_source_set"][0]["sources"] == linked["summary"]["clusters"][
        "sources"]


def _pairs_of(block: dict, keys: tuple[str, ...]) -> list[dict]:
    return [block] + [b for k in keys for b in block.get(k, [])]


def test_new_blocks_hide_rates_resting_on_small_counts(
        real: dict, evaluated: linkready.EvaluationResult) -> None:
    """Link level, cluster and bias figures follow the rule: a figure beside a count of
    1–7 is "*" (or null) too (a count hidden only as a complement keeps its rates)."""
    checked = 0
    exact = evaluated.exact()
    for pair, ex in zip(real["pairs"], exact["pairs"], strict=True):
        for stage in ("deterministic", "probabilistic", "combined"):
            lk = pair[stage]["links"]
            if "*" in (lk["false_links"], lk["true_links"]):
                assert lk["precision"] in ("*", None)
                checked += 1
        for stage in ("deterministic", "combined"):
            for g, e in zip(pair["bias"][stage]["groups"], ex["bias"][stage]["groups"],
                            strict=True):
                if 0 < e["missed"] <= 7:
                    assert g["missed"] == "*"
                    assert g["missed_rate"] == g["lower"] == g["excess"] == "*"
                    checked += 1
    for c in _pairs_of(real["clusters"], ("by_source_set",)):
        if c["people_split"] == "*":
            assert c["people_split_rate"] in ("*", None)
            checked += 1
    assert checked, "the world should have some small counts to hide"


def test_evaluation_records_the_linkage_it_read(linked: dict, real: dict) -> None:
    """evaluation.json names the linkage.json it measured by its digest (report refuses
    it once linkage.json is replaced: tests/report/test_report_cli.py)."""
    from linkready.documents import linkage_digest

    assert real["linkage_sha256"] == linkage_digest(linked["summary"])
