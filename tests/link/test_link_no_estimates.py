"""`linkready link --no-estimates`: the same links and clusters, byte for byte, without
the label-free estimates; every reader says "not estimated" instead of a figure.

The world is small (800 people, two sources) with heavy name and DOB errors on the
acute side, so the diagnostic sample does choose looser blocking rules: the option must
keep it running for that (the links would differ otherwise)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from link_world import SourceSim, World, write_world
from typer.testing import CliRunner

import linkready
from linkready.link import TrainingConfig

#: Fewer bootstrap replicates than the CLI's default: they change no link either.
WITH = TrainingConfig(bootstrap_replicates=20)
NOT = "not estimated (--no-estimates)"


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The world linked with the estimates (Python API) and without (the CLI)."""
    from linkready.cli.app import app

    root = tmp_path_factory.mktemp("noest")
    project = write_world(World(persons=800, sources=(
        SourceSim("gp_register", 0.97),
        SourceSim("acute", 0.5, nhs_present=0.3, typo=0.35, dob_error=0.3))), root)
    with_ = linkready.link(project, root / "with", training=WITH)
    cli = CliRunner().invoke(app, ["link", str(project), "-o", str(root / "without"),
                                   "--no-estimates"])
    assert cli.exit_code == 0, cli.output
    return {"project": project, "root": root, "with": with_, "cli": cli.output,
            "doc_with": json.loads((root / "with" / "linkage.json").read_text()),
            "doc_without": json.loads((root / "without" / "linkage.json").read_text())}


def _strip(pair: dict[str, Any]) -> dict[str, Any]:
    """A pair block without the three estimate blocks and the marker."""
    prob = {k: v for k, v in pair["probabilistic"].items()
            if k not in ("expected_match_rate", "false_links")}
    prob["blocking"] = {k: v for k, v in prob["blocking"].items()
                        if k != "estimated_recall"}
    return {**{k: v for k, v in pair.items() if k != "estimates"}, "probabilistic": prob}


def test_links_and_clusters_are_byte_identical_where_loosening_is_chosen(
        both: dict[str, Any]) -> None:
    root = both["root"]
    for name in ("links.parquet", "clusters.parquet", "model.json"):
        assert (root / "with" / name).read_bytes() == (root / "without" / name).read_bytes()
    loosened = [p["probabilistic"]["blocking"]["loosened_by"]
                for p in both["doc_without"]["pairs"]]
    assert all(loosened), "the world must make the diagnostic choose looser rules"
    assert loosened == [p["probabilistic"]["blocking"]["loosened_by"]
                        for p in both["doc_with"]["pairs"]]


def test_linkage_json_marks_the_estimates_skipped_and_keeps_the_rest(
        both: dict[str, Any]) -> None:
    w, wo = both["doc_with"], both["doc_without"]
    assert "estimates" not in w and wo["estimates"] == "skipped"
    for pw, po in zip(w["pairs"], wo["pairs"], strict=True):
        assert "estimates" not in pw and po["estimates"] == "skipped"
        assert _strip(po) == _strip(pw)  # every other figure the same
        rate = po["probabilistic"]["expected_match_rate"]
        assert [rate[k] for k in ("estimate", "lower", "upper")] == [None] * 3
        assert rate["estimates"] == "skipped" and "--no-estimates" in rate["method"]
        full = pw["probabilistic"]["expected_match_rate"]
        assert rate["among_candidates"] == full["among_candidates"]
        assert rate["chance_only"] == full["chance_only"]
        assert "model_free_check" not in rate and "bootstrap_replicates" not in rate
        false = po["probabilistic"]["false_links"]
        assert [false[k] for k in ("expected", "share", "lower", "upper")] == [None] * 4
        assert false["accepted_records"] == \
            pw["probabilistic"]["false_links"]["accepted_records"]
        recall = po["probabilistic"]["blocking"]["estimated_recall"]
        assert [recall[k] for k in ("estimate", "lower", "upper")] == [None] * 3
        assert "sample_reading" not in recall and recall["sample_records"] > 0
        assert recall["diagnostic_rules"] == \
            pw["probabilistic"]["blocking"]["estimated_recall"]["diagnostic_rules"]


def test_the_skipped_steps_do_not_run(both: dict[str, Any], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With the estimates the decoys and bootstrap are timed steps; without them, and
    with adaptive blocking off, not even the diagnostic sample runs (nothing to choose):
    the links stay the same and recall's sample reading is null."""
    from dataclasses import replace

    from linkready.link import diagnostic

    assert {"decoys", "bootstrap"} <= set(both["with"].run.pairs[0].timings)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("ran")

    for name in ("run", "run_decoys"):
        monkeypatch.setattr(diagnostic, name, refuse)
    off = replace(WITH, adaptive_blocking=False, estimates=False)
    got = linkready.link(both["project"], tmp_path / "off", training=off)
    pair = got.run.pairs[0]
    assert not {"decoys", "bootstrap"} & set(pair.timings)
    blocking = got.to_dict()["pairs"][0]["probabilistic"]["blocking"]
    assert "sample_records" not in blocking["estimated_recall"]
    assert blocking["loosened_by"] == []


def test_the_link_table_says_not_estimated(both: dict[str, Any], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI ran and printed its table; on a console wide enough for no cell to wrap,
    the expected rate, blocking recall and false links each read "not estimated"."""
    from linkready.cli._common import console
    from linkready.cli.link import print_linkage_summary

    assert "Linkage at p ≥ 0.9" in both["cli"] and "None" not in both["cli"]
    monkeypatch.setattr(console, "_width", 400)
    with console.capture() as cap:
        print_linkage_summary(both["doc_without"], tmp_path)
    row = next(line for line in cap.get().splitlines() if "acute → gp_register" in line)
    assert row.count(NOT) == 3 and "None" not in row


def test_evaluate_and_report_read_the_absence(both: dict[str, Any]) -> None:
    """evaluation.json carries the marker and a null expected rate; the report rates the
    pair "not rated" and says how to get the estimates, inventing no figure."""
    from linkready.report._verdict import Thresholds, pair_verdict

    out = both["root"] / "without"
    # Without truth first: the coverage and linkage-error tiles say "not estimated".
    tiles = {k.label: k for k in linkready.report(both["project"], out).report.key_figures}
    for label in ("lowest coverage", "largest linkage error"):
        assert tiles[label].value == "–" and NOT in tiles[label].detail
    ev = linkready.evaluate(both["project"], out)
    pair = ev.document["pairs"][0]
    assert pair["estimates"] == "skipped" and pair["expected_match_rate"] is None
    rep = linkready.report(both["project"], out)
    verdicts = [v for v in rep.report.verdicts() if v.kind == "pair"]
    assert [v.rag for v in verdicts] == ["none"]
    assert "run `linkready link` without --no-estimates" in verdicts[0].headline
    html = rep.path.read_text(encoding="utf-8")
    assert "NOT RATED" in html and NOT in html and ">None<" not in html
    # A red rule still makes the pair red: not rating it would hide a finding.
    red = pair_verdict(both["doc_without"]["pairs"][0],
                       {**pair, "combined": {**pair["combined"], "missed_match_rate": 0.5}},
                       Thresholds())
    assert red.rag == "red"
