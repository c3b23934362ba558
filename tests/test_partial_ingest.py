"""A link ingests only the sources it pairs; a later run that needs others adds them to
the same workspace (copying the current ones, reading the rest), and what it then holds,
and what a link writes, is what a fresh run on a fully ingested workspace holds and
writes.

The world is tests/hand_world.py's GP register (80) and council list (40) plus a
housing list (people 40..69, no NHS numbers): three sources, two pairs."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import linkready
from hand_world import COLUMNS, COUNCIL, GP, HEADER, row, write_world
from linkready.link import TrainingConfig
from lr_extracts import write_csv, write_project

FAST = TrainingConfig(u_max_pairs=2e5, em_max_pairs=2e5, bootstrap_replicates=20)
LINK_FILES = ("linkage.json", "model.json", "models/council__gp.json", "links.parquet",
              "clusters.parquet")
COUNCIL_GP, HOUSING = [("council", "gp")], [("housing", "gp")]


def _world(folder: Path) -> Path:
    write_world(folder, with_nhs=20)
    write_csv(folder / "housing.csv", HEADER,
              [row(i, f"H{i:03d}", False) for i in range(COUNCIL, GP - 10)])
    spec = {"columns": COLUMNS, "dob_format": "%d/%m/%Y"}
    return write_project(folder, {n: {"path": f"{n}.csv", **spec}
                                  for n in ("council", "gp", "housing")},
                         spine="gp", pairs=[["council", "gp"], ["housing", "gp"]])


def _held(folder: Path) -> list[str]:
    con = duckdb.connect(str(folder / "linkready.duckdb"), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT source FROM sources ORDER BY rowid")
                .fetchall()]
    finally:
        con.close()


def _tables(folder: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the workspace's tables in order (the ingest time left out)."""
    con = duckdb.connect(str(folder / "linkready.duckdb"), read_only=True)
    try:
        return {t: con.execute(f"SELECT * {exclude} FROM {t} ORDER BY rowid").fetchall()
                for t, exclude in (("records", ""), ("standardisation_log", ""),
                                   ("sources", "EXCLUDE (ingested_at)"))}
    finally:
        con.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _world(tmp_path_factory.mktemp("partial") / "world")


def test_a_link_ingests_its_pair_and_a_later_run_adds_the_rest(world: Path,
                                                               tmp_path: Path) -> None:
    step = tmp_path / "step"
    linkready.link(world, step, pairs=COUNCIL_GP, training=FAST, estimates=False)
    assert _held(step) == ["council", "gp"]
    first = {n: (step / n).read_bytes() for n in LINK_FILES}
    council = _tables(step)["records"][:COUNCIL]
    linkready.link(world, step, pairs=HOUSING, training=FAST, estimates=False)
    assert _held(step) == ["council", "gp", "housing"]  # council kept, in project order
    assert _tables(step)["records"][:COUNCIL] == council

    fresh = tmp_path / "fresh"
    linkready.profile(world, fresh)  # every source ingested
    assert _held(fresh) == ["council", "gp", "housing"]
    assert _tables(step) == _tables(fresh)
    linkready.link(world, fresh, pairs=COUNCIL_GP, training=FAST, estimates=False)
    for name in LINK_FILES:  # the same key too: it covers only the sources linked
        assert first[name] == (fresh / name).read_bytes(), name


def test_a_changed_extract_is_read_again_not_copied(world: Path, tmp_path: Path) -> None:
    folder = tmp_path / "world"
    shutil.copytree(world.parent, folder)
    project, out = folder / "project.yaml", tmp_path / "out"
    linkready.link(project, out, pairs=COUNCIL_GP, training=FAST, estimates=False)
    before = _tables(out)["records"][:COUNCIL]
    text = (folder / "council.csv").read_text(encoding="utf-8")
    (folder / "council.csv").write_text(text.replace("Ada,", "Adah,"), encoding="utf-8")
    linkready.link(project, out, pairs=HOUSING, training=FAST, estimates=False)
    assert _held(out) == ["gp", "housing"]  # the changed council list is not carried
    linkready.profile(project, out)
    after = _tables(out)["records"][:COUNCIL]
    assert _held(out) == ["council", "gp", "housing"]
    assert [r[:2] for r in after] == [r[:2] for r in before] and after != before
