"""assess keeps the linkage a link run wrote, and the evaluation an evaluate run wrote,
only when everything they depend on is the same (``inputs_sha256``: records, project
file, link settings, truth, versions), and computes them again on any change, even
behind an unchanged file size and time. What it keeps is what a fresh run writes.

The world is tests/hand_world.py's GP register (80) and council list (40) with a
hand-written truth file (person i is G<i> and C<i>)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

import linkready
from hand_world import COUNCIL, GP, write_world
from linkready.link import TrainingConfig
from linkready.reuse import KEY_FIELD

FAST = TrainingConfig(u_max_pairs=2e5, em_max_pairs=2e5, bootstrap_replicates=20)
LINK_FILES = ("linkage.json", "model.json", "models/council__gp.json", "links.parquet",
              "clusters.parquet")


def _world(folder: Path) -> Path:
    """The hand world with truth.parquet declared as `truth:`."""
    import pandas as pd

    project = write_world(folder, with_nhs=20)
    truth = pd.DataFrame(
        [("gp", f"G{i:03d}", f"P{i}") for i in range(GP)]
        + [("council", f"C{i:03d}", f"P{i}") for i in range(COUNCIL)],
        columns=["source", "record_id", "person_id"])
    truth.to_parquet(folder / "truth.parquet", index=False)
    data = yaml.safe_load(project.read_text(encoding="utf-8"))
    project.write_text(yaml.safe_dump({**data, "truth": "truth.parquet"}, sort_keys=False),
                       encoding="utf-8")
    return project


def _bytes(folder: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    return {n: (folder / n).read_bytes() for n in names}


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world linked (`link`) and evaluated (`evaluate`) once (read-only: tests copy
    it)."""
    folder = tmp_path_factory.mktemp("reuse") / "world"
    project = _world(folder)
    linkready.link(project, training=FAST)
    linkready.evaluate(project)
    return folder


def _copy(linked: Path, tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "world"
    shutil.copytree(linked, folder, symlinks=True)
    return folder / "project.yaml", folder / "linkready-results"


def test_assess_keeps_what_link_and_evaluate_wrote_and_a_fresh_run_writes_the_same(
        linked: Path, tmp_path: Path) -> None:
    """Right after link and evaluate, assess publishes their files byte for byte and says
    so; assess run afresh elsewhere (nothing to keep) writes the same bytes."""
    project, results = _copy(linked, tmp_path)
    before = _bytes(results, (*LINK_FILES, "evaluation.json"))
    assert json.loads(before["linkage.json"])[KEY_FIELD]
    assert json.loads(before["evaluation.json"])[KEY_FIELD]

    kept = linkready.assess(project, training=FAST)
    assert kept.link is not None and kept.link.reused
    assert kept.evaluation is not None and kept.evaluation.reused
    assert _bytes(results, (*LINK_FILES, "evaluation.json")) == before
    assert kept.link.pairs_df()["left_records"].tolist() == [COUNCIL]
    assert len(kept.link.links_df()) > 0 and len(kept.link.clusters_df()) == GP + COUNCIL
    with pytest.raises(ValueError, match="exact"):
        kept.link.exact()

    fresh = linkready.assess(project, tmp_path / "fresh", training=FAST)
    assert fresh.link is not None and not fresh.link.reused
    assert fresh.evaluation is not None and not fresh.evaluation.reused
    assert _bytes(tmp_path / "fresh", (*LINK_FILES, "evaluation.json")) == before


def test_link_records_the_key_a_reader_of_the_workspace_file_computes(linked: Path) -> None:
    """link computes its key on the connection it links from (the workspace attached
    read-only), not by opening the file again: the same key as from the file itself."""
    from dataclasses import replace

    from linkready import reuse
    from linkready.project import load_project

    project = load_project(linked / "project.yaml")
    doc = json.loads((linked / "linkready-results" / "linkage.json").read_text("utf-8"))
    assert doc[KEY_FIELD] == reuse.workspace_key(
        project, linked / "linkready-results" / "linkready.duckdb", pairs=None,
        threshold=0.9, config=replace(FAST, seed=42), backend="duckdb")


def test_a_link_checks_its_workspace_against_the_extracts_once(
        linked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline checks (or builds) the workspace before linking; link_project does
    not check it a second time, and a current workspace is checked once."""
    import linkready.ingest
    import linkready.link
    from linkready.ingest import _workspace

    project, _ = _copy(linked, tmp_path)  # moved extracts: ingested again
    ingests = []
    real_ingest = linkready.ingest.ingest_project
    with monkeypatch.context() as m:
        m.setattr(linkready.ingest, "ingest_project",
                  lambda *a, **k: ingests.append(1) or real_ingest(*a, **k))
        linkready.link(project, training=FAST)
    assert len(ingests) == 1

    checks = []
    real_check = _workspace.up_to_date

    class Linked(Exception):
        pass

    def link_project(*a: object, **k: object) -> None:
        raise Linked

    monkeypatch.setattr(_workspace, "up_to_date",
                        lambda *a, **k: checks.append(1) or real_check(*a, **k))
    monkeypatch.setattr(linkready.link, "link_project", link_project)
    with pytest.raises(Linked):  # now current: checked once, then linked
        linkready.link(project, training=FAST)
    assert len(checks) == 1


def test_a_changed_value_behind_the_same_size_and_time_is_linked_again(
        linked: Path, tmp_path: Path) -> None:
    """One council forename changed, the file's size and modification time put back:
    assess links and evaluates again (another key); a second assess keeps that."""
    project, results = _copy(linked, tmp_path)
    old_key = json.loads((results / "linkage.json").read_text(encoding="utf-8"))[KEY_FIELD]
    extract = project.parent / "council.csv"
    st = extract.stat()
    data = extract.read_bytes()
    assert b",Bea," in data
    extract.write_bytes(data.replace(b",Bea,", b",Bex,", 1))
    os.utime(extract, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert extract.stat().st_size == st.st_size

    again = linkready.assess(project, training=FAST)
    assert again.link is not None and not again.link.reused
    assert again.evaluation is not None and not again.evaluation.reused
    new_key = again.link.to_dict()[KEY_FIELD]
    assert new_key != old_key
    assert json.loads((results / "linkage.json").read_text(encoding="utf-8"))[KEY_FIELD] \
        == new_key

    third = linkready.assess(project, training=FAST)
    assert third.link is not None and third.link.reused
    assert third.evaluation is not None and third.evaluation.reused


def test_other_truth_or_missing_links_are_not_kept(linked: Path, tmp_path: Path) -> None:
    """The evaluation's key follows the truth file (one person id changed) and the links
    evaluated; a folder without links.parquet (as --aggregates-only leaves it) has no
    linkage to keep, nor an evaluation key."""
    import pandas as pd

    from linkready import reuse
    from linkready.project import load_project

    project_file, results = _copy(linked, tmp_path)
    project = load_project(project_file)
    key = reuse.evaluation_key(project, results)
    assert key is not None and reuse.previous_evaluation(results, key) is not None
    truth = pd.read_parquet(project_file.parent / "truth.parquet")
    truth.loc[truth["record_id"] == "C000", "person_id"] = "P-other"
    truth.to_parquet(project_file.parent / "truth.parquet", index=False)
    changed = reuse.evaluation_key(project, results)
    assert changed is not None and changed != key
    assert reuse.previous_evaluation(results, changed) is None

    doc = json.loads((results / "linkage.json").read_text(encoding="utf-8"))
    assert reuse.previous_linkage(results, doc[KEY_FIELD]) == doc
    (results / "links.parquet").unlink()
    assert reuse.previous_linkage(results, doc[KEY_FIELD]) is None
    assert reuse.evaluation_key(project, results) is None


def test_the_key_follows_every_setting_and_linkready(
        linked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key of one workspace: the same when asked again; another for any other
    threshold, pairs, seed or training setting, linkready's source (same version) or
    LR_ environment setting; none on Spark."""
    from linkready import reuse
    from linkready.project import load_project

    project = load_project(linked / "project.yaml")
    ws = linked / "linkready-results" / "linkready.duckdb"
    base = {"pairs": None, "threshold": 0.9, "config": FAST, "backend": "duckdb"}
    key = reuse.workspace_key(project, ws, **base)
    assert key is not None and reuse.workspace_key(project, ws, **base) == key
    others = [{"threshold": 0.8}, {"pairs": [("gp", "council")]},
              {"config": TrainingConfig(u_max_pairs=2e5, em_max_pairs=2e5,
                                        bootstrap_replicates=21)},
              {"config": TrainingConfig(u_max_pairs=2e5, em_max_pairs=2e5,
                                        bootstrap_replicates=20, seed=43)}]
    keys = {reuse.workspace_key(project, ws, **{**base, **o}) for o in others}
    assert key not in keys and len(keys) == len(others)
    assert reuse.workspace_key(project, ws, **{**base, "backend": "spark"}) is None
    with monkeypatch.context() as m:
        m.setattr(reuse, "code_digest", lambda: "0" * 64)
        assert reuse.workspace_key(project, ws, **base) != key
    with monkeypatch.context() as m:
        m.setenv("LR_MINC", "50")
        assert reuse.workspace_key(project, ws, **base) != key
    assert reuse.previous_linkage(linked / "linkready-results", key) is not None
    assert reuse.previous_linkage(linked / "linkready-results", "f" * 64) is None
    assert reuse.previous_linkage(linked / "linkready-results", None) is None


def test_a_linkage_made_without_estimates_is_not_kept_by_assess(
        linked: Path, tmp_path: Path) -> None:
    """`link --no-estimates` writes a linkage assess cannot use (its report needs the
    estimates): its key differs (the setting is in it), and even under the same key a
    linkage marked ``estimates: skipped`` is not kept; assess then links again, with
    the estimates, and keeps that the next time."""
    from dataclasses import replace

    from linkready import reuse

    project, results = _copy(linked, tmp_path)
    linkready.link(project, training=FAST, estimates=False)
    doc = json.loads((results / "linkage.json").read_text(encoding="utf-8"))
    assert doc["estimates"] == "skipped"
    ws = results / "linkready.duckdb"
    proj = linkready.load_project(project)
    settings = {"pairs": None, "threshold": 0.9, "backend": "duckdb"}
    without = reuse.workspace_key(proj, ws, config=replace(FAST, estimates=False),
                                  **settings)
    assert doc[KEY_FIELD] == without
    assert without != reuse.workspace_key(proj, ws, config=FAST, **settings)
    assert reuse.previous_linkage(results, without) is None  # marked skipped

    again = linkready.assess(project, training=FAST)
    assert again.link is not None and not again.link.reused
    assert "estimates" not in again.link.to_dict()
    third = linkready.assess(project, training=FAST)
    assert third.link is not None and third.link.reused


def test_assess_and_whatif_refuse_estimates_false(linked: Path) -> None:
    """assess and whatif read the estimates: TrainingConfig(estimates=False) is a
    one-line ConfigError naming the fix, before any work."""
    from dataclasses import replace

    from linkready.errors import ConfigError

    no = replace(FAST, estimates=False)
    with pytest.raises(ConfigError, match=r"assess needs the label-free estimates.*"
                                          r"link --no-estimates"):
        linkready.assess(linked / "project.yaml", linked / "never", training=no)
    with pytest.raises(ConfigError, match="whatif needs the label-free estimates"):
        linkready.whatif(linked / "project.yaml", nhs_complete={"council": 0.9},
                         out=linked / "never", training=no)
    assert not (linked / "never").exists()
