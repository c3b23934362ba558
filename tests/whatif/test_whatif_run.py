"""`whatif` end to end on a hand-written extract with no truth (tests/hand_world.py): the
council holds 40 clients, all on the GP register, 20 with their NHS number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import linkready
from hand_world import COUNCIL, FAMILY, GIVEN, nhs_of, write_world
from linkready.link import TrainingConfig

FAST = TrainingConfig(u_max_pairs=2e5, em_max_pairs=2e5, bootstrap_replicates=20)


def test_less_complete_blanks_at_random(tmp_path: Path) -> None:
    """council NHS numbers 50% → 25%: 10 of the 20 blanked, so the deterministic rate to
    GP falls from 20/40 to 10/40, while linked again (relink) the probabilistic stage
    still finds all 40 and the expected rate stays near 100%; whatif.json lands in
    linkready-results/whatif/ and holds no record-level value."""
    project = write_world(tmp_path, with_nhs=20)
    result = linkready.whatif(project, nhs_complete={"council": 0.25}, training=FAST,
                              relink=True)
    assert result.path == tmp_path / "linkready-results" / "whatif" / "whatif.json"
    doc = json.loads(result.path.read_text(encoding="utf-8"))
    assert doc == result.to_dict()
    [change] = doc["changes"]
    assert (change["baseline_share"], change["reached_share"], change["direction"],
            change["records_changed"]) == (0.5, 0.25, "less", 10)
    [pair] = doc["pairs"]
    assert (pair["left"], pair["right"], pair["left_records"]) == ("council", "gp", COUNCIL)
    assert pair["baseline"]["deterministic"]["match_rate"] == 0.5
    assert pair["whatif"]["deterministic"]["match_rate"] == 0.25
    assert pair["deterministic_change_points"] == -25.0
    assert pair["whatif"]["expected_from"] == "relinked"
    assert pair["baseline"]["combined"]["match_rate"] == 1.0
    assert pair["whatif"]["combined"]["match_rate"] == 1.0
    e = pair["whatif"]["expected_match_rate"]
    assert e["lower"] <= e["estimate"] <= e["upper"] and e["estimate"] > 0.95
    share = pair["whatif"]["deterministic_share_of_expected"]
    assert share["lower"] <= share["estimate"] <= share["upper"]
    assert share["estimate"] == pytest.approx(0.25 / e["estimate"], abs=1e-4)
    assert any("missing at random" in a for a in doc["assumptions"])
    text = result.path.read_text(encoding="utf-8")
    for secret in ("C000", "G000", nhs_of(0), GIVEN[3], FAMILY[5]):
        assert secret not in text


# More complete (tracing from confident links): tests/whatif/test_whatif_reuse.py, which
# also runs it on a baseline kept from link.


def test_api_checks_changes_before_any_work(tmp_path: Path) -> None:
    """`linkready.whatif` is the public entry point; a bad share fails before linking
    and leaves no output folder."""
    project = write_world(tmp_path, with_nhs=20)
    with pytest.raises(linkready.ConfigError, match="not a number from 0 to 1"):
        linkready.whatif(project, nhs_complete={"council": 1.5})
    with pytest.raises(linkready.ConfigError, match="does not map `address_line`") as info:
        linkready.whatif(project, complete={"council.address_line": 0.5})
    assert f"in {project}; map it under sources.council.columns" in str(info.value)
    assert not (tmp_path / "linkready-results").exists()


def test_aggregates_only_folder_keeps_no_workspace(tmp_path: Path) -> None:
    """After a profile with --aggregates-only, a what-if on that project reads the records
    into a temporary workspace and removes it: no linkready.duckdb (nor any temporary)
    is left in the results folder, and the result says so."""
    from linkready import pipeline
    from linkready.outdir import TMP_PREFIX, chose_aggregates_only
    from linkready.project import load_project

    path = write_world(tmp_path, with_nhs=20)
    project = load_project(path)
    results = tmp_path / "linkready-results"
    pipeline.profile(project, aggregates_only=True).run()
    assert chose_aggregates_only(results)
    assert not (results / "linkready.duckdb").exists()
    result = linkready.whatif(path, nhs_complete={"council": 0.25}, training=FAST)
    assert result.path.is_file() and not result.workspace_kept
    assert not (results / "linkready.duckdb").exists()
    assert not [p.name for p in results.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_interrupted_rebuild_leaves_the_workspace_as_it_was(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """An extract changed since the workspace was built: whatif rebuilds it under a
    temporary name and publishes it only with whatif.json, as link and assess do. An
    interrupt after the rebuild leaves the old workspace (same file, untouched) and no
    temporary; a run that completes puts the rebuilt one in place."""
    import os

    from linkready import pipeline
    from linkready.ingest._workspace import up_to_date
    from linkready.outdir import TMP_PREFIX, read_marker
    from linkready.project import load_project
    from linkready.whatif import _run

    path = write_world(tmp_path, with_nhs=20)
    project = load_project(path)
    results = tmp_path / "linkready-results"
    pipeline.profile(project).run()
    ws = results / "linkready.duckdb"
    before = (ws.stat().st_ino, ws.stat().st_mtime_ns, ws.read_bytes())
    council = tmp_path / "council.csv"
    council.write_text(council.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    os.utime(council, ns=(council.stat().st_atime_ns, council.stat().st_mtime_ns + 10**9))
    assert up_to_date(project, ws) is None  # stale: whatif must rebuild it

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt
    with monkeypatch.context() as m:
        m.setattr(_run, "copy_workspace", interrupted)
        with pytest.raises(KeyboardInterrupt):
            linkready.whatif(path, nhs_complete={"council": 0.25}, training=FAST)
    assert (ws.stat().st_ino, ws.stat().st_mtime_ns, ws.read_bytes()) == before
    assert not [p.name for p in results.iterdir() if p.name.startswith(TMP_PREFIX)]
    assert not (results / "whatif" / "whatif.json").exists()

    result = linkready.whatif(path, nhs_complete={"council": 0.25}, training=FAST)
    assert result.path.is_file() and result.workspace_kept
    assert up_to_date(project, ws) is not None  # the rebuilt workspace, published
    assert "linkready.duckdb" in {n for names in read_marker(results)["sets"].values()
                                  for n in names}
    assert not [p.name for p in results.iterdir() if p.name.startswith(TMP_PREFIX)]
