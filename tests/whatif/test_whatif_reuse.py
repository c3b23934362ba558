"""`whatif` keeps the baseline linkage `link` left in the results folder when the key of
the records and settings matches (linkage-exact.json, linkready.reuse), and links again
on any mismatch; the result is the same either way. Hand-written extract, no truth
(tests/hand_world.py)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import linkready
from hand_world import FAMILY, GIVEN, nhs_of, write_world
from linkready.link import TrainingConfig
from linkready.reuse import EXACT_FILE, KEY_FIELD

FAST = TrainingConfig(u_max_pairs=2e5, em_max_pairs=2e5, bootstrap_replicates=20)
CHANGE = {"council": 0.75}  # more complete: tracing reads the baseline's links too


def _whatif(project: Path, **options: object) -> linkready.WhatIfResult:
    return linkready.whatif(project, nhs_complete=CHANGE, training=FAST, **options)


def _kept(project: Path, **settings: object) -> bool:
    """Whether the linkage in the results folder would serve as whatif's baseline of the
    pair council → gp, checked without linking (linkready.reuse.previous_baseline)."""
    from linkready.project import load_project
    from linkready.reuse import previous_baseline

    results = project.parent / "linkready-results"
    options = {"threshold": 0.9, "config": replace(FAST, seed=42), **settings}
    return previous_baseline(results, load_project(project), results / "linkready.duckdb",
                             pairs=[("council", "gp")], **options) is not None


def _traced(result: linkready.WhatIfResult) -> None:
    """council NHS numbers 50% → 75%: 10 of the 20 council clients without one (each an
    exact copy of their GP record, so linked at p ≥ 0.99) take their GP record's number;
    a deterministic pipeline then finds 30 of 40."""
    doc = result.to_dict()
    exact = result.exact()
    [pair] = exact["pairs"]
    assert (pair["baseline"]["deterministic"]["match_rate"],
            pair["whatif"]["deterministic"]["match_rate"]) == (0.5, 0.75)
    [change] = exact["changes"]
    assert (change["baseline_share"], change["reached_share"], change["records_changed"],
            change["traceable_records"]) == (0.5, 0.75, 10, 20)
    [change] = doc["changes"]
    assert change["method"] == "traced from links at p ≥ 0.99"
    assert change["target_reached"] is True
    [pair] = doc["pairs"]
    assert pair["whatif"]["deterministic"]["linked_records"] == 30
    assert pair["whatif"]["expected_from"] == "baseline (carried)"
    assert pair["whatif"]["expected_match_rate"] == pair["baseline"]["expected_match_rate"]
    assert any("traced" in a for a in doc["assumptions"])
    assert not doc["warnings"]


def test_more_complete_traces_and_a_kept_baseline_gives_the_same_whatif(
        tmp_path: Path) -> None:
    """Tracing from confident links (:func:`_traced`) on a baseline linked by whatif;
    the same what-if on the baseline `link` left gives the same document and exact
    figures; any mismatch would link again."""
    project = write_world(tmp_path / "p", with_nhs=20)
    results = tmp_path / "p" / "linkready-results"
    linkready.link(project, training=FAST)
    exact = json.loads((results / EXACT_FILE).read_text(encoding="utf-8"))
    linkage = json.loads((results / "linkage.json").read_text(encoding="utf-8"))
    assert exact[KEY_FIELD] == linkage[KEY_FIELD] and exact["pairs_linked"] == [
        ["council", "gp"]]
    # no record-level value in it: no record id, NHS number, name or date
    text = (results / EXACT_FILE).read_text(encoding="utf-8")
    for secret in ('"C000', '"G000', nhs_of(0), GIVEN[3], FAMILY[5], "/19"):
        assert secret not in text, secret

    kept = _whatif(project)
    assert kept.baseline_kept
    # The same what-if from a copy of the folder without the exact figures links again:
    # the same document and the same exact figures.
    shutil.copytree(tmp_path / "p", tmp_path / "fresh")
    (tmp_path / "fresh" / "linkready-results" / EXACT_FILE).unlink()
    fresh = _whatif(tmp_path / "fresh" / "project.yaml")
    assert not fresh.baseline_kept
    _traced(fresh)
    assert kept.to_dict() == fresh.to_dict()
    assert kept.exact() == fresh.exact()

    # Any mismatch, checked on the original folder without linking: other settings, a
    # tampered key, a record changed since the link. (--aggregates-only writes no exact
    # figures: tests/cli/test_alerts_cli.py.)
    assert _kept(project)  # as linked: kept
    assert not _kept(project, threshold=0.8)
    assert not _kept(project, config=replace(FAST, seed=7))
    assert not _kept(project, config=replace(FAST, seed=42, bootstrap_replicates=21))
    path = results / EXACT_FILE
    path.write_text(json.dumps({**exact, KEY_FIELD: "0" * 64}), encoding="utf-8")
    assert not _kept(project)
    path.write_text(json.dumps(exact), encoding="utf-8")
    assert _kept(project)
    council = tmp_path / "p" / "council.csv"
    council.write_text(council.read_text(encoding="utf-8").replace(GIVEN[0], "Ann", 1),
                       encoding="utf-8")
    linkready.profile(project)  # the workspace read again from the changed extract
    assert not _kept(project)
