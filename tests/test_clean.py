"""``linkready clean``: removes only the record-level files linkready wrote, says what it
removed (names and sizes, no record content), and leaves the user's files alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.outdir import MARKER, OutputSet
from linkready.review._write import write_review_files
from lr_extracts import one_source, person

runner = CliRunner()


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A hand-written project profiled for real (workspace + profile.json), with link and
    review outputs published through the same output sets the commands use."""
    project_file = one_source(tmp_path, [person(i) for i in range(30)])
    result = runner.invoke(app, ["profile", str(project_file)])
    assert result.exit_code == 0, result.output
    results = tmp_path / "linkready-results"
    with OutputSet(results, "link") as files:
        files.path("links.parquet").write_bytes(b"PAR1 left_id right_id PAR1")
        files.path("clusters.parquet").write_bytes(b"PAR1 cluster PAR1")
        files.path("linkage.json").write_text('{"schema_version": 1}', encoding="utf-8")
    write_review_files(results / "review", {"review.html": "<html>", "review.csv": "a,b\n",
                                             "review.json": "{}"}, command="review-sample")
    return project_file


def test_clean_removes_only_linkreadys_record_level_files(project: Path) -> None:
    results = project.parent / "linkready-results"
    # The user's own files, one with a name linkready uses: never touched.
    (results / "my_notes.csv").write_text("mine", encoding="utf-8")
    (results / "review" / "labels-abc.csv").write_text("sample_id,item,label\n",
                                                       encoding="utf-8")
    marker = json.loads((results / MARKER).read_text(encoding="utf-8"))
    marker["sets"]["link"].remove("clusters.parquet")  # as if the user had put it there
    (results / MARKER).write_text(json.dumps(marker), encoding="utf-8")

    result = runner.invoke(app, ["clean", str(project)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "removed 5 record-level file(s)" in text
    for name in ("linkready.duckdb", "links.parquet", "review/review.html",
                 "review/review.csv", "review/review.json"):
        assert name in text
        assert not (results / name).exists(), name
    # Kept: aggregates, and everything linkready did not write.
    for name in ("profile.json", "linkage.json", "my_notes.csv", "clusters.parquet",
                 "review/labels-abc.csv"):
        assert (results / name).is_file(), name
    assert "kept" in text and "clusters.parquet: not written by linkready" in text
    assert "Lovelace" not in result.output and "999" not in result.output
    # The marker no longer lists what was removed; a second run finds nothing.
    marker = json.loads((results / MARKER).read_text(encoding="utf-8"))
    listed = {n for names in marker["sets"].values() for n in names}
    assert "links.parquet" not in listed and "linkready.duckdb" not in listed
    again = runner.invoke(app, ["clean", str(project)], env={"COLUMNS": "400"})
    assert again.exit_code == 0 and "removed" not in again.output


def test_dry_run_lists_and_keeps(project: Path) -> None:
    results = project.parent / "linkready-results"
    before = sorted(p.relative_to(results) for p in results.rglob("*"))
    result = runner.invoke(app, ["clean", str(project), "--dry-run"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "would remove 6 record-level file(s)" in text
    assert "review/review.csv" in text and "linkready.duckdb" in text
    assert sorted(p.relative_to(results) for p in results.rglob("*")) == before


def test_clean_then_the_project_runs_again(project: Path) -> None:
    """After clean the review folder is gone and profile rebuilds its workspace."""
    results = project.parent / "linkready-results"
    assert runner.invoke(app, ["clean", str(project)]).exit_code == 0
    assert not (results / "review").exists()
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    assert (results / "linkready.duckdb").is_file()


def test_clean_leaves_a_folder_linkready_does_not_own(tmp_path: Path) -> None:
    """A --out folder without linkready's marker: its files are the user's; nothing goes."""
    project_file = one_source(tmp_path, [person(i) for i in range(5)])
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "links.parquet").write_bytes(b"user data")
    result = runner.invoke(app, ["clean", str(project_file), "--out", str(other)],
                           env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert (other / "links.parquet").read_bytes() == b"user data"
    assert "not written by linkready" in " ".join(result.output.split())
